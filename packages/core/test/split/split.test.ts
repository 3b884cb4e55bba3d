import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMATS, planSplit, splitDataset, type PlannedItem, type SplitItem, mulberry32 } from '@bus-tools/core';
import { BUSI_DATASET, describeWithBusi } from '../../../../fixtures/index.js';
import { makeDirtyDataset } from '../lint/dirty-dataset.js';


/** n items in three classes (60/30/10 %), a quarter of them in groups of 2–6 of one class. */
function items(n: number, seed: number): SplitItem[] {
  const rand = mulberry32(seed);
  const out: SplitItem[] = [];
  let g = 0;
  while (out.length < n) {
    const label = rand() < 0.6 ? 'benign' : rand() < 0.75 ? 'malignant' : 'normal';
    const size = rand() < 0.25 ? 2 + Math.floor(rand() * 5) : 1;
    g++;
    for (let k = 0; k < size; k++) out.push({ id: `${label}/${label} (${out.length + 1}).png`, label, group: size > 1 ? `grp${g}` : undefined });
  }
  return out;
}

function assertGroupsWhole(plan: PlannedItem[], groupOf: (p: PlannedItem) => string | undefined) {
  const partOf = new Map<string, string>();
  for (const p of plan) {
    const g = groupOf(p);
    if (g === undefined) continue;
    const seen = partOf.get(g);
    if (seen !== undefined) expect([g, p.part]).toEqual([g, seen]);
    else partOf.set(g, p.part);
  }
}

function shares(plan: PlannedItem[]) {
  const out: Record<string, Record<string, number>> = {};
  for (const label of new Set(plan.map((p) => p.label))) {
    const mine = plan.filter((p) => p.label === label);
    out[label] = Object.fromEntries(['train', 'val', 'test'].map((part) => [part, mine.filter((p) => p.part === part).length / mine.length]));
  }
  return out;
}

describe('planSplit', () => {
  test.each([1, 2, 3, 42])('seed %d: groups stay whole, class shares within 3 points of the asked fractions', (seed) => {
    const list = items(1500, seed);
    const plan = planSplit(list, { val: 0.2, test: 0.1, seed });
    expect(plan).toHaveLength(list.length);
    assertGroupsWhole(plan, (p) => p.group);
    for (const [label, s] of Object.entries(shares(plan))) {
      expect([label, Math.abs(s.val - 0.2) <= 0.03, Math.abs(s.test - 0.1) <= 0.03]).toEqual([label, true, true]);
    }
  });

  test('deterministic for a seed and independent of input order; another seed gives another split', () => {
    const list = items(400, 9);
    const a = planSplit(list, { val: 0.25, seed: 5 });
    const b = planSplit([...list].reverse(), { val: 0.25, seed: 5 });
    const key = (p: PlannedItem[]) => p.map((i) => `${i.id}:${i.part}:${i.unit}`).join('\n');
    expect(key(b)).toBe(key(a));
    expect(key(planSplit(list, { val: 0.25, seed: 6 }))).not.toBe(key(a));
    expect(a.every((p) => p.part !== 'test')).toBe(true);
  });

  test('a cross-class group is excluded by default, or kept whole in train', () => {
    const list: SplitItem[] = [
      { id: 'benign/benign (1).png', label: 'benign', group: 'x' },
      { id: 'malignant/malignant (9).png', label: 'malignant', group: 'x' },
      ...items(60, 3),
    ];
    const excluded = planSplit(list, { val: 0.3, seed: 1 }).filter((p) => p.group === 'x');
    expect(excluded.map((p) => p.part)).toEqual(['excluded', 'excluded']);
    expect(excluded[0].unit).toBe(excluded[1].unit);
    const kept = planSplit(list, { val: 0.3, seed: 1, conflicts: 'train' }).filter((p) => p.group === 'x');
    expect(kept.map((p) => p.part)).toEqual(['train', 'train']);
  });

  test.each([
    [{ val: 1, seed: 1 }, 'Expected a fraction from 0 to below 1 for val but received 1'],
    [{ val: 0.6, test: 0.4, seed: 1 }, 'Expected val + test below 1 so train keeps images but received 0.6 + 0.4'],
    [{ val: 0.2, seed: 1.5 }, 'Expected an integer for seed but received 1.5'],
  ])('rejects %j', (options, message) => {
    expect(() => planSplit(items(10, 1), options)).toThrow(message);
  });
});

