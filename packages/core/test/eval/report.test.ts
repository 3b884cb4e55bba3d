/**
 * The HTML report for the sample dataset with made-up predictions (each kind of outcome once), checked
 * as text and then opened in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it renders, both charts and the whole gallery are there, the filters work, nothing is fetched and
 * nothing is logged as an error. The page and a screenshot are kept in test-artifacts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pw from 'playwright-core';
import { classColour, discoverDataset, evaluateDetections, extractBoxes, groundTruthFromImages, placeTags, renderEvaluationReport, type CocoResult, type EvalGroundTruth } from '@bus-tools/core';
import { CHROMIUM, SAMPLE_BUSI, describeWithChromium } from '../../../../fixtures/index.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const ARTIFACTS = join(REPO, 'test-artifacts');

let gt: EvalGroundTruth;
let results: CocoResult[];
let html: string;
let reportPath: string;

/** Predictions for the sample: found (shifted a little) unless the image is listed otherwise. */
function madeUpPredictions(g: EvalGroundTruth): CocoResult[] {
  const name = (id: number) => g.images.find((im) => im.id === id)!.file_name!;
  const out: CocoResult[] = [];
  for (const a of g.annotations) {
    const file = name(a.image_id);
    const [x, y, w, h] = a.bbox;
    if (file === 'malignant (1).png') continue; // missed malignant lesion
    const category_id = file === 'benign (2).png' ? 2 : a.category_id; // benign called malignant
    out.push({ image_id: a.image_id, category_id, bbox: [x + 2, y + 1, w - 1, h + 2], score: 0.9 - 0.01 * out.length });
    out.push({ image_id: a.image_id, category_id: 3 - a.category_id, bbox: [x + 5, y + 5, w / 2, h / 2], score: 0.2 }); // below the threshold
  }
  const normal = g.images.find((im) => im.file_name === 'normal (1).png')!;
  out.push({ image_id: normal.id, category_id: 1, bbox: [20, 30, 40, 35], score: 0.7 }); // false positive
  return out;
}

beforeAll(async () => {
  const dataset = await discoverDataset(SAMPLE_BUSI);
  const extracted = await extractBoxes(dataset, { includeNormal: true });
  gt = groundTruthFromImages(extracted.images, extracted.categories);
  results = madeUpPredictions(gt);
  const paths = new Map(extracted.images.map((im, i) => [i + 1, im.path!]));
  const evaluation = evaluateDetections(gt, results);
  html = await renderEvaluationReport({ gt, results, evaluation, imagePaths: paths, title: 'sample-busi, made-up predictions', sources: { groundTruth: SAMPLE_BUSI, predictions: 'report.test.ts' } });
  mkdirSync(ARTIFACTS, { recursive: true });
  reportPath = join(ARTIFACTS, 'eval-report.html');
  writeFileSync(reportPath, html);
});

