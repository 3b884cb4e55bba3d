import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUSI_CATEGORIES,
  discoverDataset,
  EXPORT_FORMATS,
  extractBoxes,
  FORMATS,
  fromCoco,
  fromDatatureCsv,
  fromVoc,
  fromYolo,
  toCoco,
  toDatatureCsv,
  toVoc,
  toYolo,
  writeUploadFolder,
  type AnnotatedImage,
} from '@bus-tools/core';
import { SAMPLE_BUSI } from '../../../../fixtures/index.js';

const IMG: AnnotatedImage = {
  fileName: 'benign (1).png',
  label: 'benign',
  width: 562,
  height: 471,
  boxes: [{ xyxy: [288, 134, 339, 160], label: 'benign', classId: 1, area: 1057 }],
};

describe('Datature CSV', () => {
  test('Width-Height row for the published benign (1) box', () => {
    expect(toDatatureCsv([IMG])).toBe('filename,xmin,ymin,width,height,label\nbenign (1).png,288,134,51,26,benign\n');
  });

  test('Four-Corner row has xmax = xmin + width', () => {
    expect(toDatatureCsv([IMG], 'four-corner')).toBe('filename,xmin,ymin,xmax,ymax,label\nbenign (1).png,288,134,339,160,benign\n');
  });

  test('odd file names are quoted (RFC 4180) and read back unchanged', () => {
    const names = ['a,b.png', 'say "hi".png', '=cmd.png', 'line\nbreak.png', 'ünïcode (1).png'];
    const images = names.map((fileName, i) => ({ ...IMG, fileName, boxes: [{ ...IMG.boxes[0], xyxy: [i, i, i + 5, i + 6] as [number, number, number, number] }] }));
    const csv = toDatatureCsv(images);
    expect(csv).toContain('"a,b.png"');
    expect(csv).toContain('"say ""hi"".png"');
    const back = fromDatatureCsv(csv);
    expect(back.layout).toBe('width-height');
    expect(back.images.map((i) => [i.fileName, i.boxes[0].xyxy])).toEqual(images.map((i) => [i.fileName, i.boxes[0].xyxy]));
  });

  test.each([
    ['an unknown header', 'name,x,y,w,h,label\n', /header "name,x,y,w,h,label" is not a Datature bounding-box CSV/],
    ['an empty file', '', /empty file; expected a header row/],
    ['a non-numeric value', 'filename,xmin,ymin,width,height,label\na.png,1,2,three,4,benign\n', /row 2 has a non-numeric coordinate/],
    [
      'Width-Height numbers under a Four-Corner header',
      'filename,xmin,ymin,xmax,ymax,label\nbenign (13).png,182,107,355,198,benign\nbenign (1).png,288,134,51,26,benign\n',
      /row 3 has a negative box size \(is this a Width-Height file with a Four-Corner header\?\)/,
    ],
  ])('refuses %s, naming the file', (_n, text, message) => {
    expect(() => fromDatatureCsv(text, 'boxes.csv')).toThrow(message);
    expect(() => fromDatatureCsv(text, 'boxes.csv')).toThrow(/^boxes\.csv: /);
  });

  test('reads a score column (predictions)', () => {
    const { images } = fromDatatureCsv('filename,xmin,ymin,width,height,label,score\na.png,1,2,3,4,benign,0.75\n');
    expect(images[0].boxes).toEqual([{ xyxy: [1, 2, 4, 6], label: 'benign', score: 0.75 }]);
  });
});

describe('COCO, VOC, YOLO convert and read back', () => {
  test('COCO: bbox [x,y,w,h], area = lesion pixels, iscrowd 0, image sizes', () => {
    const coco = toCoco([IMG], BUSI_CATEGORIES);
    expect(coco.images).toEqual([{ id: 1, file_name: 'benign (1).png', width: 562, height: 471 }]);
    expect(coco.annotations).toEqual([{ id: 1, image_id: 1, category_id: 1, bbox: [288, 134, 51, 26], area: 1057, iscrowd: 0 }]);
    expect(coco.categories.map((c) => [c.id, c.name])).toEqual([[1, 'benign'], [2, 'malignant']]);
    const back = fromCoco(JSON.parse(JSON.stringify(coco)));
    expect(back.images[0].boxes).toEqual([{ xyxy: [288, 134, 339, 160], classId: 1, label: 'benign', area: 1057 }]);
  });

  test('VOC is 1-based: pixel columns 288…338 are xmin 289, xmax 339', () => {
    const xml = toVoc(IMG);
    expect(xml).toContain('<xmin>289</xmin>');
    expect(xml).toContain('<xmax>339</xmax>');
    expect(xml).toContain('<ymin>135</ymin>');
    expect(xml).toContain('<width>562</width>');
    expect(fromVoc(xml).boxes).toEqual([{ xyxy: [288, 134, 339, 160], label: 'benign' }]);
    expect(fromVoc(toVoc({ ...IMG, fileName: 'a & <b>.png' })).fileName).toBe('a & <b>.png');
  });

  test('YOLO: normalized centre and size, class index from the class list', () => {
    const txt = toYolo(IMG, BUSI_CATEGORIES);
    const [k, cx, cy, w, h] = txt.trim().split(' ').map(Number);
    expect(k).toBe(0);
    expect(cx).toBeCloseTo(313.5 / 562, 8);
    expect(cy).toBeCloseTo(147 / 471, 8);
    expect(w).toBeCloseTo(51 / 562, 8);
    expect(h).toBeCloseTo(26 / 471, 8);
    expect(fromYolo(txt, 562, 471, ['benign', 'malignant'])).toEqual([{ xyxy: [288, 134, 339, 160], label: 'benign', classId: 1 }]);
    expect(() => fromYolo('7 0.5 0.5 0.1 0.1\n', 10, 10, ['benign'], 'x.txt')).toThrow(/x\.txt: line 1 is not "class cx cy w h" with a known class/);
  });
});

