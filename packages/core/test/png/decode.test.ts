import sharp from 'sharp';
import { components, decodeMaskPng, readPngHeader, runsFromPixels } from '@bus-tools/core';
import { encodeMaskPng, type MaskEncoding } from '../../../../fixtures/png-encode.js';

// A 13×6 mask: a blob touching the left border, a diagonal pair, and a pixel in the last column
// (13 columns: the 1-bit rows do not end on a byte boundary).
const W = 13;
const H = 6;
const ROWS = [
  '##...........',
  '###......#...',
  '##......#....',
  '............#',
  '.....###.....',
  '.....#.#....#',
];
const PIXELS = Uint8Array.from(ROWS.join('').split(''), (c) => (c === '#' ? 1 : 0));
const EXPECTED = components(runsFromPixels(PIXELS, W, H));

describe('decodeMaskPng: every encoding gives the same lesion pixels', () => {
  test('the drawn mask has the components we expect', () => {
    expect(EXPECTED.map((c) => c.xyxy)).toEqual([
      [0, 0, 3, 3],
      [8, 1, 10, 3],
      [12, 3, 13, 4],
      [5, 4, 8, 6],
      [12, 5, 13, 6],
    ]);
  });

  test.each<[MaskEncoding, number | undefined]>([
    ['gray1', undefined],
    ['gray8', 255],
    ['gray8', 1], // "any non-zero pixel", not "== 255"
    ['gray16', 65535],
    ['gray16', 1], // would vanish if 16-bit were scaled down to 8 bits
    ['rgb8', 255],
    ['rgba8', 255],
  ])('%s with lesion value %s', (encoding, value) => {
    const png = encodeMaskPng(PIXELS, W, H, encoding, { value });
    expect(readPngHeader(png).width).toBe(W);
    expect(components(decodeMaskPng(png))).toEqual(EXPECTED);
  });

  test('RGBA: alpha is not a lesion signal, and fully transparent pixels are background', () => {
    const zero = new Uint8Array(W * H);
    // BUSI's two RGBA masks: alpha 255 everywhere; a black opaque image has no lesion
    expect(components(decodeMaskPng(encodeMaskPng(zero, W, H, 'rgba8', { alpha: 255 })))).toEqual([]);
    expect(components(decodeMaskPng(encodeMaskPng(PIXELS, W, H, 'rgba8', { alpha: 0 })))).toEqual([]);
  });

  const sharpRaw = () => sharp(Buffer.from(PIXELS.map((p) => p * 255)), { raw: { width: W, height: H, channels: 1 } });
  test.each([
    ['sharp 8-bit gray', () => sharpRaw().toColourspace('b-w').png(), { colorType: 0, bitDepth: 8 }],
    ['sharp palette 2-bit', () => sharpRaw().png({ palette: true, colours: 4 }), { colorType: 3, bitDepth: 2 }],
    // sharp's png() has no bitdepth option: a 2-colour palette is what makes it write 1 bit per pixel
    ['sharp palette 1-bit', () => sharpRaw().png({ palette: true, colours: 2 }), { colorType: 3, bitDepth: 1 }],
    ['sharp Adam7 interlaced', () => sharpRaw().png({ progressive: true }), { interlaced: true }],
    ['sharp 16-bit gray', () => sharpRaw().toColourspace('grey16').png(), { colorType: 0, bitDepth: 16 }],
    ['sharp RGB with adaptive filtering', () => sharpRaw().toColourspace('srgb').png({ adaptiveFiltering: true }), { colorType: 2 }],
  ])('%s (written by libvips/libpng)', async (_name, make, header) => {
    const png = await make().toBuffer();
    expect(readPngHeader(png)).toMatchObject(header);
    expect(components(decodeMaskPng(png))).toEqual(EXPECTED);
  });
});

describe('decodeMaskPng: bad input names the file and the problem', () => {
  const good = encodeMaskPng(PIXELS, W, H, 'gray1');
  test.each([
    ['zero bytes', Buffer.alloc(0), /mask\.png: the file is empty \(0 bytes\)/],
    ['not a PNG', Buffer.from('GIF89a this is not a png at all, not at all'), /mask\.png: not a PNG file/],
    ['truncated in the header', good.subarray(0, 20), /mask\.png: truncated PNG/],
    ['truncated in the data', good.subarray(0, good.length - 20), /mask\.png: truncated PNG/],
    [
      'corrupt compressed data',
      (() => {
        const b = Buffer.from(good);
        const idat = b.indexOf('IDAT');
        for (let i = idat + 6; i < idat + 14; i++) b[i] ^= 0x5a;
        return b;
      })(),
      /mask\.png: corrupt or truncated PNG: its image data does not decompress/,
    ],
  ])('%s', (_name, buf, message) => {
    expect(() => decodeMaskPng(buf, 'mask.png')).toThrow(message);
  });
});

describe('decodeMaskPng: 1-bit fast path equals a pixel-by-pixel reading', () => {
  // Seeded random masks of many widths: long runs, zero stretches and edges at every bit and word
  // offset exercise the byte/word skipping and the clz32 edge finding.
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const cases = Array.from({ length: 60 }, (_, k) => {
    const width = 1 + Math.floor(rand() * (k < 30 ? 40 : 700));
    const height = 1 + Math.floor(rand() * 12);
    const px = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      let x = Math.floor(rand() * width * 0.3);
      while (x < width) {
        const len = 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : width));
        px.fill(1, y * width + x, y * width + Math.min(width, x + len));
        x += len + 1 + Math.floor(rand() * (rand() < 0.5 ? 9 : width));
      }
    }
    return [width, height, px] as const;
  });
  test.each(cases.map((c, i) => [i, ...c]))('case %i: %i×%i', (_i, width, height, px) => {
    const want = runsFromPixels(px, width, height);
    const got = decodeMaskPng(encodeMaskPng(px, width, height, 'gray1'));
    expect(Array.from(got.starts)).toEqual(Array.from(want.starts));
    expect(Array.from(got.ends)).toEqual(Array.from(want.ends));
    expect(Array.from(got.rowStart)).toEqual(Array.from(want.rowStart));
  });
});
