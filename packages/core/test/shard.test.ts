import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUSI_CATEGORIES,
  CocoJsonWriter,
  datatureCsvHeader,
  datatureCsvRows,
  discoverDataset,
  EXPORT_FORMATS,
  extractBoxes,
  fnv1a32,
  inShard,
  openFileAtomic,
  parseShard,
  mergeDetections,
  readPredictionFiles,
  shardOf,
  streamUploadFolder,
  toDatatureCsv,
  FORMATS,
  type AnnotatedImage,
} from '@bus-tools/core';
import { SAMPLE_BUSI } from '../../../fixtures/index.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-core-shard-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('fnv1a32 and shardOf', () => {
  test.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('FNV-1a of %j is the published test vector', (text, hash) => {
    expect(fnv1a32(text)).toBe(hash);
  });

  test('every path is in exactly one of N shards, whatever the separator', () => {
    const paths = Array.from({ length: 200 }, (_, i) => `benign/benign (${i + 1}).png`);
    for (const n of [1, 2, 3, 7]) {
      const counts = new Array(n).fill(0);
      for (const p of paths) {
        const owners = Array.from({ length: n }, (_, index) => index).filter((index) => inShard(p, { index, count: n }));
        expect(owners).toEqual([shardOf(p, n)]);
        counts[owners[0]]++;
      }
      for (const c of counts) expect(c).toBeGreaterThan(200 / n / 2); // roughly even
    }
    expect(shardOf('benign\\benign (1).png', 7)).toBe(shardOf('benign/benign (1).png', 7));
  });
});

