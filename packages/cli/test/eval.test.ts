import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';
import { runCli } from './helpers.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const VECTORS = process.env.EVAL_VECTORS ?? resolve(REPO, '../shared/eval-vectors');
const cases = existsSync(VECTORS) ? readdirSync(VECTORS).filter((d) => d.startsWith('case-')).sort() : [];
const STATS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

/** The sample dataset's lesion boxes (component boxes, specks dropped), as the fixture generator wrote them. */
const expected = JSON.parse(readFileSync(join(SAMPLE_BUSI, '..', 'sample-busi-expected.json'), 'utf8')) as Record<string, { label: string; boxes: { bbox: number[] }[] }>;
const lesions = Object.entries(expected).flatMap(([file, v]) => v.boxes.map((b) => ({ file, label: v.label, bbox: b.bbox })));

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-eval-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const write = (name: string, content: string) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};
/** predict's JSON: names relative to the input root, ids that are not the ground truth's. */
const predictJson = (rows: { file: string; label: string; bbox: number[]; score: number }[]) =>
  JSON.stringify(rows.map((r, i) => ({ file_name: `${r.label}/${r.file}`, image_id: 1000 + i, category_id: r.label === 'benign' ? 1 : 2, label: r.label, bbox: r.bbox, score: r.score })));

describe('bus-tools eval: the numbers', () => {
  (cases.length ? test.each(cases) : test.skip.each(['(eval-vectors absent)']))('--json equals pycocotools on %s', async (dir) => {
    const r = await runCli('eval', '--gt', join(VECTORS, dir, 'gt.json'), '--pred', join(VECTORS, dir, 'dets.json'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const want = JSON.parse(readFileSync(join(VECTORS, dir, 'expected.json'), 'utf8'));
    for (const s of STATS) expect([s, Math.abs(out[s] - want[s]) <= 1e-9]).toEqual([s, true]);
    expect(out.per_category.map((c: { category_id: number }) => c.category_id)).toEqual(want.per_category.map((c: { category_id: number }) => c.category_id));
    out.per_category.forEach((c: { AP: number; AP50: number }, i: number) => {
      expect(Math.abs(c.AP - want.per_category[i].AP)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(c.AP50 - want.per_category[i].AP50)).toBeLessThanOrEqual(1e-9);
    });
  });

  test('ground truth from the masks, predictions matched by file name although ids differ', async () => {
    const pred = write('detections.json', predictJson(lesions.map((l) => ({ ...l, score: 0.9 }))));
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.counts).toEqual({ images: 11, annotations: 11, detections: 11 });
    expect(out.AP50).toBeCloseTo(1, 12);
    expect(out.per_category.map((c: { name: string; num_gt: number }) => [c.name, c.num_gt])).toEqual([
      ['benign', 8],
      ['malignant', 3],
    ]);
    expect(out.confusion_matrix.matrix).toEqual([
      [8, 0, 0],
      [0, 3, 0],
      [0, 0, 0],
    ]);
    expect(out.malignancy).toMatchObject({ positives: 3, negatives: 8, sensitivity: 1, specificity: 1, auc: 1 });
  });

  test('a readable table on stdout and a one-line summary on stderr', async () => {
    const rows = lesions.filter((l) => l.file !== 'malignant (1).png').map((l) => ({ ...l, score: 0.8 }));
    const pred = write('detections.csv', `filename,xmin,ymin,width,height,label,score\n${rows.map((r) => `"${r.file}",${r.bbox.join(',')},${r.label},${r.score}`).join('\n')}\n`);
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = ');
    // recall 2/3 at precision 1: 67 of the 101 recall thresholds (0 … 0.66) read 1 → 0.663
    expect(r.stdout).toMatch(/^malignant\s+3\s+0\.663\s+0\.663$/m);
    expect(r.stdout).toMatch(/^malignant\s+0\s+2\s+1$/m); // confusion row: 2 found, 1 missed
    expect(r.stdout).toContain('sensitivity 0.667 (2 of 3), specificity 1.000 (8 of 8)');
    expect(r.stderr).toMatch(/^eval: 11 images, 11 lesions, 10 detections; AP 0\.\d{3}, AP50 0\.\d{3}\n$/);
  });

  test('a Datature CSV as ground truth takes its sizes from --images', async () => {
    const gt = write('busi.csv', `filename,xmin,ymin,width,height,label\n${lesions.map((l) => `"${l.file}",${l.bbox.join(',')},${l.label}`).join('\n')}\n`);
    const pred = write('detections.json', predictJson(lesions.map((l) => ({ ...l, score: 0.9 }))));
    const r = await runCli('eval', '--gt', gt, '--images', SAMPLE_BUSI, '--pred', pred, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.counts).toEqual({ images: 9, annotations: 11, detections: 11 });
    expect(out.AP).toBeCloseTo(1, 12);
    const noImages = await runCli('eval', '--gt', gt, '--pred', pred);
    expect(noImages.code).toBe(2);
    expect(noImages.stderr).toBe(`bus-tools: ${gt}: a Datature CSV has no image sizes; add --images <folder with the images> (class subfolders are searched) [INVALID_PARAMETER]\nRun with --help to see the options.\n`);
  });

  test('detections on images the ground truth lacks are left out, named, and exit 3', async () => {
    const pred = write('detections.json', predictJson([...lesions.map((l) => ({ ...l, score: 0.9 })), { file: 'other (1).png', label: 'benign', bbox: [1, 2, 3, 4], score: 0.5 }]));
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('warning: 1 detection on 1 image the ground truth does not have, left out: benign/other (1).png\n');
    expect(r.stderr).toContain('(1 more left out: no such image or class)');
  });
});

describe('bus-tools eval: --report', () => {
  test('writes one HTML file, refuses to overwrite it without --force', async () => {
    const pred = write('detections.json', predictJson(lesions.map((l) => ({ ...l, score: 0.9 }))));
    const report = join(tmp, 'report.html');
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--report', report);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/; wrote .*report\.html\n$/);
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<figure class="card"/g)).toHaveLength(11);
    const again = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--report', report);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`bus-tools: --report ${report} already exists; pass --force to replace it, or choose another name. [OUTPUT_EXISTS]\nRun with --help to see the options.\n`);
    expect(readdirSync(tmp).sort()).toEqual(['detections.json', 'report.html']);
  });
});