describe('splitDataset on a dataset with duplicates, a label conflict and a corrupt image', () => {
  let root: string;
  let out: string;
  beforeAll(async () => {
    root = await makeDirtyDataset();
    out = mkdtempSync(join(tmpdir(), 'bus-split-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  test('writes manifest.csv and an upload folder per part; groups together, conflict excluded, corrupt image skipped', async () => {
    const dir = join(out, 'a');
    const s = await splitDataset(root, dir, { val: 0.3, test: 0.2, seed: 3, format: 'coco' });
    const manifest = readFileSync(join(dir, 'manifest.csv'), 'utf8').trim().split('\n');
    expect(manifest[0]).toBe('image,part,group');
    const rows = manifest.slice(1).map((l) => l.match(/^"?(.*?)"?,(\w+),(\w+)$/)!.slice(1));
    const part = Object.fromEntries(rows.map(([img, p]) => [img, p]));
    expect(part['benign/benign (1).png']).toBe(part['benign/benign (11).png']);
    expect(part['benign/benign (3).png']).toBe(part['benign/benign (12).png']);
    expect([part['benign/benign (2).png'], part['malignant/malignant (4).png']]).toEqual(['excluded', 'excluded']);
    expect(part['benign/benign (13).png']).toBeUndefined();
    expect(s.problems.map((p) => p.code)).toContain('BAD_IMAGE');
    for (const p of ['train', 'val', 'test']) {
      const images = await FORMATS.coco.read(join(dir, p));
      expect(images.map((i) => i.fileName).sort()).toEqual(rows.filter(([, q]) => q === p).map(([img]) => img.split('/')[1]).sort());
      expect(existsSync(join(dir, p, 'UPLOAD.md'))).toBe(true);
    }
    expect(Object.values(s.counts).reduce((n, c) => n + c.train + c.val + c.test + c.excluded, 0)).toBe(rows.length);
  });

  test('the same seed gives a byte-identical manifest', async () => {
    await splitDataset(root, join(out, 'b'), { val: 0.3, seed: 8 });
    await splitDataset(root, join(out, 'c'), { val: 0.3, seed: 8 });
    expect(readFileSync(join(out, 'c', 'manifest.csv'))).toEqual(readFileSync(join(out, 'b', 'manifest.csv')));
  });

  test('an existing output is replaced only with force; one inside the dataset never; a class it lacks is refused', async () => {
    const dir = join(out, 'kept');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(splitDataset(root, dir, { val: 0.3, seed: 1 })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', message: expect.stringContaining('already exists; pass --force') });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    await expect(splitDataset(root, join(root, 'split'), { val: 0.3, seed: 1, force: true })).rejects.toMatchObject({ code: 'OUTPUT_OVERLAPS_INPUT' });
    await expect(splitDataset(root, join(out, 'x'), { val: 0.3, seed: 1, classes: ['Benign'] })).rejects.toMatchObject({ code: 'UNKNOWN_CLASS' });
    expect(existsSync(join(root, 'split')) || existsSync(join(out, 'x'))).toBe(false);
    await splitDataset(root, dir, { val: 0.3, seed: 1, force: true });
    expect(readdirSync(dir).sort()).toEqual(['manifest.csv', 'train', 'val']);
  });
});

describeWithBusi('splitDataset on the real BUSI data', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'bus-split-busi-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test("groups never separated, class shares within 3 points, every image once, in its part's folder", async () => {
    const opts = { val: 0.2, test: 0.1, seed: 7, link: true, includeNormal: true };
    const s = await splitDataset(BUSI_DATASET, join(out, 'a'), opts);
    expect(s.groups).toBeGreaterThan(50);
    assertGroupsWhole(s.manifest, (p) => p.unit);
    const dup = s.manifest.filter((p) => p.group !== undefined);
    assertGroupsWhole(dup, (p) => p.group);
    expect(s.manifest.some((p) => p.id === 'malignant/malignant (145).png' && p.part === 'excluded')).toBe(true);
    for (const [label, sh] of Object.entries(shares(s.manifest.filter((p) => p.part !== 'excluded')))) {
      expect([label, Math.abs(sh.val - 0.2) <= 0.03, Math.abs(sh.test - 0.1) <= 0.03]).toEqual([label, true, true]);
    }
    // Every image of the copy, listed here from its folders, stands once in the manifest, and each
    // part's folder holds exactly the images the manifest gives that part.
    const onDisk = ['benign', 'malignant', 'normal'].flatMap((c) => readdirSync(join(BUSI_DATASET, c)).filter((f) => /\.png$/i.test(f) && !/_mask/.test(f)).map((f) => `${c}/${f}`));
    expect(s.manifest.map((p) => p.id).sort()).toEqual(onDisk.sort());
    for (const part of ['train', 'val', 'test']) {
      expect([part, readdirSync(join(out, 'a', part, 'images')).sort()]).toEqual([part, s.manifest.filter((p) => p.part === part).map((p) => p.id.split('/')[1]).sort()]);
    }
  }, 300_000);
});
