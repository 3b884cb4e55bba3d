import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import {
  fingerprintPixels,
  hamming64,
  hashFromHex,
  lintDataset,
  pairsWithinRadius,
  readImageRgb,
  thumbnailSimilarity,
  type LintFinding,
  type LintResult,
} from '@bus-tools/core';
import { SAMPLE_BUSI } from '../../../../fixtures/index.js';
import { makeDirtyDataset } from './dirty-dataset.js';
import { syntheticHashes } from '../../../../fixtures/synthetic-hashes.js';


describe('pairsWithinRadius (multi-index hashing)', () => {
  /** Random hashes plus near copies (up to 19 random bit flips) of 30 % of them. */
  const hashes = (n: number, seed: number) => syntheticHashes(n, seed, { nearShare: 0.3, maxFlips: 20 });
  const brute = (h: { hi: Uint32Array; lo: Uint32Array }, r: number) => {
    const out: string[] = [];
    for (let i = 0; i < h.hi.length; i++) for (let j = i + 1; j < h.hi.length; j++) {
      const d = hamming64(h.hi[i], h.lo[i], h.hi[j], h.lo[j]);
      if (d <= r) out.push(`${i},${j},${d}`);
    }
    return out.sort();
  };

  test.each([
    [0, undefined], [3, undefined], [8, undefined], [12, undefined], [16, undefined], [16, 4], [16, 7], [20, 5], [5, 16],
  ])('radius %d, chunks %s: exactly the pairs brute force finds, each once', (r, chunks) => {
    const h = hashes(1500, 11 + r);
    const got = pairsWithinRadius(h, r, { chunks });
    const list = Array.from(got.a, (a, k) => `${a},${got.b[k]},${got.distance[k]}`).sort();
    const want = brute(h, r);
    expect(want.length).toBeGreaterThan(0);
    expect(list).toEqual(want);
  });

  test('compares far fewer pairs than brute force at 10k hashes', () => {
    const h = hashes(10000, 5);
    const got = pairsWithinRadius(h, 8);
    expect(got.comparisons).toBeLessThan((10000 * 9999) / 2 / 10);
  });

  test('rejects a radius outside 0…64', () => {
    expect(() => pairsWithinRadius({ hi: new Uint32Array(1), lo: new Uint32Array(1) }, 65)).toThrow('Expected integer between 0 and 64 for radius but received 65');
  });
});

describe('fingerprints', () => {
  const fp = async (input: Sharp) => {
    const { data, info } = await input.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return fingerprintPixels(new Uint8Array(data), info.width, info.height);
  };
  const sample = (name: string) => join(SAMPLE_BUSI, name.split(' ')[0], name);

  test('a rescaled copy in a black frame stays within distance 8 and NCC 0.95; other scans do not', async () => {
    const base = await fp(sharp(sample('benign (1).png')));
    const copy = await fp(sharp(sample('benign (1).png')).resize(240).extend({ top: 30, bottom: 12, left: 25, right: 40, background: '#000' }));
    const dist = (a: string, b: string) => hamming64(...hashFromHex(a), ...hashFromHex(b));
    expect(dist(base.hash, copy.hash)).toBeLessThanOrEqual(8);
    expect(thumbnailSimilarity(base.thumb, copy.thumb)).toBeGreaterThan(0.95);
    for (const other of ['benign (2).png', 'malignant (1).png', 'normal (1).png']) {
      const o = await fp(sharp(sample(other)));
      expect([other, thumbnailSimilarity(base.thumb, o.thumb) < 0.85]).toEqual([other, true]);
    }
  });

  test('coloured pixels are counted, gray ones are not', async () => {
    const gray = await readImageRgb(sample('benign (1).png'));
    expect(fingerprintPixels(gray.data, gray.width, gray.height).colourPixels).toBe(0);
    const red = Buffer.from('<svg width="300" height="230"><rect x="10" y="10" width="10" height="5" fill="#f00"/></svg>');
    const marked = await fp(sharp(sample('benign (1).png')).composite([{ input: red }]));
    expect(marked.colourPixels).toBe(50);
  });
});

describe('lintDataset on the sample', () => {
  test('reports its specks, nested and RGBA masks, and no errors', async () => {
    const r = await lintDataset(SAMPLE_BUSI);
    expect(r.counts.error).toBe(0);
    expect(r.images).toBe(11);
    const files = (code: string) => r.findings.filter((f) => f.code === code).map((f) => f.files);
    expect(files('MASK_SPECK')).toEqual([['benign/benign (2)_mask.png'], ['benign/benign (10)_mask.png'], ['malignant/malignant (3)_mask.png']]);
    expect(files('MASKS_OVERLAP')).toEqual([['benign/benign (4)_mask.png', 'benign/benign (4)_mask_1.png']]);
    expect(files('MASK_ALPHA')).toEqual([['benign/benign (4)_mask_1.png']]);
    expect(r.groups).toEqual([]);
    // benign (10): an 8-px speck at x 250…257, y 30 (tools/make-fixtures.js) beyond the lesion box
    const speck = r.findings.find((f) => f.files[0] === 'benign/benign (10)_mask.png')!;
    expect(speck.severity).toBe('warning');
    expect(speck.numbers).toMatchObject({ specks: 1, speckPixels: 8, widenLeft: 0, widenBottom: 0 });
    expect(speck.numbers!.widenTop).toBeGreaterThan(0);
    expect(speck.numbers!.widenRight).toBeGreaterThan(0);
  });
});