describe('bus-tools eval: bad input is named', () => {
  test.each([
    {
      name: 'a predictions CSV with a ground-truth header',
      file: ['p.csv', 'filename,xmin,ymin,width,height,label\na.png,1,2,3,4,benign\n'],
      msg: (p: string) => `${p}: header "filename,xmin,ymin,width,height,label" is not a predictions CSV. Expected "filename,xmin,ymin,width,height,label,score"`,
    },
    { name: 'predictions that are not JSON', file: ['p.json', '[{"image_id": 1,'], msg: (p: string) => `${p}: not valid JSON` },
    { name: 'a ground-truth file given as predictions', file: ['p.json', '{"images": [], "annotations": [], "categories": []}'], msg: (p: string) => `${p}: is a COCO ground-truth file, not a results list` },
  ])('$name', async ({ file, msg }) => {
    const pred = write(file[0], file[1]);
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`bus-tools: ${msg(pred)}`);
  });

  test('ground truth of the wrong shape or kind', async () => {
    const pred = write('p.json', '[]');
    const gtJson = write('gt.json', '{"images": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1}], "categories": []}');
    const r = await runCli('eval', '--gt', gtJson, '--pred', pred);
    expect([r.code, r.stderr]).toEqual([1, `bus-tools: ${gtJson}: annotations[0] has no "bbox" of 4 numbers [x, y, w, h]. Expected COCO ground truth: {"images": [{"id", "file_name", …}], "annotations": [{"id", "image_id", "category_id", "bbox": [x, y, w, h]}], "categories": [{"id", "name"}]} [BAD_COCO]\n`]);
    const txt = write('gt.txt', 'x');
    const t = await runCli('eval', '--gt', txt, '--pred', pred);
    expect(t.stderr).toBe(`bus-tools: ${txt}: --gt expects a dataset folder, a COCO .json or a Datature .csv, not a .txt [INVALID_PARAMETER]\nRun with --help to see the options.\n`);
    const missing = join(tmp, 'nope.json');
    const m = await runCli('eval', '--gt', missing, '--pred', pred);
    expect(m.stderr).toBe(`bus-tools: ${missing}: not found; --gt takes a dataset folder, a COCO .json or a Datature .csv\n`);
  });

  test.each([
    { args: ['ds', '--pred', 'p.json'], msg: 'The dataset argument is for predicting now; to evaluate a predictions file write --gt ds' },
    { args: ['--pred', 'p.json'], msg: 'Missing ground truth: give --gt <dataset folder | coco.json | datature.csv>' },
    { args: ['--gt', 'x.json', '--pred', 'p.json', '--iou', '0'], msg: 'Expected a number above 0 and at most 1 for --iou but received 0' },
    { args: ['--gt', 'x.json', '--pred', 'p.json', '--model', 'm.onnx'], msg: 'Give either --pred (a predictions file) or --model (predict now), not both' },
  ])('usage: $msg', async ({ args, msg }) => {
    const r = await runCli('eval', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(msg);
  });
});

const MODEL = join(MODELS, 'retinanet-tfod.onnx');
if (!existsSync(MODEL)) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping eval --model: ${MODEL} is absent (made by tools/models)`);
}
(existsSync(MODEL) ? describe : describe.skip)('bus-tools eval --model', () => {
  test('predicts on the dataset and evaluates in one go', async () => {
    const r = await runCli('eval', '--model', MODEL, SAMPLE_BUSI, '--device', 'cpu', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.counts.images).toBe(11);
    expect(out.counts.detections).toBeGreaterThan(0);
    expect(out.predictions).toMatch(/retinanet-tfod\.onnx on cpu/);
    // fixtures/models/README.md: at 0.5 it finds all 10 visible lesions with their class and no false positive; the nested benign (4)_mask_1 is missed
    expect(out.confusion_matrix.matrix).toEqual([[7, 0, 1], [0, 3, 0], [0, 0, 0]]);
  });
});

test('detections of a class the ground truth lacks are reported but, as in COCOeval, do not fail the run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bus-eval-'));
  try {
    const pred = join(dir, 'p.json');
    const rows = JSON.parse(predictJson(lesions.map((l) => ({ ...l, score: 0.9 }))));
    rows.push({ file_name: 'benign (1).png', label: 'cyst', bbox: [1, 2, 3, 4], score: 0.5 });
    writeFileSync(pred, JSON.stringify(rows));
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: detections of unknown classes left out: cyst (1); ground-truth classes are benign, malignant\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
