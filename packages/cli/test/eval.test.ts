import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS, SAMPLE_BUSI, SAMPLE_EXPECTED } from '../../../fixtures/index.js';
import { coverageWarning } from '../src/commands/eval-run.js';
import { runCli } from './helpers.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const VECTORS = process.env.EVAL_VECTORS ?? resolve(REPO, '../shared/eval-vectors');
const cases = existsSync(VECTORS) ? readdirSync(VECTORS).filter((d) => d.startsWith('case-')).sort() : [];
const STATS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

/** The sample dataset's lesion boxes (component boxes, specks dropped), as the fixture generator wrote them. */
const expected = SAMPLE_EXPECTED;
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
    expect(out.malignancy).toMatchObject({ level: 'image', positives: 3, negatives: 8, sensitivity: 1, specificity: 1, auc: 1 });
    expect(out.malignancy.definition).toBe('an image is flagged malignant when any malignant box scores ≥ 0.5, wherever it is (it need not overlap the lesion)');
    expect(out.confusion_matrix).toMatchObject({ level: 'lesion', definition: expect.stringMatching(/^a lesion is found when a detection scoring ≥ 0\.5 overlaps it at IoU ≥ 0\.5/) });
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
    expect(r.stdout).toContain('Image level: flagged malignant (a malignant box scoring ≥ 0.5 anywhere in the image): sensitivity 0.667 (2 of 3 malignant images), specificity 1.000 (8 of 8)');
    expect(r.stdout).toContain('Lesion level: confusion matrix at IoU ≥ 0.5, score ≥ 0.5');
    // malignant (1).png and the two normal images have no detection: the file names 8 of the 11
    expect(r.stderr).toMatch(/^warning: only 8 of 11 ground-truth images have detections in the predictions file; the other 3 are scored as images where nothing was found \(any lesion there counts as missed\)\. .*--split manifest\.csv --part test, or --only-predicted\n/);
    expect(r.stderr).toMatch(/\neval: 11 images, 11 lesions, 10 detections; predictions on 8 of 11 ground-truth images \(with detections\); AP 0\.\d{3}, AP50 0\.\d{3}\n$/);
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

describe('bus-tools eval: how much of the ground truth was predicted on', () => {
  const found = (files: string[]) => lesions.filter((l) => files.includes(l.file)).map((l) => ({ ...l, score: 0.9 }));

  test('--json says how many ground-truth images the predictions name', async () => {
    const pred = write('detections.json', predictJson(found(['benign (1).png', 'malignant (2).png'])));
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--json');
    expect(r.code).toBe(0); // a gap is a warning (in the summary), not a skipped input
    const out = JSON.parse(r.stdout);
    expect(out.coverage).toMatchObject({ gt_images: 11, predicted_images: 2, scored_images: 11 });
    expect(out.counts).toEqual({ images: 11, annotations: 11, detections: 2 });
  });

  test('--only-predicted scores the images the predictions name', async () => {
    const pred = write('detections.json', predictJson(found(['benign (1).png', 'malignant (2).png'])));
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--only-predicted');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('warning:');
    expect(r.stderr).toMatch(/^eval: 2 images, 2 lesions, 2 detections; predictions on 2 of 11 ground-truth images \(with detections\), only those scored; AP 1\.000, AP50 1\.000\n$/);
    const withModel = await runCli('eval', SAMPLE_BUSI, '--only-predicted');
    expect(withModel.code).toBe(2);
    expect(withModel.stderr).toContain('--only-predicted limits the ground truth to the images a --pred file names');
  });

  test('--split manifest.csv --part test scores that part; detections on other parts are set aside, not errors', async () => {
    const manifest = write(
      'manifest.csv',
      'image,part,group\nbenign/benign (1).png,test,benign/benign (1).png\nmalignant/malignant (2).png,test,malignant/malignant (2).png\nnormal/normal (1).png,test,normal/normal (1).png\n' +
        'benign/benign (2).png,train,benign/benign (2).png\n',
    );
    const pred = write('detections.json', predictJson(found(['benign (1).png', 'malignant (2).png', 'benign (2).png'])));
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--split', manifest, '--part', 'test', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.counts).toEqual({ images: 3, annotations: 2, detections: 2 });
    expect(out.coverage).toMatchObject({ gt_images: 3, predicted_images: 2, scored_images: 3 });
    expect(out.predictions_left_out).toEqual({ unknown_images: {}, unknown_categories: {}, outside_scored_images: 1 });
    expect(out.AP).toBeCloseTo(1, 12);
    const text = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--split', manifest, '--part', 'test');
    expect(text.stderr).toContain(`warning: only 2 of 3 ground-truth images have detections in the predictions file; the other image is scored as an image where nothing was found`);
    expect(text.stderr).toContain('limit the ground truth: --only-predicted\n');
    expect(text.stderr).toContain(`eval: 3 images (part test of ${manifest}), 2 lesions, 2 detections; 1 detection on images not scored set aside; predictions on 2 of 3 ground-truth images`);
    const noSplit = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--part', 'test');
    expect([noSplit.code, noSplit.stderr]).toEqual([2, 'bus-tools: --part test needs --split <manifest.csv> (the manifest `bus-tools split` writes) [INVALID_PARAMETER]\nRun with --help to see the options.\n']);
    const gone = join(tmp, 'gone.csv');
    const missing = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--split', gone, '--part', 'test');
    expect([missing.code, missing.stderr]).toEqual([2, `bus-tools: ${gone}: not found; check the --split path [INPUT_NOT_FOUND]\nRun with --help to see the options.\n`]);
    const empty = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--split', manifest, '--part', 'val');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`${manifest}: no image is in part "val" (the manifest has train 1, test 3); choose one of those parts`);
  });
});

