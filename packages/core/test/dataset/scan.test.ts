/**
 * scanDataset: the same images, order, classes and problems as discoverDataset, handed over one
 * folder at a time, and the same boxes from extractBoxes either way.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverDataset, extractBoxes, naturalCompare, scanDataset, type AnnotatedImage, type ExtractOptions } from '@bus-tools/core';
import { BUSI_DATASET, SAMPLE_BUSI, describeWithBusi } from '../../../../fixtures/index.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-scan-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A layout that interleaves a folder's own images with its subfolders' in natural order. */
let made = 0;
function trickyDataset(): string {
  const root = join(tmp, `tricky-${++made}`);
  const mask = join(SAMPLE_BUSI, 'benign/benign (1)_mask.png');
  const image = join(SAMPLE_BUSI, 'benign/benign (1).png');
  const pair = (rel: string, masks = 1) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    copyFileSync(image, join(root, `${rel}.png`));
    for (let i = 0; i < masks; i++) copyFileSync(mask, join(root, `${rel}_mask${i ? `_${i}` : ''}.png`));
  };
  pair('benign/benign (10)');
  pair('benign/benign (2)', 2);
  pair('benign/a/x (1)'); // a subfolder between the folder's own images
  pair('benign/a-b/x (1)'); // "a-b/" sorts before "a/" in whole-path order
  pair('benign/1 scan');
  pair('benign/(1) scan');
  pair('malignant/deep/er/m (1)');
  pair('benign (3)'); // flat layout at the root: class from the name
  mkdirSync(join(root, 'normal'));
  copyFileSync(image, join(root, 'normal/normal (1).png')); // normal without a mask: kept
  copyFileSync(image, join(root, 'benign/lonely.png')); // image without a mask: a problem
  copyFileSync(mask, join(root, 'malignant/stray_mask.png')); // mask without an image: a problem
  writeFileSync(join(root, 'benign/notes.txt'), 'not an image');
  return root;
}

const bare = (images: readonly AnnotatedImage[]) => images.map((i) => ({ ...i }));

async function expectSameListing(root: string): Promise<void> {
  const ds = await discoverDataset(root);
  const scan = await scanDataset(root);
  expect(scan.root).toBe(ds.root);
  expect(scan.labels).toEqual(ds.labels);
  expect(scan.problems).toEqual(ds.problems);
  expect(scan.size).toBe(ds.images.length);
  const counts: Record<string, number> = {};
  for (const i of ds.images) counts[i.label] = (counts[i.label] ?? 0) + 1;
  expect(scan.counts).toEqual(counts);
  expect([...scan.images]).toEqual(ds.images);
  expect([...scan.images]).toEqual(ds.images); // a second pass reads the folders again, the same
}

async function expectSameBoxes(root: string, options: ExtractOptions): Promise<void> {
  const fromList = await extractBoxes(await discoverDataset(root), options);
  const streamed: Array<[AnnotatedImage, number]> = [];
  const listed: Array<[AnnotatedImage, number]> = [];
  await extractBoxes(await discoverDataset(root), { ...options, onImage: (img, at) => void listed.push([img, at]) });
  const fromScan = await extractBoxes(await scanDataset(root), { ...options, onImage: (img, at) => void streamed.push([img, at]) });
  expect(streamed).toEqual(listed);
  expect(bare(streamed.map(([img]) => img))).toEqual(bare(fromList.images));
  expect(fromScan.problems).toEqual(fromList.problems);
  expect(fromScan.stats).toEqual(fromList.stats);
  expect(fromScan.categories).toEqual(fromList.categories);
}

