/**
 * `loadGroundTruth`: the three kinds of ground truth eval reads, each from a file built here or the
 * sample dataset.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadGroundTruth } from '@bus-tools/core';
import { SAMPLE_BUSI } from '../../../../fixtures/index.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-gt-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('a dataset folder: every image, normal ones without lesions, paths known by id and relative path', async () => {
  const g = await loadGroundTruth(SAMPLE_BUSI);
  expect(g.kind).toBe('dataset');
  expect(g.gt.images).toHaveLength(11);
  expect(g.gt.annotations).toHaveLength(11);
  const normal = g.gt.images.find((im) => im.file_name === 'normal (1).png')!;
  expect(g.gt.annotations.filter((a) => a.image_id === normal.id)).toEqual([]);
  expect(g.relPaths.get(normal.id)).toBe('normal/normal (1).png');
  expect(g.paths.get(normal.id)).toBe(join(SAMPLE_BUSI, 'normal', 'normal (1).png'));
});

test('a Datature CSV with normalized coordinates is scaled by each image size', async () => {
  const { width, height } = await sharp(join(SAMPLE_BUSI, 'benign', 'benign (1).png')).metadata();
  const csv = join(tmp, 'gt.csv');
  writeFileSync(csv, 'filename,xmin,ymin,width,height,label\nbenign (1).png,0.1,0.2,0.5,0.25,benign\n');
  const g = await loadGroundTruth(csv, { images: SAMPLE_BUSI });
  expect(g.kind).toBe('csv');
  expect(g.gt.images).toEqual([{ id: 1, file_name: 'benign (1).png', width, height }]);
  const [x, y, w, h] = g.gt.annotations[0].bbox;
  expect([x, y, w, h].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.1 * width!, 0.2 * height!, 0.5 * width!, 0.25 * height!].map((v) => Math.round(v * 1e6) / 1e6));
  expect(g.relPaths.get(1)).toBe('benign/benign (1).png');
});

test('a CSV row whose image is missing is named and left out', async () => {
  const csv = join(tmp, 'missing.csv');
  writeFileSync(csv, 'filename,xmin,ymin,width,height,label\nbenign (1).png,10,20,30,40,benign\nnowhere.png,1,2,3,4,benign\n');
  const g = await loadGroundTruth(csv, { images: SAMPLE_BUSI });
  expect(g.gt.images.map((im) => im.file_name)).toEqual(['benign (1).png']);
  expect(g.problems.map((p) => [p.code, p.severity])).toEqual([['IMAGE_NOT_FOUND', 'error']]);
  expect(g.problems[0].message).toContain('"nowhere.png" is not in');
});

test.each([
  ['a CSV without images', 'gt.csv', 'filename,xmin,ymin,width,height,label\n', 'INVALID_PARAMETER', 'a Datature CSV has no image sizes; add --images'],
  ['a file of another kind', 'gt.txt', 'x', 'INVALID_PARAMETER', '--gt expects a dataset folder, a COCO .json or a Datature .csv, not a .txt'],
  ['JSON that is not COCO', 'gt.json', '{"images": []}', 'BAD_COCO', 'has no "annotations" list'],
])('%s is refused with its code', async (_name, file, content, code, message) => {
  const p = join(tmp, file);
  writeFileSync(p, content);
  await expect(loadGroundTruth(p)).rejects.toMatchObject({ code, message: expect.stringContaining(message) });
});

test('a path that does not exist is a usage error', async () => {
  await expect(loadGroundTruth(join(tmp, 'nope'))).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
});
