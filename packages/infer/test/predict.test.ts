import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { fromDatatureCsv, parseCocoResults } from '@bus-tools/core';
import { classColour, listImages, predictFolder, predictImages } from '@bus-tools/infer';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';

const MODEL = join(MODELS, 'retinanet-tfod.onnx');
let tmp: string;
let input: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-infer-predict-'));
  input = join(tmp, 'in');
  cpSync(SAMPLE_BUSI, input, { recursive: true });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${statSync(p).mtimeMs} ${createHash('sha1').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

describe('listImages', () => {
  test('recursive, natural order, masks left out', () => {
    const list = listImages(SAMPLE_BUSI);
    expect(list.files.map((f) => relative(SAMPLE_BUSI, f))).toEqual([
      'benign/benign (1).png', 'benign/benign (2).png', 'benign/benign (3).png', 'benign/benign (4).png', 'benign/benign (5).png', 'benign/benign (10).png',
      'malignant/malignant (1).png', 'malignant/malignant (2).png', 'malignant/malignant (3).png', 'normal/normal (1).png', 'normal/normal (2).png',
    ]);
    expect(list.masksSkipped).toBe(13);
  });

  test('a glob pattern (fast-glob) when no such file exists: matches, masks left out, paths from its folder part', () => {
    const list = listImages(join(SAMPLE_BUSI, '*', 'malignant*.png'));
    expect(list.root).toBe(SAMPLE_BUSI);
    expect(list.files.map((f) => relative(SAMPLE_BUSI, f))).toEqual(['malignant/malignant (1).png', 'malignant/malignant (2).png', 'malignant/malignant (3).png']);
    expect(list.masksSkipped).toBe(3);
    expect(() => listImages(join(SAMPLE_BUSI, '*', 'nothing*.png'))).toThrow(expect.objectContaining({ code: 'NO_IMAGES', message: expect.stringContaining('the pattern matches no images') }));
    expect(() => listImages(join(SAMPLE_BUSI, 'no-such-folder'))).toThrow(expect.objectContaining({ code: 'INPUT_NOT_FOUND' }));
  });

  test('an empty folder is an error that says what was looked for', () => {
    mkdirSync(join(tmp, 'empty'));
    writeFileSync(join(tmp, 'empty', 'notes.txt'), 'x');
    expect(() => listImages(join(tmp, 'empty'))).toThrow(`--input ${join(tmp, 'empty')}: no images found (looked for .png, .jpg, .jpeg, .webp, .tif, .tiff in it and its subfolders).`);
  });

  const names = (files: string[]) => files.map((f) => relative(tmp, f));

  test('links are followed, loops are not: a folder or a glob through two loops lists each image once', () => {
    symlinkSync('..', join(input, 'benign', 'loop')); // ln -s .. loop
    symlinkSync('..', join(input, 'malignant', 'loop')); // with two, every path can branch twice per level
    mkdirSync(join(tmp, 'more'));
    cpSync(join(SAMPLE_BUSI, 'normal', 'normal (1).png'), join(tmp, 'more', 'scan.png'));
    symlinkSync(join(tmp, 'more'), join(input, 'more')); // a folder kept elsewhere
    const sample = listImages(SAMPLE_BUSI).files.map((f) => relative(SAMPLE_BUSI, f));

    const folder = listImages(input);
    expect(names(folder.files)).toEqual([...sample.map((f) => `in/${f}`).slice(0, 9), 'in/more/scan.png', ...sample.map((f) => `in/${f}`).slice(9)]);
    expect(folder.masksSkipped).toBe(13);

    const glob = listImages(join(input, '**', '*.png'));
    expect(glob.root).toBe(input);
    expect(names(glob.files)).toEqual(names(folder.files));
    expect(glob.masksSkipped).toBe(13);
  });
});

describe('predictFolder', () => {
  test('annotated images for images with detections, COCO JSON and CSV that agree; inputs untouched', async () => {
    const before = hashTree(input);
    const out = join(tmp, 'out');
    const r = await predictFolder({ input, output: out, model: MODEL, threshold: 0.5, device: 'cpu' });
    expect(hashTree(input)).toEqual(before);
    expect([r.found, r.predicted, r.problems, r.layout, r.device]).toEqual([11, 11, [], 'tfod', 'cpu']);
    expect(r.withDetections).toBeGreaterThan(0);

    const annotated = readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.png'));
    expect(annotated).toHaveLength(r.withDetections);
    expect(r.annotated).toBe(r.withDetections);
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]); // no temp files left

    const coco = parseCocoResults(JSON.parse(readFileSync(r.json, 'utf8')), r.json);
    expect(coco).toHaveLength(r.detections);
    const csv = readFileSync(r.csv, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('filename,xmin,ymin,width,height,label,score');
    expect(csv).toHaveLength(r.detections + 1);
    // The CSV reads back as Datature's width-height layout with the same boxes as the JSON.
    const back = fromDatatureCsv(csv.map((l) => l.split(',').slice(0, 6).join(',')).join('\n'), r.csv);
    expect(back.layout).toBe('width-height');
    const first = coco[0];
    expect(first).toMatchObject({ file_name: expect.stringMatching(/\.png$/), image_id: expect.any(Number), category_id: expect.any(Number), label: expect.any(String) });
    const row = csv[1].split(',');
    expect([row[0], ...row.slice(1, 5).map(Number), row[5], Number(row[6])]).toEqual([first.file_name, ...first.bbox, first.label, first.score]);

    // Each annotated image has its original size and the class colour drawn on it.
    const img = r.images.find((i) => i.detections.length > 0)!;
    const file = join(out, ...img.relativePath.split('/'));
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([img.width, img.height]);
    const d = img.detections[0];
    const [x, y] = [Math.round((d.xyxy[0] + d.xyxy[2]) / 2), Math.round(d.xyxy[3]) - 2]; // on the bottom edge line
    const px = [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const want = classColour(d.classId).match(/[0-9a-f]{2}/gi)!.map((h) => parseInt(h, 16));
    px.forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThan(40));
  });

  test('--all-images annotates every image', async () => {
    const r = await predictFolder({ input, output: join(tmp, 'out'), model: MODEL, threshold: 0.99, allImages: true, device: 'cpu' });
    expect(r.annotated).toBe(11);
  });

  test('an undecodable image is named, skipped, and the run goes on', async () => {
    writeFileSync(join(input, 'benign', 'broken (1).png'), Buffer.from('\x89PNG\r\n\x1a\nnot really'));
    writeFileSync(join(input, 'benign', 'empty.jpg'), '');
    const r = await predictFolder({ input, output: join(tmp, 'out'), model: MODEL, threshold: 0.5, device: 'cpu' });
    expect(r.found).toBe(13);
    expect(r.predicted).toBe(11);
    // written as UTF-8, '\x89' is two bytes: the content is not a PNG signature, so no image format
    expect(r.problems.map((p) => [relative(input, p.file), p.code])).toEqual([['benign/broken (1).png', 'UNSUPPORTED_FORMAT'], ['benign/empty.jpg', 'BAD_IMAGE']]);
    expect(r.problems[0].message).toMatch(/broken \(1\)\.png: not an image format bus-tools reads/);
  });

  test.each([
    ['equal to the input', (i: string) => ({ output: i }), /^--output .* lies inside the input folder .*; bus-tools never writes into its inputs/],
    ['inside the input', (i: string) => ({ output: join(i, 'pred') }), /^--output .*pred lies inside the input folder/],
    ['the detections JSON inside the input', (i: string) => ({ output: join(tmp, 'out'), json: join(i, 'd.json') }), /^--detections-json .*d\.json lies inside the input folder/],
  ])('output %s is refused before anything is written', async (_name, opts, message) => {
    const before = hashTree(input);
    await expect(predictFolder({ input, model: MODEL, ...opts(input) })).rejects.toThrow(message);
    expect(hashTree(input)).toEqual(before);
    expect(existsSync(join(tmp, 'out'))).toBe(false);
  });

  test('a single file as input; output beside it is fine, into its own folder is refused', async () => {
    const file = join(input, 'malignant', 'malignant (1).png');
    const r = await predictFolder({ input: file, output: join(input, 'malignant', 'pred'), model: MODEL, threshold: 0.5, device: 'cpu', allImages: true });
    expect([r.found, r.annotated]).toEqual([1, 1]);
    expect(existsSync(join(input, 'malignant', 'pred', 'malignant (1).png'))).toBe(true);
    await expect(predictFolder({ input: file, output: join(input, 'malignant'), model: MODEL })).rejects.toThrow(/would overwrite or share a folder with the input/);
  });

  test.each([
    [{ threshold: 1.5 }, 'Expected number between 0 and 1 for --threshold but received 1.5'],
    [{ threshold: -0.1 }, 'Expected number between 0 and 1 for --threshold but received -0.1'],
    [{ threshold: Number.NaN }, 'Expected number between 0 and 1 for --threshold but received NaN'],
    [{ width: 640 }, `--width 640 does not fit ${MODEL}: its input is fixed at 320 pixels. Leave --width out to use 320.`],
    [{ height: 0 }, 'Expected integer between 16 and 8192 for --height but received 0'],
    [{ layout: 'datature' as const }, /does not look like a datature export/],
  ])('bad option %j', async (opts, message) => {
    await expect(predictFolder({ input, output: join(tmp, 'out'), model: MODEL, device: 'cpu', ...opts })).rejects.toThrow(message);
  });

  test('a model file that is not ONNX', async () => {
    const bad = join(tmp, 'model.onnx');
    writeFileSync(bad, 'not a model');
    await expect(predictFolder({ input, output: join(tmp, 'out'), model: bad, device: 'cpu' })).rejects.toMatchObject({ code: 'BAD_MODEL' });
  });
});

describe('predictImages', () => {
  test('reports progress for every image and calls onImage in input order', async () => {
    const files = listImages(SAMPLE_BUSI).files.slice(0, 5);
    const seen: string[] = [];
    const progress: number[] = [];
    const r = await predictImages(files, { model: MODEL, device: 'cpu', threshold: 0.5, prefetch: 3, onImage: (p) => void seen.push(p.path), onProgress: (d) => void progress.push(d) });
    expect(seen).toEqual(files);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(r.images.map((i) => [i.imageId, i.fileName])).toEqual(files.map((f, k) => [k + 1, f.split('/').pop()]));
  });
});
