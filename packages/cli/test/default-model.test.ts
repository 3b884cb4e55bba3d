/**
 * The bundled BUSI model (packages/infer/models, docs/model-card.md) through the CLI, as a user runs
 * it: `predict` and `eval` without --model.
 *
 * - On the synthetic sample: every lesion of the generator's ground truth is found (IoU ≥ 0.5) at
 *   threshold 0.3, except the one drawn inside another lesion.
 * - On the real data (CI): the validation part of the split the model was chosen on
 *   (tools/train/busi-split-manifest.csv, `bus-tools split --seed 7`), evaluated by `eval`. The
 *   floors are the model card's figures less a margin for onnxruntime/platform differences; a
 *   retrained or broken model that falls below them fails here.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUSI_DATASET, describeWithBusi, SAMPLE_BUSI, SAMPLE_EXPECTED } from '../../../fixtures/index.js';
import { iouXyxy, xywhToXyxy } from '@bus-tools/core';
import { runCli } from './helpers.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const MANIFEST = join(REPO, 'tools/train/busi-split-manifest.csv');
/** Model card figures (docs/model-card.md) less 0.02. */
const FLOOR = { AP50: 0.69, lesionAP50: 0.818, auc: 0.852 };

type Xywh = [number, number, number, number];
const iou = (a: Xywh, b: Xywh) => iouXyxy(xywhToXyxy(a), xywhToXyxy(b));

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-default-model-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('the bundled BUSI model', () => {
  test('predict without --model finds the lesions of the synthetic sample and says which model ran', async () => {
    const out = join(tmp, 'out');
    const r = await runCli('predict', '-i', SAMPLE_BUSI, '-o', out, '--threshold', '0.3', '--device', 'cpu');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/; the bundled BUSI model, tfod layout \d+x\d+ on cpu/);
    const detections = JSON.parse(readFileSync(join(out, 'detections.json'), 'utf8')) as { file_name: string; bbox: Xywh; label: string }[];
    const expected = SAMPLE_EXPECTED;
    // A lesion drawn inside another lesion of the same image (benign (4)'s second mask, as BUSI's
    // benign (58), (181), (195)) is a known miss: the model card lists it under limitations.
    const inside = (a: Xywh, b: Xywh) => a !== b && a[0] >= b[0] && a[1] >= b[1] && a[0] + a[2] <= b[0] + b[2] && a[1] + a[3] <= b[1] + b[3];
    const missed: string[] = [];
    let nested = 0;
    for (const [file, e] of Object.entries(expected)) {
      for (const lesion of e.boxes) {
        if (e.boxes.some((other) => inside(lesion.bbox, other.bbox))) {
          nested++;
          continue;
        }
        const mine = detections.filter((d) => d.file_name === file);
        const best = Math.max(0, ...mine.map((d) => iou(d.bbox, lesion.bbox)));
        if (best < 0.5) missed.push(`${file} [${lesion.bbox.join(',')}] best IoU ${best.toFixed(2)}`);
      }
    }
    expect(nested).toBe(1);
    expect(missed).toEqual([]);
  });
});

describeWithBusi('the bundled BUSI model on the real validation images', () => {
  test('eval without --model: two-class AP50, lesion AP50 and malignancy AUC at the model card figures', async () => {
    // The validation part, copied (images and masks) into a dataset folder of its own.
    const val = readFileSync(MANIFEST, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).filter((c) => c[1] === 'val').map((c) => c[0]);
    expect(val.length).toBe(122);
    const ds = join(tmp, 'val');
    for (const rel of val) {
      const [cls, file] = rel.split('/');
      mkdirSync(join(ds, cls), { recursive: true });
      const stem = file.replace(/\.png$/, '');
      for (const f of readdirSync(join(BUSI_DATASET, cls)).filter((n) => n === file || n.startsWith(`${stem}_mask`))) copyFileSync(join(BUSI_DATASET, cls, f), join(ds, cls, f));
    }
    const r = await runCli('eval', ds, '--json', '--device', 'cpu');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.predictions).toMatch(/^the bundled BUSI model \(busi-retinanet\.onnx\) on cpu \(122 images/);
    expect(out.counts.images).toBe(122);
    expect(out.AP50).toBeGreaterThanOrEqual(FLOOR.AP50);
    expect(out.lesion.AP50).toBeGreaterThanOrEqual(FLOOR.lesionAP50);
    expect(out.malignancy.auc).toBeGreaterThanOrEqual(FLOOR.auc);
  });
});
