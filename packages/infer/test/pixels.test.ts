import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodePngPixels } from '@bus-tools/core';
import { grayToRgb, resizePixels } from '@bus-tools/infer';
import { BUSI_DATASET, describeWithBusi } from '../../../fixtures/index.js';
import { encodeMaskPng } from '../../../fixtures/png-encode.js';

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

  test('a truncated PNG is a BAD_IMAGE error naming the file', async () => {
    const png = await sharp(card(3), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
    expect(() => decodePngPixels(png.subarray(0, 60), 'x.png')).toThrow(expect.objectContaining({ code: 'BAD_IMAGE', message: expect.stringMatching(/^x\.png: truncated PNG/) }));
  });
});

/**
 * A non-interlaced PNG of `raw` samples (`channels` × `depth` bits), each row written with the filter
 * `filterOf(y)` applied here, so every unfiltering path is exercised (encoders pick filters themselves).
 */
function pngWithFilters(raw: Uint8Array, width: number, height: number, colorType: 0 | 2 | 4 | 6, depth: 8 | 16, filterOf: (y: number) => number): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const bpp = (channels * depth) / 8;
  const stride = width * bpp;
  const out = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filterOf(y);
    out[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? raw[y * stride + i - bpp] : 0;
      const b = y > 0 ? raw[(y - 1) * stride + i] : 0;
      const c = i >= bpp && y > 0 ? raw[(y - 1) * stride + i - bpp] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      out[y * (stride + 1) + 1 + i] = (raw[y * stride + i] - pred) & 255;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(out)), chunk('IEND', Buffer.alloc(0))]);
}

describe('decodePngPixels: every PNG row filter, for every pixel size', () => {
  let seed = 99;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
  // Rows cycle through None, Sub, Up, Average, Paeth, starting at a different filter each case, so
  // each filter also meets the first row (no row above) and a row after each other filter.
  const cases = [
    ['8-bit gray', 0, 8],
    ['gray + alpha', 4, 8],
    ['RGB', 2, 8],
    ['RGBA', 6, 8],
    ['16-bit RGB', 2, 16],
    ['16-bit RGBA', 6, 16],
  ] as const;
  test.each(cases.flatMap(([name, colorType, depth]) => [0, 1, 2, 3, 4].map((first) => [name, first, colorType, depth] as const)))(
    '%s, first row filter %i',
    async (_name, first, colorType, depth) => {
      const [w, h] = [29, 11];
      const bytes = w * h * { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType] * (depth / 8);
      const raw = Uint8Array.from({ length: bytes }, rand);
      const png = pngWithFilters(raw, w, h, colorType, depth, (y) => (first + y) % 5);
      const px = decodePngPixels(png)!;
      const rgb = px.channels === 1 ? grayToRgb(px.data) : px.data;
      expect(Buffer.from(rgb).equals(Buffer.from(await sharpRgb(png)))).toBe(true);
    },
  );

  test.each([0, 1, 2, 3, 4].flatMap((f) => [[2, f], [6, f]] as const))(
    'colour type %i storing gray, filter %i: comes back gray; G or B apart in the last pixel makes it RGB',
    async (colorType, f) => {
      const [w, h] = [17, 9];
      const step = colorType === 6 ? 4 : 3;
      const g = Uint8Array.from({ length: w * h }, rand);
      const raw = new Uint8Array(w * h * step);
      for (let i = 0; i < w * h; i++) {
        raw.fill(g[i], i * step, i * step + 3);
        if (step === 4) raw[i * step + 3] = rand(); // alpha: not part of the gray test
      }
      const px = decodePngPixels(pngWithFilters(raw, w, h, colorType, 8, () => f))!;
      expect(px.channels).toBe(1);
      expect(Array.from(px.data)).toEqual(Array.from(g));
      for (const channel of [1, 2]) {
        const odd = raw.slice();
        odd[odd.length - step + channel] ^= 1; // G, then B, of the last pixel
        const png = pngWithFilters(odd, w, h, colorType, 8, () => f);
        const rgb = decodePngPixels(png)!;
        expect(rgb.channels).toBe(3);
        expect(Buffer.from(rgb.data).equals(Buffer.from(await sharpRgb(png)))).toBe(true);
      }
    },
  );
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

  // Seeded noise in which every pixel differs from its neighbours, so any mistake in a tap shows.
  const noise = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (Math.imul(i + seed, 2654435761) >>> 24) & 255);
  const transpose = (src: Uint8Array, w: number, h: number) => {
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + y] = src[y * w + x];
    return out;
  };
  // Scale factors that give 2 (upscaling), 3, 4, 5 and 8 taps, so each unrolled loop is compared.
  const scales = [
    [41, 57],
    [41, 30],
    [41, 22],
    [41, 17],
    [41, 11],
  ] as const;

  test.each(scales)('one channel %i → %i: the unrolled loops equal the general one (a channel of RGB)', (from, to) => {
    const gray = noise(from * 13, from);
    const one = resizePixels(gray, from, 13, 1, to, 9);
    const rgb = resizePixels(grayToRgb(gray), from, 13, 3, to, 9);
    expect(Array.from(one)).toEqual(Array.from(rgb.filter((_, i) => i % 3 === 0)));
  });

  test.each(scales)('rows %i → %i resize as the transposed columns do (vertical pass = horizontal pass)', (from, to) => {
    const src = noise(7 * from, to); // 7 wide, `from` tall
    const down = resizePixels(src, 7, from, 1, 7, to);
    const across = resizePixels(transpose(src, 7, from), from, 7, 1, to, 7);
    expect(Array.from(down)).toEqual(Array.from(transpose(across, to, 7)));
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