test('the coverage warning: predictions for 20 of 780 images say what happened and what to do', () => {
  expect(coverageWarning({ groundTruthImages: 780, predictedImages: 20, scoredImages: 780, basis: 'detections' }, false)).toBe(
    'only 20 of 780 ground-truth images have detections in the predictions file; the other 760 are scored as images where nothing was found (any lesion there counts as missed). ' +
      'A predictions file records nothing for an image without detections, so this is expected only if the model found nothing there. ' +
      'If the predictions were made on part of the images, limit the ground truth: --split manifest.csv --part test, or --only-predicted',
  );
  expect(coverageWarning({ groundTruthImages: 780, predictedImages: 779, scoredImages: 780, basis: 'model' }, false)).toBe(
    'the model ran on only 779 of 780 ground-truth images (the rest have no image file or failed, as named above); the other image is scored as an image where nothing was found (any lesion there counts as missed)',
  );
  // nothing to say when every scored image was predicted on (--only-predicted scores just those)
  expect(coverageWarning({ groundTruthImages: 780, predictedImages: 20, scoredImages: 20, basis: 'detections' }, false)).toBeUndefined();
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

  test('the page holds no absolute path: sources relative to the report, coverage stated', async () => {
    mkdirSync(join(tmp, 'run'));
    const pred = write('run/detections.json', predictJson(lesions.filter((l) => l.label === 'malignant').map((l) => ({ ...l, score: 0.9 }))));
    const report = join(tmp, 'report.html');
    const r = await runCli('eval', '--gt', SAMPLE_BUSI, '--pred', pred, '--report', report);
    expect(r.code).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).not.toContain(tmp);
    expect(html).toMatch(/ground truth: (\.\.\/)+[^ <]*fixtures\/sample-busi /);
    expect(html).toContain('predictions: run/detections.json');
    expect(html).toMatch(/<p class="coverage partial" id="coverage">Predictions on <b>3 of 11<\/b> ground-truth images/);
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
    expect([m.code, m.stderr]).toEqual([2, `bus-tools: ${missing}: not found; --gt takes a dataset folder, a COCO .json or a Datature .csv [INPUT_NOT_FOUND]\nRun with --help to see the options.\n`]);
  });

  test.each([
    { args: ['ds', '--pred', 'p.json'], msg: 'The dataset argument is for predicting now; to evaluate a predictions file write --gt ds' },
    { args: ['--pred', 'p.json'], msg: 'Missing ground truth: give --gt <dataset folder | coco.json | datature.csv>' },
    { args: ['--gt', 'x.json', '--pred', 'p.json', '--iou', '0'], msg: 'Expected number above 0 and at most 1 for --iou but received 0 [INVALID_PARAMETER]' },
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
    expect(out.coverage).toEqual({ gt_images: 11, predicted_images: 11, scored_images: 11, predicted_means: 'images the model ran on' });
  });

  test('with --split it predicts on that part only, and every image it ran on counts as predicted on', async () => {
    const manifest = write('manifest.csv', 'image,part,group\nbenign/benign (1).png,test,a\nnormal/normal (1).png,test,b\nbenign/benign (2).png,train,c\n');
    const r = await runCli('eval', '--model', MODEL, SAMPLE_BUSI, '--device', 'cpu', '--split', manifest, '--part', 'test', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.predictions).toMatch(/on cpu \(2 images, /);
    expect(out.counts).toMatchObject({ images: 2, annotations: 1 });
    expect(out.coverage).toEqual({ gt_images: 2, predicted_images: 2, scored_images: 2, predicted_means: 'images the model ran on' });
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