describe('renderEvaluationReport (as text)', () => {
  test('one self-contained file: no external scripts, styles, images or fonts', () => {
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"' >]+)/gi)].map((m) => m[1]);
    expect(refs.filter((r) => !r.startsWith('data:') && !r.startsWith('#'))).toEqual([]);
    expect(html).not.toMatch(/url\((?!data:)/);
    expect(html).not.toMatch(/@import/);
  });

  test('metrics, both charts as inline SVG, the confusion matrix and a card per image', () => {
    expect(html).toContain('<table class="cm">');
    expect(html.match(/<div class="chart" id="chart-(pr|roc)"><svg/g)).toHaveLength(2);
    expect(html.match(/<figure class="card"/g)).toHaveLength(gt.images.length);
    expect(html.match(/\.t\d+\{background-image:url\(data:image\/jpeg;base64,/g)).toHaveLength(gt.images.length);
  });

  test('worst first: the missed malignant lesion leads the gallery', () => {
    const first = html.indexOf('<figure class="card"');
    expect(html.slice(first, first + 400)).toContain('malignant (1).png');
  });
});

/** The tag rectangles of each box overlay in the page: `<svg class="boxes">…<rect class="tag" x y width height …>`. */
function tagRects(page: string): { x: number; y: number; w: number; h: number }[][] {
  return [...page.matchAll(/<svg class="boxes"[^>]*>(.*?)<\/svg>/g)].map((m) =>
    [...m[1].matchAll(/<rect class="tag" x="([\d.e-]+)" y="([\d.e-]+)" width="([\d.e-]+)" height="([\d.e-]+)"/g)].map((r) => ({ x: +r[1], y: +r[2], w: +r[3], h: +r[4] })),
  );
}
const overlaps = (a: { x: number; y: number; w: number; h: number }, b: typeof a) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('pictures that do not mislead', () => {
  test('placeTags: tags of boxes at nearly the same place stack without overlapping, inside the image', () => {
    const boxes = [0, 1, 2, 3].map((i) => ({ bbox: [40 + i, 60 + i, 80, 50], text: `malignant 0.${9 - i}0` }));
    const tags = placeTags(boxes, 200, 160, 10);
    for (const [i, a] of tags.entries()) {
      expect([a.x >= 0, a.y >= 0, a.x + a.w <= 200, a.y + a.h <= 160]).toEqual([true, true, true, true]);
      for (const b of tags.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    }
    expect(tags[0].y).toBe(60 - 13); // the first (strongest) keeps the place above its box
  });

  test('in the gallery no two tags of one picture overlap', () => {
    const crowded: EvalGroundTruth = {
      images: [{ id: 1, file_name: 'crowded.png', width: 300, height: 200 }],
      categories: gt.categories,
      annotations: [0, 1, 2].map((i) => ({ id: i + 1, image_id: 1, category_id: 1 + (i % 2), bbox: [50 + 4 * i, 60 + 3 * i, 90, 70], area: 6300, iscrowd: 0 })),
    };
    const dets: CocoResult[] = [0, 1, 2].map((i) => ({ image_id: 1, category_id: 2, bbox: [52 + 3 * i, 61 + 2 * i, 88, 70], score: 0.9 - 0.1 * i }));
    return renderEvaluationReport({ gt: crowded, results: dets, evaluation: evaluateDetections(crowded, dets) }).then((page) => {
      const pictures = tagRects(page);
      expect(pictures.map((p) => p.length)).toEqual([3, 3]);
      for (const tags of pictures) for (const [i, a] of tags.entries()) for (const b of tags.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    });
  });

  test('the confusion matrix is shaded by the rate in its row, the count stays printed', async () => {
    // benign: 18 of 20 lesions found, 2 missed (10 %); malignant: 1 of 2 found, 1 missed (50 %)
    const images = Array.from({ length: 22 }, (_, i) => ({ id: i + 1, file_name: `${i + 1}.png`, width: 100, height: 100 }));
    const g: EvalGroundTruth = {
      images,
      categories: gt.categories,
      annotations: images.map((im, i) => ({ id: im.id, image_id: im.id, category_id: i < 20 ? 1 : 2, bbox: [10, 10, 30, 30], area: 900, iscrowd: 0 })),
    };
    const dets: CocoResult[] = images.filter((_, i) => (i >= 2 && i < 20) || i === 21).map((im) => ({ image_id: im.id, category_id: im.id <= 20 ? 1 : 2, bbox: [10, 10, 30, 30], score: 0.9 }));
    const page = await renderEvaluationReport({ gt: g, results: dets, evaluation: evaluateDetections(g, dets) });
    const cm = page.slice(page.indexOf('<table class="cm">'), page.indexOf('</table>', page.indexOf('<table class="cm">')));
    const cell = (row: string, col: number) => {
      const tds = [...cm.slice(cm.indexOf(`<tr><th>${row}</th>`)).split('</tr>')[0].matchAll(/<td style="background:rgba\((\d+),(\d+),(\d+),([\d.]+)\)"[^>]*>(\d+)<\/td>|<td[^>]*>(\d+|–)<\/td>/g)];
      const m = tds[col];
      return { alpha: m[4] === undefined ? 0 : Number(m[4]), count: Number(m[5] ?? m[6]) };
    };
    expect([cell('benign', 2).count, cell('malignant', 2).count]).toEqual([2, 1]);
    expect(cell('malignant', 2).alpha).toBeGreaterThan(cell('benign', 2).alpha); // 50 % missed outweighs 10 %
    expect(cell('benign', 0)).toEqual({ alpha: 0.8, count: 18 }); // 0.12 + 0.75 × 90 %, to 2 decimals
  });

  test('one palette: boxes in the report have the colours of annotated images', () => {
    const benign = html.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="none" stroke="(#[0-9a-f]{6})"[^>]*\/><rect class="tag"[^>]*\/><text[^>]*>benign/);
    expect(benign?.[1]).toBe(classColour(1));
    expect(classColour(1)).toBe('#00e5ff'); // the cyan annotated images and the serve page draw benign in
    expect(html).toContain(`stroke="${classColour(2)}"`);
  });

  test('image level and lesion level are named apart and each explained in one line', () => {
    expect(html).toContain('Image level: flagged malignant (a malignant box scoring ≥ 0.5 anywhere in the image)');
    expect(html).toContain('<p class="def"><b>Image level</b>: an image is flagged malignant when any malignant box scores ≥ 0.5, wherever it is');
    expect(html).toContain('<p class="def"><b>Lesion level</b>: a lesion is found when a detection scoring ≥ 0.5 overlaps it at IoU ≥ 0.5');
  });

  test('paths: sources relative to pathsRelativeTo, else only their base name; never absolute', async () => {
    const ev = evaluateDetections(gt, results);
    const rel = await renderEvaluationReport({ gt, results, evaluation: ev, sources: { groundTruth: SAMPLE_BUSI, predictions: join(REPO, 'out', 'detections.json') }, pathsRelativeTo: join(REPO, 'out') });
    expect(rel).toContain('ground truth: ../fixtures/sample-busi');
    expect(rel).toContain('predictions: detections.json');
    expect(rel).not.toContain(REPO);
    const bare = await renderEvaluationReport({ gt, results, evaluation: ev, sources: { groundTruth: SAMPLE_BUSI } });
    expect(bare).toContain('ground truth: sample-busi');
    expect(bare).not.toContain(REPO);
  });
});

describeWithChromium('the report in headless Chromium', () => {
  test('renders with charts and gallery, filters work, no console errors, no network', async () => {
    const browser = await pw.chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(reportPath).href, { waitUntil: 'load' });

      expect(await page.title()).toBe('sample-busi, made-up predictions');
      // both charts drew lines and axes
      for (const id of ['#chart-pr', '#chart-roc']) {
        const box = await page.locator(`${id} svg`).boundingBox();
        expect(box!.width).toBeGreaterThan(250);
        expect(await page.locator(`${id} svg path`).count()).toBeGreaterThan(3);
      }
      const cards = page.locator('.card');
      expect(await cards.count()).toBe(gt.images.length);
      // every thumbnail decoded and was laid out with its image's proportions
      const frame = await page.locator('.card .frame').first().boundingBox();
      expect(frame!.width).toBeGreaterThan(100);
      expect(frame!.height).toBeGreaterThan(50);
      expect(await page.locator('#f-count').textContent()).toBe(`${gt.images.length} of ${gt.images.length} shown`);

      await page.selectOption('#f-class', 'malignant');
      expect(await page.locator('.card:visible').count()).toBe(3);
      await page.selectOption('#f-class', 'all');
      await page.selectOption('#f-error', 'false-positive');
      expect(await page.locator('.card:visible figcaption b').allTextContents()).toEqual(['normal (1).png']);
      await page.selectOption('#f-error', 'wrong-class');
      expect(await page.locator('.card:visible figcaption b').allTextContents()).toEqual(['benign (2).png']);
      await page.selectOption('#f-error', 'all');

      await page.screenshot({ path: join(ARTIFACTS, 'eval-report.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