describe('lintDataset on a dataset with one of each problem', () => {
  let root: string;
  let r: LintResult;
  let before: Record<string, number>;
  const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir, { recursive: true }).map(String).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
  beforeAll(async () => {
    root = await makeDirtyDataset();
    before = snapshot(root);
    r = await lintDataset(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const find = (code: string): LintFinding[] => r.findings.filter((f) => f.code === code);

  // code, severity, files → what the message must say about the problem planted (see dirty-dataset.ts)
  test.each([
    ['MASK_WITHOUT_IMAGE', 'error', ['malignant/malignant (5)_mask.png'], 'expected "malignant (5).png" in the same folder'],
    ['BAD_IMAGE', 'error', ['benign/benign (13).png'], 'benign/benign (13).png'],
    // benign (1)'s mask is 300×230, benign (5) 260×200 (fixtures/sample-busi-expected.json)
    ['SIZE_MISMATCH', 'error', ['benign/benign (14)_mask.png', 'benign/benign (14).png'], 'mask is 300×230 but its image is 260×200'],
    ['MASK_EMPTY', 'error', ['benign/benign (15)_mask.png'], 'class "benign" but the mask holds no lesion pixels'],
    // rows 50–79 × columns 100–139
    ['NORMAL_MASK_NOT_EMPTY', 'error', ['normal/normal (3)_mask.png'], 'marks 1200 lesion pixels in 1 component(s)'],
    ['MASK_VALUES', 'warning', ['benign/benign (16)_mask.png'], '2 different foreground values'],
    ['FORMULA_FILE_NAME', 'warning', ['benign/=benign (17).png'], 'the name starts with "="'],
    ['COLOUR_OVERLAY', 'warning', ['benign/benign (12).png'], 'coloured pixels'],
    ['LABEL_CONFLICT', 'error', ['benign/benign (2).png', 'malignant/malignant (4).png'], 'filed as benign and malignant'],
  ])('%s (%s): %j', (code, severity, files, says) => {
    expect(find(code).map((f) => [f.severity, f.files])).toEqual([[severity, files]]);
    expect(find(code)[0].message).toContain(says);
  });

  test('the rescaled, framed copy and its source form one near-duplicate group; the re-annotated copy joins its source', () => {
    const near = find('NEAR_DUPLICATE').map((f) => f.files);
    expect(near).toContainEqual(['benign/benign (1).png', 'benign/benign (11).png']);
    expect(near).toContainEqual(['benign/benign (3).png', 'benign/benign (12).png']);
  });

  test('byte copies are exact duplicates, grouped; the truncated copy is not among them', () => {
    expect(find('EXACT_DUPLICATE').map((f) => [f.severity, f.files])).toEqual([
      // natural order puts "=benign (17)" before "benign (…)"
      ['warning', ['benign/=benign (17).png', 'benign/benign (5).png', 'benign/benign (14).png', 'benign/benign (15).png']],
      ['warning', ['benign/benign (2).png', 'malignant/malignant (4).png']],
      ['warning', ['benign/benign (10).png', 'benign/benign (16).png']],
      ['warning', ['normal/normal (1).png', 'normal/normal (3).png']],
    ]);
    const conflicts = r.groups.filter((g) => g.labels.length > 1).map((g) => g.images);
    expect(conflicts).toEqual([['benign/benign (2).png', 'malignant/malignant (4).png']]);
  });

  test('a corrupt file is a finding, the rest is still linted, and nothing is written into the dataset', () => {
    expect(find('BAD_IMAGE')[0].message).toContain('benign (13).png');
    expect(r.images).toBe(20);
    expect(snapshot(root)).toEqual(before);
    expect(readFileSync(join(root, 'benign', 'benign (1).png')).equals(readFileSync(join(SAMPLE_BUSI, 'benign', 'benign (1).png')))).toBe(true);
  });

  test('clean images get no error or warning of their own', () => {
    const own = r.findings.filter((f) => f.files.some((p) => p.startsWith('malignant/malignant (1)')) && f.severity !== 'info');
    expect(own).toEqual([]);
  });
});

test('lintDataset names a missing folder', async () => {
  await expect(lintDataset('/nonexistent/busi')).rejects.toThrow('/nonexistent/busi: no such folder');
});
