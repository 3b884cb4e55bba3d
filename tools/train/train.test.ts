/**
 * The training tool end to end on the synthetic sample, as tools/train/README.md runs it on BUSI:
 * `bus-tools split --format coco` → train.py (one short epoch, from scratch: no package download)
 * → export.py → check-onnx.mjs (onnxruntime-node against torch) → the export opens in predict's
 * detector as a TF OD API model. Needs Debian's python3-torch/torchvision/onnx/opencv under
 * /usr/bin/python3; without them it is skipped, and says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDetector } from '@bus-tools/infer';
import { SAMPLE_BUSI } from '../../fixtures/index.js';
import { runCli } from '../../packages/cli/test/helpers.js';

const HERE = resolve(fileURLToPath(import.meta.url), '..');
const PYTHON = '/usr/bin/python3';
const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import torch, torchvision, onnx, cv2, PIL'], { encoding: 'utf8' }) : undefined;
const HAVE_TORCH = probe?.status === 0;
const describeWithTorch: jest.Describe = HAVE_TORCH
  ? describe
  : (((name: string, fn: () => void) => {
      // eslint-disable-next-line no-console
      console.warn(`Skipping "${name}": ${PYTHON} cannot import torch, torchvision, onnx, cv2 and PIL (apt-get install python3-torch python3-torchvision python3-onnx python3-opencv).`);
      describe.skip(name, fn);
    }) as unknown as jest.Describe);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-train-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const py = (script: string, ...args: string[]) => {
  const r = spawnSync(PYTHON, [join(HERE, script), ...args], { encoding: 'utf8', cwd: HERE });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

describeWithTorch('tools/train on the synthetic sample', () => {
  test('split → train → export → onnxruntime agrees with torch → predict opens it', async () => {
    const split = join(tmp, 'split');
    const s = await runCli('split', SAMPLE_BUSI, '--val', '0.25', '--test', '0.25', '--seed', '7', '--include-normal', '--format', 'coco', '-o', split);
    expect(s.code).toBe(0);

    const run = join(tmp, 'run');
    const log = py('train.py', '--data', split, '--run', run, '--size', '256', '--fpn', '32', '--head-convs', '1', '--epochs', '1', '--batch', '2', '--warmup', '2', '--threads', '2');
    expect(log).toMatch(/"epoch": 1, .*"lesion_ap50": /);
    const entry = JSON.parse(readFileSync(join(run, 'log.jsonl'), 'utf8').trim());
    expect(entry.epoch).toBe(1);

    // --resume with more epochs goes on from the checkpoint, not from scratch.
    const resumed = py('train.py', '--data', split, '--run', run, '--size', '256', '--fpn', '32', '--head-convs', '1', '--epochs', '2', '--batch', '2', '--warmup', '2', '--threads', '2', '--resume');
    expect(resumed).toMatch(/resumed from .* at epoch 1/);
    expect(readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([1, 2]);

    const models = join(tmp, 'models');
    expect(py('export.py', '--checkpoint', join(run, 'last.pt'), '--out', models, '--check-data', join(split, 'val'))).toMatch(/busi-retinanet\.onnx: [\d.]+ MB, sha256 [0-9a-f]{64}/);
    const check = spawnSync('node', [join(HERE, 'check-onnx.mjs'), join(models, 'busi-retinanet.onnx'), join(run, 'check')], { encoding: 'utf8' });
    expect(check.stdout).toMatch(/images: largest box difference/);
    expect(check.status).toBe(0);

    const det = await openDetector({ model: join(models, 'busi-retinanet.onnx'), device: 'cpu', sessions: 1 });
    expect([det.layout.name, det.inputWidth, det.labels?.get(2)]).toEqual(['tfod', 256, 'malignant']);
    await det.close();
  }, 300_000);
});
