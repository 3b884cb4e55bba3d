import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { jpegClaiming, pngClaiming } from '../../../fixtures/png-encode.js';
import { classColour, decodeForModel, drawLayouts, glyphAtlas, layoutDetections, tagText, writeAnnotated } from '@bus-tools/infer';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-infer-image-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hex = (c: string) => c.match(/[0-9a-f]{2}/gi)!.map((h) => parseInt(h, 16));
const pixel = (data: Uint8Array, width: number, x: number, y: number) => [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];

describe('decodeForModel', () => {
  // 40x20 images: left half value 200, right half 50 (in each encoding's own range).
  const halves = (channels: number, max: number) => {
    const data = new Uint8Array(40 * 20 * channels);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) for (let c = 0; c < channels; c++) data[(y * 40 + x) * channels + c] = c === 3 ? max : Math.round(((x < 20 ? 200 : 50) / 255) * max);
    return { data };
  };

  test.each([
    ['8-bit gray', async (f: string) => sharp(Buffer.from(halves(1, 255).data), { raw: { width: 40, height: 20, channels: 1 } }).png().toFile(f)],
    ['16-bit gray', async (f: string) => sharp(Buffer.from(halves(1, 255).data), { raw: { width: 40, height: 20, channels: 1 } }).toColourspace('grey16').png().toFile(f)],
    ['RGBA', async (f: string) => sharp(Buffer.from(halves(4, 255).data), { raw: { width: 40, height: 20, channels: 4 } }).png().toFile(f)],
    ['palette', async (f: string) => sharp(Buffer.from(halves(3, 255).data), { raw: { width: 40, height: 20, channels: 3 } }).png({ palette: true }).toFile(f)],
    ['JPEG', async (f: string) => sharp(Buffer.from(halves(3, 255).data), { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 100 }).toFile(f)],
  ])('%s → 8-bit RGB, full size kept, stretched copy for the model', async (name, make) => {
    const file = join(tmp, `${name}.${name === 'JPEG' ? 'jpg' : 'png'}`);
    await make(file);
    const img = await decodeForModel(file, 8, 8);
    expect([img.width, img.height, img.pixels.length, img.rgb.length]).toEqual([40, 20, 40 * 20 * 3, 8 * 8 * 3]);
    for (const [x, want] of [[2, 200], [37, 50]]) pixel(img.pixels, 40, x, 10).forEach((v) => expect(Math.abs(v - want)).toBeLessThanOrEqual(3));
    for (const [x, want] of [[0, 200], [7, 50]]) pixel(img.rgb, 8, x, 4).forEach((v) => expect(Math.abs(v - want)).toBeLessThanOrEqual(3));
  });

  test('EXIF orientation is applied: width and height swap for a rotated JPEG', async () => {
    const file = join(tmp, 'rotated.jpg');
    await sharp({ create: { width: 30, height: 10, channels: 3, background: '#808080' } }).jpeg().withMetadata({ orientation: 6 }).toFile(file);
    const img = await decodeForModel(file, 16, 16);
    expect([img.width, img.height]).toEqual([10, 30]);
  });

  test('content that is no image format is UNSUPPORTED_FORMAT, whatever its name', async () => {
    const file = join(tmp, 'text.png');
    writeFileSync(file, 'not an image');
    await expect(decodeForModel(file, 8, 8)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', file, message: expect.stringMatching(/text\.png: not an image format bus-tools reads/) });
  });

  test('a truncated PNG is a BAD_IMAGE error naming it', async () => {
    const file = join(tmp, 'cut.png');
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } }).png().toBuffer();
    writeFileSync(file, png.subarray(0, png.length - 20));
    await expect(decodeForModel(file, 8, 8)).rejects.toMatchObject({ code: 'BAD_IMAGE', file, message: expect.stringMatching(/cut\.png: truncated PNG/) });
  });

  test.each([
    ['PNG', 'big.png', () => pngClaiming(20000, 20000)],
    ['JPEG', 'big.jpg', () => jpegClaiming(20000, 20000)],
  ])('a %s header claiming 20000 x 20000 is refused at once (IMAGE_TOO_LARGE), nothing decoded', async (_name, name, make) => {
    const file = join(tmp, name);
    writeFileSync(file, make());
    const t0 = performance.now();
    await expect(decodeForModel(file, 8, 8)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', file, message: expect.stringContaining(`${file}: 20000x20000 = 400000000 pixels, more than the limit of 268402689`) });
    expect(performance.now() - t0).toBeLessThan(1000);
    await expect(decodeForModel(file, 8, 8, { maxPixels: 1000 })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', message: expect.stringContaining('more than the limit of 1000 (maxPixels)') });
  });

  test('maxPixels applies to images of every format', async () => {
    const file = join(tmp, 'small.jpg');
    await sharp(Buffer.from(halves(3, 255).data), { raw: { width: 40, height: 20, channels: 3 } }).jpeg().toFile(file);
    await expect(decodeForModel(file, 8, 8, { maxPixels: 800 })).resolves.toMatchObject({ width: 40, height: 20 });
    await expect(decodeForModel(file, 8, 8, { maxPixels: 799 })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    const webp = join(tmp, 'small.webp');
    await sharp(Buffer.from(halves(3, 255).data), { raw: { width: 40, height: 20, channels: 3 } }).webp().toFile(webp);
    await expect(decodeForModel(webp, 8, 8, { maxPixels: 799 })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  test('a JPEG named .png is read as the JPEG it is', async () => {
    const file = join(tmp, 'really-a-jpeg.png');
    await sharp(Buffer.from(halves(3, 255).data), { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 100 }).toFile(file);
    const img = await decodeForModel(file, 8, 8);
    expect([img.width, img.height]).toEqual([40, 20]);
    pixel(img.pixels, 40, 2, 10).forEach((v) => expect(Math.abs(v - 200)).toBeLessThanOrEqual(3));
  });
});

describe('drawing', () => {
  test('box and tag geometry: the tag above the box, as wide as its text', () => {
    const [b] = layoutDetections([{ xyxy: [100.4, 60.2, 199.6, 140], score: 0.934, classId: 2, label: 'a<b' }], 400, 300);
    // 400x300: font 11 px → cells 7x15, padding 3; "a<b 0.93" is 8 cells
    expect(b).toEqual({ x1: 100, y1: 60, x2: 200, y2: 140, tagX: 100, tagY: 45, tagW: 62, tagH: 15, text: 'a<b 0.93', colour: classColour(2), score: 0.934 });
  });

  test.each([
    ['at the top edge: the tag goes inside the box', { xyxy: [100, 0, 200, 30] }, { tagY: 0 }],
    ['at the right edge: the tag is pulled left into the image', { xyxy: [380, 100, 400, 130] }, { tagX: 400 - 7 * 11 - 6 }],
    ['partly outside the image: the box is clipped', { xyxy: [-5, 250, 420, 310] }, { x1: 0, x2: 400, y2: 300 }],
  ])('%s', (_name, box, want) => {
    const [b] = layoutDetections([{ ...(box as { xyxy: [number, number, number, number] }), score: 0.5, classId: 1, label: 'benign' }], 400, 300);
    expect(b).toMatchObject(want);
    expect(b.tagX).toBeGreaterThanOrEqual(0);
    expect(b.tagX + b.tagW).toBeLessThanOrEqual(400);
    expect(b.tagY + b.tagH).toBeLessThanOrEqual(300);
  });

  test('tag text: label and score, or class N without a label', () => {
    expect(tagText({ xyxy: [0, 0, 1, 1], classId: 3 })).toBe('class 3');
    expect(tagText({ xyxy: [0, 0, 1, 1], classId: 1, label: 'benign', score: 0.905 })).toBe('benign 0.91');
  });

  test('glyphs: rendered once per font size, ink inside the cell, a space blank', async () => {
    const a = await glyphAtlas(16, ['B 8']);
    expect([a.cellW, a.cellH]).toEqual([10, 22]);
    const ink = (c: string) => a.glyphs.get(c)!.reduce((n, v) => n + (v > 128 ? 1 : 0), 0);
    expect(ink('B')).toBeGreaterThan(20);
    expect(ink('8')).toBeGreaterThan(20);
    expect(ink(' ')).toBe(0);
    expect(await glyphAtlas(16, ['B'])).toBe(a); // cached
    expect(a.glyphs.get('B')).toBe((await glyphAtlas(16, ['8B'])).glyphs.get('B'));
  });

  test('drawLayouts: colour line, dark outline on both sides, black text on the tag', async () => {
    const [w, h] = [200, 150];
    const px = new Uint8Array(w * h * 3).fill(128);
    const layouts = layoutDetections([{ xyxy: [40, 50, 120, 110], score: 0.88, classId: 1, label: 'benign' }], w, h);
    drawLayouts(px, w, h, layouts, 2, await glyphAtlas(11, layouts.map((l) => l.text)));
    const at = (x: number, y: number) => pixel(px, w, x, y);
    const colour = hex(classColour(1));
    expect([at(40, 80), at(41, 80), at(119, 80), at(80, 109)]).toEqual([colour, colour, colour, colour]);
    expect(at(39, 80)).toEqual([38, 38, 38]); // outline: 70 % black over 128
    expect(at(42, 80)).toEqual([38, 38, 38]);
    expect(at(43, 80)).toEqual([128, 128, 128]); // inside: untouched
    const { tagX, tagY, tagW, tagH } = layouts[0];
    let dark = 0;
    for (let y = tagY; y < tagY + tagH; y++) for (let x = tagX; x < tagX + tagW; x++) if (at(x, y)[0] < 60) dark++;
    expect(dark).toBeGreaterThan(30); // the text
    expect(at(tagX, tagY)).toEqual(colour); // the tag's corner: background colour
  });

  test('writeAnnotated: the strongest tag ends on top of weaker ones, and no box covers a tag', async () => {
    const [w, h] = [300, 200];
    const out = join(tmp, 'overlap.png');
    // as predict lists them: strongest first; a weak benign box almost where the malignant one is,
    // and a weak box whose tag the strong box's top edge runs through
    await writeAnnotated(
      new Uint8Array(w * h * 3).fill(128),
      w,
      h,
      [
        { xyxy: [40, 50, 140, 120], score: 0.85, classId: 2, label: 'malignant' },
        { xyxy: [42, 52, 138, 118], score: 0.06, classId: 1, label: 'benign' },
        { xyxy: [180, 70, 260, 150], score: 0.1, classId: 1, label: 'benign' },
        { xyxy: [170, 60, 290, 190], score: 0.9, classId: 2, label: 'malignant' },
      ],
      out,
    );
    const { data } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => pixel(data, w, x, y);
    // 300x200: font 11, tags 15 px high with 3 px padding, 15 px above each box.
    // (42, 40) lies in both first tags (malignant 40…, 35–49; benign 42…, 37–51), in the padding left of the text
    expect(at(42, 40)).toEqual(hex(classColour(2)));
    expect(at(41, 45)).toEqual(hex(classColour(2)));
    // the 0.9 box's top edge (y 60–61) crosses the 0.1 tag (y 55–69): the tag stays whole
    expect(at(181, 60)).toEqual(hex(classColour(1)));
    expect(at(175, 60)).toEqual(hex(classColour(2))); // the edge itself, left of the tag
  });

  test('writeAnnotated: the class colour on the box edge, the gray image elsewhere, written atomically', async () => {
    const [w, h] = [300, 200];
    const pixels = new Uint8Array(w * h * 3).fill(128);
    const out = join(tmp, 'annotated', 'scan.png');
    mkdirSync(join(tmp, 'annotated'));
    await writeAnnotated(pixels, w, h, [{ xyxy: [50, 60, 150, 160], score: 0.9, classId: 1, label: 'benign' }, { xyxy: [170, 40, 260, 120], score: 0.8, classId: 2, label: 'malignant' }], out);
    expect(readdirSync(join(tmp, 'annotated'))).toEqual(['scan.png']);
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([w, h, 3]);
    const at = (x: number, y: number) => pixel(data, w, x, y);
    // line width max(2, 200/200) = 2: the coloured line covers x 50..51 on the left edge
    expect(at(50, 110)).toEqual(hex(classColour(1)));
    expect(at(170, 80)).toEqual(hex(classColour(2)));
    expect(at(100, 110)).toEqual([128, 128, 128]); // inside the box: untouched
    expect(at(5, 190)).toEqual([128, 128, 128]);
    expect(at(52, 50)).toEqual(hex(classColour(1))); // the tag above the first box
  });
});