describe('parseShard', () => {
  test.each([
    ['0/1', {}, { index: 0, count: 1 }],
    ['2/7', {}, { index: 2, count: 7 }],
    [' 1 / 3 ', {}, { index: 1, count: 3 }],
    ['auto/4', { JOB_COMPLETION_INDEX: '3' }, { index: 3, count: 4 }],
    ['auto', { JOB_COMPLETION_INDEX: '0', BUS_TOOLS_SHARD_COUNT: '5' }, { index: 0, count: 5 }],
    ['auto', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' }, { index: 4, count: 8 }],
    ['auto/8', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '8' }, { index: 0, count: 8 }],
    ['auto', { AWS_BATCH_JOB_ARRAY_INDEX: '6', AWS_BATCH_JOB_ARRAY_SIZE: '7' }, { index: 6, count: 7 }],
    ['auto/10', { AWS_BATCH_JOB_ARRAY_INDEX: '9' }, { index: 9, count: 10 }],
  ])('%j with %j → %j', (value, env, shard) => {
    expect(parseShard(value, env)).toEqual(shard);
  });

  test.each([
    ['3/2', {}, 'shards are counted from 0, so the last of 2 is 1/2'],
    ['0/0', {}, 'the shard count must be between 1 and 100000'],
    ['-1/3', {}, 'write e.g. 0/4 for the first of 4 shards'],
    ['1.5/3', {}, 'write e.g. 0/4'],
    ['auto', {}, 'none of JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm array) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set'],
    ['auto', { JOB_COMPLETION_INDEX: '2' }, 'JOB_COMPLETION_INDEX (Kubernetes) gives the index but not the number of shards'],
    ['auto/2', { JOB_COMPLETION_INDEX: '2' }, 'gives index 2, but there are only 2 shards (0 … 1)'],
    ['auto', { JOB_COMPLETION_INDEX: 'x' }, 'JOB_COMPLETION_INDEX="x" is not a whole number'],
    ['auto/4', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }, 'the scheduler says 3 shards but --shard says 4'],
    ['auto', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' }, 'SLURM_ARRAY_TASK_ID 0 is below SLURM_ARRAY_TASK_MIN'],
  ])('%j with %j is refused: %s', (value, env, message) => {
    expect(() => parseShard(value, env)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', message: expect.stringContaining(message) }));
  });
});

describe('extractBoxes with a shard', () => {
  test('the shards together hold every image once, each with its position in the whole dataset', async () => {
    const dataset = await discoverDataset(SAMPLE_BUSI);
    const whole = await extractBoxes(dataset, { includeNormal: true });
    const seen: Array<[number, string]> = [];
    for (let index = 0; index < 3; index++) {
      await extractBoxes(dataset, { includeNormal: true, shard: { index, count: 3 }, onImage: (img, position) => void seen.push([position, img.fileName]) });
    }
    seen.sort((a, b) => a[0] - b[0]);
    expect(seen.map(([, name]) => name)).toEqual(whole.images.map((i) => i.fileName));
    expect(seen.map(([p]) => dataset.images[p].fileName)).toEqual(whole.images.map((i) => i.fileName));
  });

  test('with onImage, images are handed over and not collected; the counts stay', async () => {
    const dataset = await discoverDataset(SAMPLE_BUSI);
    const handed: AnnotatedImage[] = [];
    const r = await extractBoxes(dataset, { onImage: (img) => void handed.push(img) });
    expect(r.images).toEqual([]);
    expect(r.stats.images).toBe(handed.length);
    expect(handed).toEqual((await extractBoxes(dataset)).images);
  });
});

describe('streamed outputs are the bytes of the all-at-once writers', () => {
  test('datatureCsvHeader + datatureCsvRows = toDatatureCsv, both layouts, with names that need quoting', async () => {
    const { images } = await extractBoxes(await discoverDataset(SAMPLE_BUSI));
    images[0] = { ...images[0], fileName: 'a "quoted", name.png' };
    for (const layout of ['width-height', 'four-corner'] as const) {
      expect(datatureCsvHeader(layout) + images.map((img) => datatureCsvRows(img, layout)).join('')).toBe(toDatatureCsv(images, layout));
      expect(datatureCsvHeader(layout)).toBe(toDatatureCsv([], layout));
    }
  });

  test.each(EXPORT_FORMATS)('streamUploadFolder writes the files the all-at-once format writer makes (%s)', async (format) => {
    const { images } = await extractBoxes(await discoverDataset(SAMPLE_BUSI), { includeNormal: true });
    const result = await streamUploadFolder(join(tmp, 'streamed'), BUSI_CATEGORIES, { format }, async (add) => images.forEach((img) => add(img)));
    const expected = FORMATS[format].write(images, BUSI_CATEGORIES);
    const files = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).sort();
    expect(files(join(tmp, 'streamed'))).toEqual(
      [...expected.map((f) => f.path), ...new Set(expected.map((f) => f.path.split('/')[0]).filter((d) => !d.includes('.'))), 'images', ...images.map((i) => `images/${i.fileName}`), 'UPLOAD.md'].sort(),
    );
    for (const f of expected) expect([f.path, readFileSync(join(tmp, 'streamed', f.path), 'utf8')]).toEqual([f.path, f.content]);
    expect(result).toEqual({ dir: join(tmp, 'streamed'), images: images.length, boxes: images.reduce((n, i) => n + i.boxes.length, 0), annotationFiles: expected.length });
    expect(readdirSync(tmp)).toEqual(['streamed']); // no temporary files left
  });

  test('streamUploadFolder with no images, and with name clashes named by both paths (nothing left behind)', async () => {
    await streamUploadFolder(join(tmp, 'streamed'), BUSI_CATEGORIES, { format: 'coco' }, async () => {});
    expect(readFileSync(join(tmp, 'streamed', 'annotations.json'), 'utf8')).toBe(FORMATS.coco.write([], BUSI_CATEGORIES)[0].content);

    const { images } = await extractBoxes(await discoverDataset(SAMPLE_BUSI));
    const [a, b, c, d] = images;
    for (const link of [false, true]) {
      const clash = streamUploadFolder(join(tmp, 'clash'), BUSI_CATEGORIES, { format: 'coco', link }, async (add) =>
        [a, b, { ...c, fileName: a.fileName }, d, { ...images[4], fileName: b.fileName }].forEach((img) => add(img)),
      );
      await expect(clash).rejects.toMatchObject({
        code: 'NAME_COLLISION',
        message: `2 upload name(s) used by two images; Datature matches annotations by file name, so rename one of each pair:\n  "${a.fileName}": ${a.path} and ${c.path}\n  "${b.fileName}": ${b.path} and ${images[4].path}`,
      });
      expect(readdirSync(tmp)).toEqual(['streamed']);
    }
    // x.png and x.jpg: two upload names, but one VOC file (x.xml) and one YOLO file (x.txt).
    const jpg = { ...b, fileName: a.fileName.replace(/\.png$/, '.jpg') };
    for (const [format, file] of [['voc', `annotations/${a.fileName.replace(/\.png$/, '.xml')}`], ['yolo', `labels/${a.fileName.replace(/\.png$/, '.txt')}`]] as const) {
      const shared = streamUploadFolder(join(tmp, 'clash'), BUSI_CATEGORIES, { format }, async (add) => [a, jpg].forEach((img) => add(img)));
      await expect(shared).rejects.toMatchObject({ code: 'NAME_COLLISION', message: expect.stringContaining(`"${file}": ${a.path} and ${b.path}`) });
      expect(readdirSync(tmp)).toEqual(['streamed']);
    }
    const both = await streamUploadFolder(join(tmp, 'both'), BUSI_CATEGORIES, { format: 'coco' }, async (add) => [a, jpg].forEach((img) => add(img)));
    expect(both.images).toBe(2); // COCO and CSV name images only by their upload names: no clash
  });

  test('CocoJsonWriter keeps characters whole across its 64 KiB copies of the annotations', () => {
    const path = join(tmp, 'wide.json');
    const w = new CocoJsonWriter(path, BUSI_CATEGORIES);
    const annotations = Array.from({ length: 400 }, (_, k) => ({ id: k + 1, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4] as [number, number, number, number], area: 12, iscrowd: 0 as const, note: `é日${'ü'.repeat(k % 97)}😀` }));
    w.addImage({ id: 1, file_name: 'x.png', width: 10, height: 10 }, annotations);
    w.commit();
    expect(JSON.parse(readFileSync(path, 'utf8')).annotations).toEqual(annotations);
  });

  test('openFileAtomic: nothing at the path until commit; abort leaves no trace', () => {
    const path = join(tmp, 'out.txt');
    const w = openFileAtomic(path);
    w.write('x'.repeat(100_000)); // past the buffer: part of it is on disk, under a temporary name
    expect(readdirSync(tmp)).not.toContain('out.txt');
    w.write('y\n');
    w.commit();
    w.abort(); // after commit: nothing to undo
    expect(readFileSync(path, 'utf8')).toBe(`${'x'.repeat(100_000)}y\n`);
    const v = openFileAtomic(join(tmp, 'other.txt'));
    v.write('z');
    v.abort();
    expect(readdirSync(tmp)).toEqual(['out.txt']);
  });
});

