import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS } from '../../../fixtures/index.js';
import { makeBrokenDataset, SOUND, VERDICT_CODES, VERDICTS, verdictsOf } from '../../core/test/dataset/broken-dataset.js';
import { runCli } from './helpers.js';

let root: string;
let out: string;
beforeAll(async () => {
  root = await makeBrokenDataset();
  out = mkdtempSync(join(tmpdir(), 'bus-cli-verdicts-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

const verdicts = (problems: ReadonlyArray<{ file: string; code: string }>) => verdictsOf(root, problems);

describe('the same verdict for each broken file in every command', () => {
  test('masks2csv --json: each file named with its code, exit 3', async () => {
    const r = await runCli('masks2csv', root, '-o', join(out, 'a.csv'), '--json');
    expect(r.code).toBe(3);
    expect(verdicts(JSON.parse(r.stdout).problems)).toEqual(VERDICTS);
  });

  test('export: the same codes, the warning counted as a problem, no broken image copied', async () => {
    const dir = join(out, 'upload');
    const r = await runCli('export', root, '-o', dir, '--json');
    expect(r.code).toBe(3);
    expect(verdicts(JSON.parse(r.stdout).problems)).toEqual(VERDICTS);
    expect(readdirSync(join(dir, 'images')).sort()).toEqual(SOUND);
    const plain = await runCli('export', root, '-o', dir, '--force');
    expect(plain.stderr).toMatch(/^warning: .*benign \(4\)\.png: a JPEG file named \.png/m);
    expect(plain.stderr).toMatch(/^error: .*benign \(5\)\.png: 20000x20000 = 400000000 pixels, more than the limit of 268402689/m);
  });

  test('lint --json: the same codes', async () => {
    const r = await runCli('lint', root, '--json');
    expect(r.code).toBe(1);
    const findings: Array<{ code: string; files: string[] }> = JSON.parse(r.stdout).findings;
    expect(Object.fromEntries(findings.filter((f) => VERDICT_CODES.has(f.code)).map((f) => [f.files[0], f.code]))).toEqual(VERDICTS);
  });

  test('split --json: the same codes', async () => {
    const r = await runCli('split', root, '-o', join(out, 'split'), '--val', '0.5', '--json');
    expect(r.code).toBe(3);
    expect(verdicts(JSON.parse(r.stdout).problems)).toEqual(VERDICTS);
  });

  test('predict: the same codes for the images (masks are not predicted on); the JPEG named .png is predicted', async () => {
    const r = await runCli('predict', '-i', join(root, 'benign'), '-o', join(out, 'pred'), '-m', join(MODELS, 'retinanet-datature.onnx'), '--device', 'cpu', '--summary-json');
    expect(r.code).toBe(3);
    const s = JSON.parse(r.stdout);
    const images = Object.fromEntries(Object.entries(VERDICTS).filter(([f, code]) => f.startsWith('benign/') && !f.includes('_mask') && code !== 'EXTENSION_MISMATCH'));
    expect(verdicts(s.problems)).toEqual(images);
    expect(s.predicted).toBe(7 - Object.keys(images).length);
  });
});
