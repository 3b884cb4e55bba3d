/**
 * lint on the real BUSI files (../shared/busi, 80 % of the dataset; skipped with a message when absent).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { discoverDataset, lintDataset, type LintResult } from '@bus-tools/core';
import { BUSI_DATASET, describeWithBusi } from '../../../../fixtures/index.js';

/**
 * Pairs judged by eye from side-by-side views (composed with sharp, then looked at): the same scan
 * rescaled, re-cropped or with calipers added, or neighbouring frames of one lesion.
 */
const VERIFIED_NEAR_COPIES: Array<[string, string, string]> = [
  ['benign/benign (208).png', 'benign/benign (291).png', 'rescaled 562→462 px wide'],
  ['benign/benign (214).png', 'benign/benign (260).png', 'rescaled, same calipers'],
  ['benign/benign (249).png', 'benign/benign (282).png', 'same scan and calipers'],
  ['benign/benign (204).png', 'benign/benign (249).png', 'same scan and calipers'],
  ['normal/normal (20).png', 'normal/normal (132).png', 'same scan, other size'],
  ['benign/benign (21).png', 'benign/benign (154).png', 'same scan, text added'],
  ['malignant/malignant (85).png', 'malignant/malignant (86).png', 'same lesion, shifted'],
  ['malignant/malignant (77).png', 'malignant/malignant (78).png', 'same scan, other frame'],
  ['malignant/malignant (39).png', 'malignant/malignant (40).png', 'neighbouring frames'],
  ['malignant/malignant (4).png', 'malignant/malignant (7).png', 'neighbouring frames'],
  ['benign/benign (433).png', 'benign/benign (435).png', 'same cyst, with and without calipers'],
  ['benign/benign (140).png', 'benign/benign (62).png', 're-crop: 62 is the centre of 140 (a known miss of the global hash)'],
];
/** Pairs that come close in hash distance but are different scans (also judged by eye). */
const VERIFIED_DIFFERENT: Array<[string, string]> = [
  ['benign/benign (109).png', 'malignant/malignant (61).png'],
  ['benign/benign (21).png', 'malignant/malignant (22).png'],
  ['benign/benign (106).png', 'normal/normal (128).png'],
  ['benign/benign (352).png', 'benign/benign (359).png'],
  ['malignant/malignant (1).png', 'malignant/malignant (208).png'],
  ['malignant/malignant (168).png', 'malignant/malignant (179).png'],
  ['malignant/malignant (42).png', 'malignant/malignant (168).png'],
  ['malignant/malignant (198).png', 'malignant/malignant (208).png'],
  ['normal/normal (34).png', 'normal/normal (43).png'],
];

describeWithBusi('lint on the real BUSI data', () => {
  let r: LintResult;
  const present = (rel: string) => existsSync(join(BUSI_DATASET, rel));
  const withFile = (code: string, rel: string) => r.findings.filter((f) => f.code === code && f.files.includes(rel));
  const groupOf = (rel: string) => r.groups.find((g) => g.images.includes(rel));
  beforeAll(async () => {
    r = await lintDataset(BUSI_DATASET);
  }, 240_000);

  test('the byte-identical benign (433) / malignant (145) is an exact duplicate and a label conflict', () => {
    expect(present('benign/benign (433).png') && present('malignant/malignant (145).png')).toBe(true);
    const exact = withFile('EXACT_DUPLICATE', 'benign/benign (433).png');
    expect(exact.map((f) => f.files)).toEqual([['benign/benign (433).png', 'malignant/malignant (145).png']]);
    const conflict = withFile('LABEL_CONFLICT', 'malignant/malignant (145).png');
    expect(conflict).toHaveLength(1);
    expect(conflict[0].severity).toBe('error');
    expect(conflict[0].files).toEqual(expect.arrayContaining(['benign/benign (433).png', 'malignant/malignant (145).png']));
  });

  test('the two RGBA masks of BUSI (benign (4)_mask_1, benign (54)_mask_1) that are present are reported, as info (alpha 255 everywhere)', () => {
    const listed = ['benign/benign (4)_mask_1.png', 'benign/benign (54)_mask_1.png'].filter(present);
    expect(listed.length).toBeGreaterThan(0);
    const alpha = r.findings.filter((f) => f.code === 'MASK_ALPHA');
    expect(alpha.map((f) => f.files[0]).sort()).toEqual(listed.sort());
    for (const f of alpha) expect(f.numbers).toMatchObject({ alphaMin: 255, alphaMax: 255, transparentLesionPixels: 0 });
  });

  test('malignant (111): its speck widens the box 2 px to the left (x 37 vs 39)', () => {
    const [speck] = withFile('MASK_SPECK', 'malignant/malignant (111)_mask.png');
    expect(speck.severity).toBe('warning');
    expect(speck.numbers).toMatchObject({ widenLeft: 2, widenTop: 0, widenRight: 0 });
    // BUSI's specks are 1–8 px, in 23 masks of the full dataset (11 widening the box)
    const specks = r.findings.filter((f) => f.code === 'MASK_SPECK');
    expect(specks.length).toBeGreaterThanOrEqual(10);
    expect(specks.length).toBeLessThanOrEqual(23);
    for (const f of specks) expect(f.numbers!.speckPixels / f.numbers!.specks).toBeLessThanOrEqual(8);
  });

  test('every image with several masks is reported, and benign (58) has a nested mask', async () => {
    const ds = await discoverDataset(BUSI_DATASET);
    const multi = ds.images.filter((i) => i.masks.length > 1).map((i) => i.relPath.replace(/\.png$/, '_mask.png'));
    expect(multi.length).toBeGreaterThan(10);
    expect(r.findings.filter((f) => f.code === 'MULTIPLE_MASKS').map((f) => f.files[0])).toEqual(multi);
    const nested = withFile('MASKS_OVERLAP', 'benign/benign (58)_mask_1.png');
    expect(nested.map((f) => f.numbers?.nested)).toEqual([1]);
  });

  test('no structure or mask errors, and a clean image gets no error', () => {
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect([...new Set(errors.map((f) => f.code))]).toEqual(['LABEL_CONFLICT']);
    expect(r.findings.filter((f) => f.files.includes('benign/benign (1).png') && f.severity === 'error')).toEqual([]);
    // benign (2): one mask, no specks, gray, no copy: nothing at all
    expect(r.findings.filter((f) => f.files.some((p) => p.startsWith('benign/benign (2)')))).toEqual([]);
  });

  test('near-duplicate recall on the pairs verified by eye is at least 90 %, and no verified different pair is grouped', () => {
    const found = VERIFIED_NEAR_COPIES.filter(([a, b]) => groupOf(a) !== undefined && groupOf(a) === groupOf(b));
    const missed = VERIFIED_NEAR_COPIES.filter((p) => !found.includes(p)).map(([a, b]) => `${a} ~ ${b}`);
    expect(missed).toEqual(['benign/benign (140).png ~ benign/benign (62).png']);
    expect(found.length / VERIFIED_NEAR_COPIES.length).toBeGreaterThanOrEqual(0.9);
    const grouped = VERIFIED_DIFFERENT.filter(([a, b]) => groupOf(a) !== undefined && groupOf(a) === groupOf(b));
    expect(grouped).toEqual([]);
  });

  test('coloured overlays are found (16 images in the full dataset)', () => {
    const colour = r.findings.filter((f) => f.code === 'COLOUR_OVERLAY');
    expect(colour.length).toBeGreaterThanOrEqual(8);
    expect(colour.length).toBeLessThanOrEqual(16);
  });
});