describe('readPredictionFiles', () => {
  test('reads JSON and CSV parts into one list, in the order given', () => {
    const a = join(tmp, 'a.json');
    const b = join(tmp, 'b.csv');
    writeFileSync(a, '[\n{"file_name":"x.png","image_id":1,"category_id":1,"label":"benign","bbox":[1,2,3,4],"score":0.9}\n]\n');
    writeFileSync(b, 'filename,xmin,ymin,width,height,label,score\ny.png,5,6,7,8,malignant,0.5\n');
    expect(readPredictionFiles([a, b])).toEqual([
      { file_name: 'x.png', image_id: 1, category_id: 1, label: 'benign', bbox: [1, 2, 3, 4], score: 0.9 },
      { file_name: 'y.png', label: 'malignant', bbox: [5, 6, 7, 8], score: 0.5 },
    ]);
    expect(() => readPredictionFiles([a, join(tmp, 'missing.json')])).toThrow(expect.objectContaining({ code: 'INPUT_NOT_FOUND', file: join(tmp, 'missing.json') }));
  });

  test('parts of 300 000 detections each (an archive-sized shard) are read and merged whole', () => {
    // More rows than a call can take as arguments: appending them with push(...rows) overflowed.
    const n = 300_000;
    const part = (first: number) =>
      `[\n${Array.from({ length: n }, (_, k) => JSON.stringify({ file_name: `s${first + k}.png`, image_id: first + k, category_id: 1, label: 'benign', bbox: [1, 2, 3, 4], score: 0.5 })).join(',\n')}\n]\n`;
    const [a, b] = [join(tmp, 'big-0.json'), join(tmp, 'big-1.json')];
    writeFileSync(a, part(n + 1));
    writeFileSync(b, part(1));
    const rows = readPredictionFiles([a, b]);
    expect(rows).toHaveLength(2 * n);
    const merged = mergeDetections([a, b]);
    expect(merged).toHaveLength(2 * n);
    expect([merged[0].image_id, merged[n].image_id, merged[2 * n - 1].image_id]).toEqual([1, n + 1, 2 * n]);
  }, 60_000);
});
