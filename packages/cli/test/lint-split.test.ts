import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_BUSI } from '../../../fixtures/index.js';
import { makeDirtyDataset } from '../../core/test/lint/dirty-dataset.js';
import { runCli } from './helpers.js';

let dirty: string;
let out: string;
beforeAll(async () => {
  dirty = await makeDirtyDataset();
  out = mkdtempSync(join(tmpdir(), 'bus-cli-split-'));
});
afterAll(() => {
  rmSync(dirty, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

describe('bus-tools lint', () => {
  test('the sample: a table of codes, exit 0 (warnings only), exit 1 with --fail-on warning', async () => {
    const r = await runCli('lint', SAMPLE_BUSI);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MASK_SPECK\s+3\s+warning\s+stray components/m);
    expect(r.stderr).toBe('lint: 11 images, 7 findings (0 errors, 4 warnings, 3 info); none at or above --fail-on error.\n');
    const strict = await runCli('lint', SAMPLE_BUSI, '--fail-on', 'warning');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('4 at or above --fail-on warning: exit 1');
  });

  test('--json lists every finding; errors give exit 1; a corrupt file is a finding', async () => {
    const r = await runCli('lint', dirty, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(['MASK_WITHOUT_IMAGE', 'SIZE_MISMATCH', 'MASK_EMPTY', 'NORMAL_MASK_NOT_EMPTY', 'FORMULA_FILE_NAME'].map((c) => j.findings.filter((f: { code: string }) => f.code === c).map((f: { files: string[] }) => f.files[0]))).toEqual([['malignant/malignant (5)_mask.png'], ['benign/benign (14)_mask.png'], ['benign/benign (15)_mask.png'], ['normal/normal (3)_mask.png'], ['benign/=benign (17).png']]); // one finding per problem the dirty dataset plants
    expect(j.findings.find((f: { code: string }) => f.code === 'BAD_IMAGE').files).toEqual(['benign/benign (13).png']);
    expect(j.groups.some((g: { labels: string[] }) => g.labels.length > 1)).toBe(true);
    expect((await runCli('lint', dirty, '--fail-on', 'none')).code).toBe(0);
  });

  test('bad usage names the option', async () => {
    const r = await runCli('lint', SAMPLE_BUSI, '--max-distance', '40');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected integer between 0 and 32 for --max-distance but received 40');
  });
});

describe('bus-tools split', () => {
  test('writes manifest and parts, prints counts per class and part, refuses to overwrite', async () => {
    const dir = join(out, 's');
    const r = await runCli('split', dirty, '--val', '0.3', '--test', '0.2', '--seed', '4', '-o', dir);
    expect(r.code).toBe(3); // the truncated image was skipped and named
    expect(r.stderr).toContain('benign (13).png');
    expect(r.stdout).toMatch(/^benign\s+\d+ \(/m);
    expect(r.stdout).toMatch(/^all\s+/m);
    expect(r.stderr).toMatch(/split: \d+ images → train \d+ · val \d+ · test \d+ \(2 excluded: label conflicts\)/);
    for (const p of ['manifest.csv', 'train/annotations.csv', 'val/annotations.csv', 'test/annotations.csv']) expect(existsSync(join(dir, p))).toBe(true);
    const again = await runCli('split', dirty, '--seed', '4', '-o', dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; pass --force');
    expect(readFileSync(join(dir, 'manifest.csv'), 'utf8').split('\n')[0]).toBe('image,part,group');
  });

  test('rejects fractions that leave train empty', async () => {
    const r = await runCli('split', SAMPLE_BUSI, '--val', '0.5', '--test', '0.5', '-o', join(out, 'x'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected --val + --test below 1 so train keeps images but received 0.5 + 0.5');
  });
});