describe('upload folders: every format reads back to the boxes it was written from', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'bus-upload-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test.each(EXPORT_FORMATS)('%s', async (format) => {
    const { images, categories } = await extractBoxes(await discoverDataset(SAMPLE_BUSI), { includeNormal: true });
    const dir = join(out, format);
    const result = await writeUploadFolder(dir, images, categories, { format });
    expect(result.images).toBe(11);
    const files = readdirSync(join(dir, 'images'));
    expect(files).toHaveLength(11);
    expect(files.some((f) => f.includes('_mask'))).toBe(false);
    expect(readFileSync(join(dir, 'images', 'benign (4).png'))).toEqual(readFileSync(join(SAMPLE_BUSI, 'benign', 'benign (4).png')));
    const upload = readFileSync(join(dir, 'UPLOAD.md'), 'utf8');
    expect(upload).toContain(`**${FORMATS[format].datatureOption}**`);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no temp folders left

    const back = await FORMATS[format].read(dir);
    const boxesOf = (list: AnnotatedImage[]) =>
      Object.fromEntries(list.filter((i) => i.boxes.length).map((i) => [i.fileName, i.boxes.map((b) => [...b.xyxy, b.label])]));
    expect(boxesOf(back)).toEqual(boxesOf(images));
    if (format === 'coco' || format === 'voc' || format === 'yolo') {
      const sizes = (list: AnnotatedImage[]) => Object.fromEntries(list.map((i) => [i.fileName, [i.width, i.height]]));
      expect(sizes(back)).toEqual(sizes(images));
    }
  });

  test('a failed build leaves no folder and no temp folder behind', async () => {
    const dir = join(out, 'broken');
    const img = { ...IMG, path: join(out, 'gone', 'does-not-exist.png') };
    await expect(writeUploadFolder(dir, [img], BUSI_CATEGORIES, { format: 'coco' })).rejects.toThrow(/does-not-exist\.png: cannot be copied/);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(out).filter((f) => f.includes('broken'))).toEqual([]);
  });

  test('two images with one upload name are refused before anything is written', async () => {
    const a = { ...IMG, path: '/data/benign/x.png', fileName: 'x.png' };
    const b = { ...IMG, path: '/data/malignant/x.png', fileName: 'x.png' };
    await expect(writeUploadFolder(join(out, 'clash'), [a, b], BUSI_CATEGORIES, { format: 'coco' })).rejects.toThrow(
      /1 upload name\(s\) used by two images.*\n.*"x\.png": \/data\/benign\/x\.png and \/data\/malignant\/x\.png/,
    );
    expect(existsSync(join(out, 'clash'))).toBe(false);
  });

  test('an existing folder that is not empty is replaced only with force', async () => {
    const img = { ...IMG, path: join(SAMPLE_BUSI, 'benign', 'benign (1).png') };
    const dir = join(out, 'existing');
    mkdirSync(dir);
    await writeUploadFolder(dir, [img], BUSI_CATEGORIES, { format: 'coco' }); // empty: nothing to lose
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(writeUploadFolder(dir, [img], BUSI_CATEGORIES, { format: 'coco' })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: `the upload folder ${dir} already exists; pass --force to replace it, or choose another name.`,
    });
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    writeFileSync(join(out, 'a-file'), '');
    await expect(writeUploadFolder(join(out, 'a-file'), [img], BUSI_CATEGORIES, { format: 'coco', force: true })).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await writeUploadFolder(dir, [img], BUSI_CATEGORIES, { format: 'coco', force: true });
    expect(readdirSync(dir).sort()).toEqual(['UPLOAD.md', 'annotations.json', 'images']);
  });

  test('a folder the images come from, or one holding it, is refused even with force, through links too', async () => {
    const data = join(out, 'data');
    cpSync(SAMPLE_BUSI, data, { recursive: true });
    symlinkSync(data, join(out, 'data-link'));
    const img = { ...IMG, path: join(data, 'benign', 'benign (1).png') };
    for (const dir of [join(data, 'benign', 'upload'), join(out, 'data-link', 'benign'), join(out, 'data-link')]) {
      await expect(writeUploadFolder(dir, [img], BUSI_CATEGORIES, { format: 'coco', force: true })).rejects.toMatchObject({ code: 'OUTPUT_OVERLAPS_INPUT' });
    }
    expect(readdirSync(join(data, 'benign'))).toEqual(readdirSync(join(SAMPLE_BUSI, 'benign')));
  });
});
