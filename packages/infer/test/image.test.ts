import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { classColour, decodeForModel, detectionOverlays, tagText, writeAnnotated } from '@bus-tools/infer';

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

  test('an undecodable file is a BAD_IMAGE error naming it', async () => {
    const file = join(tmp, 'broken.png');
    writeFileSync(file, 'not an image');
    await expect(decodeForModel(file, 8, 8)).rejects.toMatchObject({ code: 'BAD_IMAGE', file, message: expect.stringMatching(/broken\.png: not a readable image \(.+\); skipped$/) });
  });
});

describe('drawing', () => {
  test('one overlay per detection, as large as its box and tag, with the tag text escaped', () => {
    const o = detectionOverlays([{ xyxy: [100, 60, 200, 140], score: 0.934, classId: 2, label: 'a<b' }], 400, 300);
    expect(o).toHaveLength(1);
    expect(o[0]).toMatchObject({ left: 99, top: 44, width: 102, height: 97 }); // tag (font 11 → 15 px high) above the box: 60 - 15 - 1
    expect(o[0].svg).toContain('>a&lt;b 0.93</text>');
    expect(o[0].svg).toContain(`stroke="${classColour(2)}"`);
  });

  test('a box at the top edge gets its tag inside; tags never leave the image', () => {
    const [o] = detectionOverlays([{ xyxy: [380, 0, 400, 30], score: 0.5, classId: 1, label: 'benign' }], 400, 300);
    expect(o.top).toBe(0);
    expect(o.left + o.width).toBeLessThanOrEqual(400);
    expect(tagText({ xyxy: [0, 0, 1, 1], classId: 3 })).toBe('class 3');
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