describe('scanDataset', () => {
  test('the sample: the same images in the same order as discoverDataset', async () => {
    await expectSameListing(SAMPLE_BUSI);
    await expectSameBoxes(SAMPLE_BUSI, { includeNormal: true });
  });

  test('nested folders, a flat root and names that sort below digits: whole-path natural order', async () => {
    const root = trickyDataset();
    await expectSameListing(root);
    const scan = await scanDataset(root);
    expect([...scan.images].map((i) => i.relPath)).toEqual([
      'benign (3).png',
      'benign/1 scan.png', // whole paths compared: "benign/" + "1…" before "benign/(" + "1…"
      'benign/(1) scan.png',
      'benign/a-b/x (1).png',
      'benign/a/x (1).png',
      'benign/benign (2).png',
      'benign/benign (10).png',
      'malignant/deep/er/m (1).png',
      'normal/normal (1).png',
    ]);
    expect(scan.problems.map((p) => p.code)).toEqual(['IMAGE_WITHOUT_MASK', 'MASK_WITHOUT_IMAGE']);
    expect(scan.counts).toEqual({ a: 1, 'a-b': 1, benign: 5, er: 1, normal: 1 }); // the class is the image's own folder
    await expectSameBoxes(root, { includeNormal: true });
    await expectSameBoxes(root, { shard: { index: 1, count: 3 } });
  });

  test('progress counts every image it will hand over, with or without a shard', async () => {
    const root = trickyDataset();
    for (const shard of [undefined, { index: 0, count: 2 }, { index: 1, count: 2 }]) {
      const ticks: Array<[number, number]> = [];
      const r = await extractBoxes(await scanDataset(root), { shard, includeNormal: true, onImage: () => {}, onProgress: (d, t) => void ticks.push([d, t]) });
      expect(ticks.length).toBe(r.stats.images + r.stats.skipped);
      for (const [, t] of ticks) expect(t).toBe(ticks.length);
    }
  });

  test('keeps no image: the folders are read when iterated, and one unreadable since gives UNREADABLE', async () => {
    const root = join(tmp, 'vanishing');
    mkdirSync(root);
    for (const c of readdirSync(SAMPLE_BUSI)) {
      mkdirSync(join(root, c));
      for (const f of readdirSync(join(SAMPLE_BUSI, c))) copyFileSync(join(SAMPLE_BUSI, c, f), join(root, c, f));
    }
    const scan = await scanDataset(root);
    rmSync(join(root, 'malignant'), { recursive: true });
    symlinkSync(join(tmp, 'gone'), join(root, 'malignant')); // where the folder was, a link that leads nowhere
    const seen: string[] = [];
    expect(() => {
      for (const img of scan.images) seen.push(img.label);
    }).toThrow(expect.objectContaining({ code: 'UNREADABLE', message: expect.stringContaining('malignant') }));
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['benign']));
  });

  test('structure errors before anything is handed over', async () => {
    await expect(scanDataset(join(tmp, 'nope'))).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    const flat = join(tmp, 'no-masks');
    mkdirSync(flat);
    copyFileSync(join(SAMPLE_BUSI, 'benign/benign (1).png'), join(flat, 'benign (1).png'));
    await expect(scanDataset(flat)).rejects.toMatchObject({ code: 'NOT_A_DATASET' });
    await expect(scanDataset(42 as unknown as string)).rejects.toMatchObject({ code: 'INVALID_PARAMETER', message: expect.stringContaining('scanDataset expects') });
  });
});

describeWithBusi('scanDataset on BUSI', () => {
  test('the same images, order, problems and boxes as discoverDataset', async () => {
    await expectSameListing(BUSI_DATASET);
    await expectSameBoxes(BUSI_DATASET, { includeNormal: true });
  }, 120_000);
});

test('two walks of one scan at once, out of step, each give every image', async () => {
  const scan = await scanDataset(SAMPLE_BUSI);
  const expected = (await discoverDataset(SAMPLE_BUSI)).images.map((i) => i.relPath);
  const a = scan.images[Symbol.iterator]();
  const b = scan.images[Symbol.iterator]();
  const [fromA, fromB]: string[][] = [[], []];
  for (let k = 0; k < 7; k++) fromA.push(a.next().value!.relPath); // a is in another folder than b from here on
  for (let x = a.next(), y = b.next(); !x.done || !y.done; x = a.next(), y = b.next()) {
    if (!x.done) fromA.push(x.value.relPath);
    if (!y.done) fromB.push(y.value.relPath);
  }
  expect(fromA).toEqual(expected);
  expect(fromB).toEqual(expected);
});

