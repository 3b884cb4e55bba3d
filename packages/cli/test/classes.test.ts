import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SAMPLE_BUSI } from '../../../fixtures/index.js';
import { runCli } from './helpers.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-classes-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const noSuchClass = (classes: string) =>
  `bus-tools: --classes ${classes}: no such class in ${resolve(SAMPLE_BUSI)}; its classes are benign, malignant, normal (names are case-sensitive) [UNKNOWN_CLASS]\n`;

describe('--classes that names no class of the dataset is a usage error (exit 2), before anything is written', () => {
  test.each([
    ['masks2csv', (out: string) => ['masks2csv', SAMPLE_BUSI, '-o', join(out, 'boxes.csv')]],
    ['export', (out: string) => ['export', SAMPLE_BUSI, '-o', join(out, 'upload')]],
    ['split', (out: string) => ['split', SAMPLE_BUSI, '-o', join(out, 'split')]],
  ])('%s', async (_name, args) => {
    for (const [classes, named] of [['Benign', 'Benign'], ['benign,Malignant', 'Malignant'], ['benign,tumour,Normal', 'tumour,Normal']]) {
      const r = await runCli(...args(tmp), '--classes', classes);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\nRun with --help')[0] + '\n').toBe(noSuchClass(named));
      expect(r.stdout).toBe('');
      expect(readdirSync(tmp)).toEqual([]); // no output, no temporary file
    }
  });

  test('masks2csv to stdout prints no CSV', async () => {
    const r = await runCli('masks2csv', SAMPLE_BUSI, '--classes', 'Benign');
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain(noSuchClass('Benign'));
  });

  test('lint checks every class and takes no --classes', async () => {
    const r = await runCli('lint', SAMPLE_BUSI, '--classes', 'Benign');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: classes/);
    expect(r.stdout).toBe('');
  });

  test('the classes it has still work, and an empty --classes is refused', async () => {
    const out = join(tmp, 'malignant.csv');
    const ok = await runCli('masks2csv', SAMPLE_BUSI, '--classes', 'malignant', '-o', out);
    expect(ok.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const empty = await runCli('masks2csv', SAMPLE_BUSI, '--classes', '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/Expected at least one class for --classes but received none/);
  });
});
