/**
 * The HTML report for the sample dataset with made-up predictions (each kind of outcome once), checked
 * as text and then opened in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it renders, both charts and the whole gallery are there, the filters work, nothing is fetched and
 * nothing is logged as an error. The page and a screenshot are kept in test-artifacts/.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pw from 'playwright-core';
import {
  discoverDataset,
  evaluateDetections,
  extractBoxes,
  groundTruthFromImages,
  renderEvaluationReport,
  type CocoResult,
  type EvalGroundTruth,
} from '@bus-tools/core';
import { SAMPLE_BUSI } from '../../../../fixtures/index.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const ARTIFACTS = join(REPO, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

const describeWithChromium = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the browser check of the report: ${CHROMIUM} is absent (apt-get install chromium; CI installs it).`);
}

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