describe('pairing does not depend on the order a folder lists its files in', () => {
  // Folders list files in an order of their own (ext4: by a hash of the name, seeded per file
  // system), so the outcome must follow from the names alone.
  const image = join(SAMPLE_BUSI, 'benign/benign (1).png');
  const mask = join(SAMPLE_BUSI, 'benign/benign (1)_mask.png');

  test('of two images with one stem the name last in code-unit order wins; masks of one number go by name', async () => {
    const root = join(tmp, 'listing-order');
    mkdirSync(join(root, 'benign'), { recursive: true });
    // Twenty stems: whatever the file system's order, some list x<k>.png before x<k>.jpg and some after.
    for (let k = 0; k < 20; k++) for (const n of [`x${k}.jpg`, `x${k}.png`, `x${k}_mask.png`]) copyFileSync(n.includes('mask') ? mask : image, join(root, 'benign', n));
    for (const n of ['y.png', 'y_mask_1.png', 'y_mask_01.png', 'y_MASK_001.png', 'y_mask.png']) copyFileSync(n === 'y.png' ? image : mask, join(root, 'benign', n));
    const scan = await scanDataset(root);
    const images = [...scan.images];
    expect(images.filter((i) => i.fileName.startsWith('x')).map((i) => i.fileName)).toEqual(Array.from({ length: 20 }, (_, k) => `x${k}.png`).sort(naturalCompare));
    // The image left out is named, as skipped.
    expect(scan.problems.map((p) => [p.code, p.severity, p.file.split('/').pop()])).toEqual(
      Array.from({ length: 20 }, (_, k) => ['DUPLICATE_STEM', 'error', `x${k}.jpg`]).sort((a, b) => naturalCompare(a[2], b[2])),
    );
    expect(scan.problems[0].message).toMatch(/x0\.jpg: "x0\.png" beside it has the same name but for the extension.*skipped, and the masks taken as "x0\.png"'s/);
    const y = images.find((i) => i.fileName === 'y.png')!;
    expect(y.masks.map((m) => [m.path.split('/').pop(), m.index])).toEqual([['y_mask.png', 0], ['y_MASK_001.png', 1], ['y_mask_01.png', 1], ['y_mask_1.png', 1]]);
    expect((await discoverDataset(root)).images).toEqual(images);
  });

  test('mask numbers past 2^32 keep their order', async () => {
    const root = join(tmp, 'big-numbers');
    mkdirSync(join(root, 'benign'), { recursive: true });
    copyFileSync(image, join(root, 'benign', 'z.png'));
    for (const k of ['99999999999', '4294967296', '5000000000']) copyFileSync(mask, join(root, 'benign', `z_mask_${k}.png`));
    const [z] = (await scanDataset(root)).images;
    expect(z.masks.map((m) => m.index)).toEqual([4294967296, 5000000000, 99999999999]);
  });
});

test('classes named like Object members ("constructor", "__proto__") are counted like any other', async () => {
  const root = join(tmp, 'object-names');
  for (const c of ['constructor', '__proto__', 'benign']) {
    mkdirSync(join(root, c), { recursive: true });
    copyFileSync(join(SAMPLE_BUSI, 'benign/benign (1).png'), join(root, c, 'a.png'));
    copyFileSync(join(SAMPLE_BUSI, 'benign/benign (1)_mask.png'), join(root, c, 'a_mask.png'));
  }
  const scan = await scanDataset(root);
  expect(scan.labels).toEqual(['__proto__', 'benign', 'constructor']);
  expect(Object.entries(scan.counts).sort()).toEqual([['__proto__', 1], ['benign', 1], ['constructor', 1]]);
  expect((await discoverDataset(root)).labels).toEqual(scan.labels);
  const r = await extractBoxes(scan, { classes: ['constructor', '__proto__'], onImage: () => {}, onProgress: (_d, total) => expect(total).toBe(2) });
  expect(r.stats.images).toBe(2);
});
