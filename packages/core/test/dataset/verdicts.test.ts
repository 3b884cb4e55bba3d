import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverDataset, extractBoxes, lintDataset, splitDataset, writeUploadFolder } from '@bus-tools/core';
import { makeBrokenDataset, SOUND, VERDICT_CODES, VERDICTS, verdictsOf } from './broken-dataset.js';

let root: string;
let out: string;
beforeAll(async () => {
  root = await makeBrokenDataset();
  out = mkdtempSync(join(tmpdir(), 'bus-verdicts-out-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

/** file → code for the verdict codes among `problems`. */
const verdicts = (problems: ReadonlyArray<{ file: string; code: string }>) => verdictsOf(root, problems);

describe('one verdict per broken file in masks2csv, export, lint and split', () => {
  test('masks2csv and export (extractBoxes): every broken file named with its code; only sound images kept', async () => {
    const { images, problems } = await extractBoxes(await discoverDataset(root));
    expect(verdicts(problems)).toEqual(VERDICTS);
    expect(images.map((i) => i.fileName)).toEqual(SOUND);
    const mismatch = problems.find((p) => p.code === 'EXTENSION_MISMATCH')!;
    expect(mismatch.severity).toBe('warning');
    expect(mismatch.message).toMatch(/benign \(4\)\.png: a JPEG file named \.png; bus-tools reads it as JPEG/);
    expect(problems.filter((p) => p.severity === 'error').map((p) => p.code)).not.toContain('EXTENSION_MISMATCH');
    expect(problems.find((p) => p.code === 'IMAGE_TOO_LARGE' && p.file.endsWith('(5).png'))!.message).toMatch(
      /benign \(5\)\.png: 20000x20000 = 400000000 pixels, more than the limit of 268402689 .*; image skipped\.$/,
    );
  });

  test('export copies no broken image', async () => {
    const { images, categories } = await extractBoxes(await discoverDataset(root));
    const dir = join(out, 'upload');
    await writeUploadFolder(dir, images, categories, { format: 'datature-csv-wh' });
    expect(readdirSync(join(dir, 'images')).sort()).toEqual(SOUND);
    // the JPEG named .png is copied as it is
    expect(readFileSync(join(dir, 'images/benign (4).png'))).toEqual(readFileSync(join(root, 'benign/benign (4).png')));
  });

  test('lint gives each file the same code', async () => {
    const r = await lintDataset(root);
    const byFile = Object.fromEntries(r.findings.filter((f) => VERDICT_CODES.has(f.code)).map((f) => [f.files[0], f.code]));
    expect(byFile).toEqual(VERDICTS);
    expect(r.findings.find((f) => f.code === 'EXTENSION_MISMATCH')!.severity).toBe('warning');
  });

  test('split gives each file the same code and leaves the broken ones out', async () => {
    const dir = join(out, 'split');
    const summary = await splitDataset(root, dir, { val: 0.5, seed: 1 });
    expect(verdicts(summary.problems)).toEqual(VERDICTS);
    const placed = ['train', 'val'].flatMap((part) => (existsSync(join(dir, part, 'images')) ? readdirSync(join(dir, part, 'images')) : []));
    expect(placed.sort()).toEqual(SOUND);
  });
});
