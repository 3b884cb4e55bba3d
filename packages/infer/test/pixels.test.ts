import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodePngPixels, encodeMaskPng } from '@bus-tools/core';
import { grayToRgb, resizePixels } from '@bus-tools/infer';
import { BUSI_DATASET, describeWithBusi } from '../../../fixtures/index.js';

// A 37x23 test card: gradients and a few sharp edges, different in each channel.
const W = 37;
const H = 23;
const card = (channels: number) => {
  const d = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < channels; c++) d[(y * W + x) * channels + c] = c === 3 ? (x * 7) & 255 : (x * 7 + y * 11 + c * 60 + (x > 20 ? 90 : 0)) & 255;
  return Buffer.from(d);
};

/** sharp's decode of the same file, as 8-bit RGB: the reference. */
async function sharpRgb(png: Buffer): Promise<Uint8Array> {
  return sharp(png).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer();
}

describe('decodePngPixels: the same pixels as sharp', () => {
  test.each([
    ['8-bit gray', () => sharp(card(1), { raw: { width: W, height: H, channels: 1 } }).png().toBuffer(), 1],
    ['16-bit gray', () => sharp(card(1), { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer(), 1],
    ['gray + alpha', () => sharp(card(2), { raw: { width: W, height: H, channels: 2 } }).png().toBuffer(), 1],
    ['RGB', () => sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer(), 3],
    ['RGBA (alpha dropped, not blended)', () => sharp(card(4), { raw: { width: W, height: H, channels: 4 } }).png().toBuffer(), 3],
    ['16-bit RGB', () => sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).toColourspace('rgb16').png().toBuffer(), 3],
    ['palette, 8-bit', () => sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: 200, dither: 0 }).toBuffer(), 3],
    ['palette, 2-bit', () => sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: 4, dither: 0 }).toBuffer(), 3],
    ['RGB stored gray (R = G = B)', () => sharp(grayToRgb(card(1)), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer(), 1],
    ['1-bit gray', async () => encodeMaskPng(card(1).map((v) => (v > 128 ? 1 : 0)), W, H, 'gray1'), 1],
  ] as const)('%s', async (_name, make, channels) => {
    const png = await make();
    const px = decodePngPixels(png)!;
    expect([px.width, px.height, px.channels]).toEqual([W, H, channels]);
    const rgb = px.channels === 1 ? grayToRgb(px.data) : px.data;
    expect(Buffer.from(rgb).equals(Buffer.from(await sharpRgb(png)))).toBe(true);
  });

  test.each([
    ['interlaced (Adam7)', () => sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).png({ progressive: true }).toBuffer()],
    ['with an ICC profile', () => sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).withIccProfile('p3').png().toBuffer()],
  ])('%s: left to sharp (undefined)', async (_name, make) => {
    expect(decodePngPixels(await make())).toBeUndefined();
  });

  test('a truncated PNG is a BAD_PNG error naming the file', async () => {
    const png = await sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
    expect(() => decodePngPixels(png.subarray(0, 60), 'x.png')).toThrow(expect.objectContaining({ code: 'BAD_PNG', message: expect.stringMatching(/^x\.png: truncated PNG/) }));
  });
});

describe('resizePixels', () => {
  test.each([
    // src, sw, sh, channels, dw, dh, expected
    ['upscale 2→4: pixel centres, edges held', [0, 255], 2, 1, 1, 4, 1, [0, 64, 191, 255]],
    ['downscale 4→2: every source pixel counts', [10, 20, 30, 40], 4, 1, 1, 2, 1, [17, 33]],
    ['same size: a copy', [1, 2, 3, 4, 5, 6], 2, 1, 3, 2, 1, [1, 2, 3, 4, 5, 6]],
    ['vertical upscale', [0, 200], 1, 2, 1, 1, 4, [0, 50, 150, 200]],
    ['channels stay apart', [255, 0, 0, 0, 0, 255], 2, 1, 3, 1, 1, [128, 0, 128]],
  ])('%s', (_name, src, sw, sh, channels, dw, dh, expected) => {
    expect(Array.from(resizePixels(new Uint8Array(src), sw, sh, channels, dw, dh))).toEqual(expected);
  });

  test.each([
    [37, 23, 320, 320],
    [562, 471, 640, 640],
    [562, 471, 320, 320],
    [5, 900, 3, 7],
  ])('a flat %ix%i image stays flat at %ix%i', (sw, sh, dw, dh) => {
    const out = resizePixels(new Uint8Array(sw * sh * 3).fill(77), sw, sh, 3, dw, dh);
    expect(out.length).toBe(dw * dh * 3);
    expect(out.every((v) => v === 77)).toBe(true);
  });

  test('close to sharp\'s linear resize when shrinking', async () => {
    const [sw, sh] = [200, 150];
    const src = new Uint8Array(sw * sh);
    for (let i = 0; i < src.length; i++) src[i] = ((i % sw) * 3 + Math.floor(i / sw) * 5) & 255;
    const ref = await sharp(src, { raw: { width: sw, height: sh, channels: 1 } }).resize(64, 48, { fit: 'fill', kernel: 'linear' }).extractChannel(0).raw().toBuffer();
    const ours = resizePixels(src, sw, sh, 1, 64, 48);
    expect(ref.length).toBe(ours.length);
    let diff = 0;
    for (let i = 0; i < ref.length; i++) diff += Math.abs(ref[i] - ours[i]);
    expect(diff / ref.length).toBeLessThan(1); // same filter family (measured: 0.23)
  });
});

describeWithBusi('decodePngPixels on BUSI', () => {
  test('every image of the first 30 of each class: identical to sharp', async () => {
    let gray = 0;
    let n = 0;
    for (const cls of ['benign', 'malignant', 'normal']) {
      const dir = join(BUSI_DATASET, cls);
      for (const name of readdirSync(dir).filter((f) => !f.includes('_mask')).slice(0, 30)) {
        const png = readFileSync(join(dir, name));
        const px = decodePngPixels(png, name)!;
        expect(px).toBeDefined();
        if (px.channels === 1) gray++;
        const rgb = px.channels === 1 ? grayToRgb(px.data) : px.data;
        expect(Buffer.from(rgb).equals(Buffer.from(await sharpRgb(png)))).toBe(true);
        n++;
      }
    }
    expect(n).toBe(90);
    expect(gray).toBeGreaterThan(80); // BUSI stores gray scans as RGB
  });
});
