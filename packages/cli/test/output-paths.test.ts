import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';
import { runCli } from './helpers.js';

// Every command compares the real paths of its outputs and inputs: a symbolic link in either path
// does not get an output into the dataset.
let tmp: string;
let data: string;
beforeEach(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'bus-outputs-')));
  data = join(tmp, 'data');
  cpSync(SAMPLE_BUSI, data, { recursive: true });
  symlinkSync(data, join(tmp, 'data-link')); // the dataset under another name
  mkdirSync(join(tmp, 'work'));
  symlinkSync(join(data, 'benign'), join(tmp, 'work', 'results')); // an output folder that is really inside the dataset
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const before = () => readdirSync(data, { recursive: true }).sort();

describe('outputs inside the dataset are refused by real path (exit 2, nothing written)', () => {
  test.each([
    ['masks2csv: -o through a link to a dataset folder', () => ['masks2csv', data, '-o', join(tmp, 'work', 'results', 'boxes.csv')]],
    ['masks2csv: the dataset through a link', () => ['masks2csv', join(tmp, 'data-link'), '-o', join(data, 'boxes.csv')]],
    ['export: -o through a link', () => ['export', data, '-o', join(tmp, 'work', 'results', 'upload')]],
    ['export: the dataset through a link', () => ['export', join(tmp, 'data-link'), '-o', join(data, 'upload')]],
    ['split: -o through a link', () => ['split', data, '-o', join(tmp, 'data-link', 'split')]],
    ['split: the dataset through a link', () => ['split', join(tmp, 'data-link'), '-o', join(data, 'split'), '--force']],
    ['predict: the input folder through a link', () => ['predict', '-i', join(tmp, 'data-link'), '-o', join(data, 'pred'), '-m', join(MODELS, 'retinanet-tfod.onnx')]],
    ['predict: --output through a link', () => ['predict', '-i', data, '-o', join(tmp, 'work', 'results', 'pred'), '-m', join(MODELS, 'retinanet-tfod.onnx')]],
  ])('%s', async (_name, args) => {
    const was = before();
    const r = await runCli(...args());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lies inside the (dataset|input folder) .*; bus-tools never writes into its inputs\. Choose a folder outside it\. \[OUTPUT_OVERLAPS_INPUT\]/);
    expect(before()).toEqual(was);
  });

  test('an output folder that holds the dataset through a link is refused even with --force', async () => {
    symlinkSync(tmp, join(tmp, 'work', 'all'));
    const was = before();
    const r = await runCli('export', data, '-o', join(tmp, 'work', 'all'), '--force');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/contains the dataset .*; writing there would replace your inputs/);
    expect(before()).toEqual(was);
  });
});

describe('export: the upload folder replaces an existing one only with --force', () => {
  test('an empty folder is used, a full one needs --force, which replaces it', async () => {
    const out = join(tmp, 'upload');
    mkdirSync(out);
    expect((await runCli('export', data, '-o', out)).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const again = await runCli('export', data, '-o', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/upload folder .*upload already exists; pass --force to replace it.*\[OUTPUT_EXISTS\]/);
    expect(existsSync(join(out, 'notes.txt'))).toBe(true);
    expect((await runCli('export', data, '-o', out, '--force')).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['UPLOAD.md', 'annotations.csv', 'images']);
  });
});
