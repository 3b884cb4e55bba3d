import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  checkImage,
  checkImageBytes,
  decodeMaskPng,
  decodePngPixels,
  decodePngRows,
  DEFAULT_MAX_PIXELS,
  extensionMismatch,
  readImageRgb,
  readImageSize,
  readMaskFile,
} from '@bus-tools/core';
import { encodeMaskPng } from '../../../../fixtures/png-encode.js';
import { jpegClaiming, pngClaiming } from '../../../../fixtures/png-encode.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-check-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, bytes: Uint8Array) => {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
};

// Speckle, so the compressed image data is longer than the headers.
const speckle = () => sharp(Buffer.from(Array.from({ length: 30 * 20 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 30, height: 20, channels: 3 } });
const jpeg = () => speckle().jpeg().toBuffer();
const png = () => speckle().png().toBuffer();

describe('the pixel limit, read from the header before anything is decoded', () => {
  const TOO_LARGE = { code: 'IMAGE_TOO_LARGE', message: expect.stringMatching(/^big: 20000x20000 = 400000000 pixels, more than the limit of 268402689 \(16383x16383/) };

  test('the default is sharp’s limitInputPixels, 16383 × 16383', () => {
    expect(DEFAULT_MAX_PIXELS).toBe(16383 * 16383);
  });

  test.each([
    ['checkImageBytes, PNG', () => checkImageBytes(pngClaiming(20000, 20000), 'big')],
    ['checkImageBytes, JPEG', () => checkImageBytes(jpegClaiming(20000, 20000), 'big')],
    ['decodeMaskPng', () => decodeMaskPng(pngClaiming(20000, 20000), 'big')],
    ['decodePngPixels', () => decodePngPixels(pngClaiming(20000, 20000), 'big')],
    ['decodePngRows', () => decodePngRows(pngClaiming(20000, 20000), 'big')],
  ])('%s refuses a 20000 × 20000 header at once, without allocating the pixels', (_name, read) => {
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    expect(read).toThrow(expect.objectContaining(TOO_LARGE));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20); // 1-bit pixels alone would be 50 MB
  });

  test('files: checkImage, readImageSize, readImageRgb and readMaskFile refuse it, naming the file', async () => {
    for (const [name, bytes] of [['big.png', pngClaiming(20000, 20000)], ['big.jpg', jpegClaiming(20000, 20000)]] as const) {
      const path = file(name, bytes);
      const refused = { code: 'IMAGE_TOO_LARGE', file: path, message: expect.stringContaining(`${path}: 20000x20000 = 400000000 pixels`) };
      const t0 = performance.now();
      await expect(checkImage(path)).rejects.toMatchObject(refused);
      await expect(readImageSize(path)).rejects.toMatchObject(refused);
      await expect(readImageRgb(path)).rejects.toMatchObject(refused);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
    expect(() => readMaskFile(join(tmp, 'big.png'))).toThrow(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }));
  });

  test('maxPixels moves the limit; a bad value is an INVALID_PARAMETER error', async () => {
    const path = file('ten.png', encodeMaskPng(new Uint8Array(100), 10, 10, 'gray1'));
    await expect(checkImage(path, { maxPixels: 100 })).resolves.toEqual({ format: 'png', width: 10, height: 10 });
    await expect(checkImage(path, { maxPixels: 99 })).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', message: expect.stringContaining('10x10 = 100 pixels, more than the limit of 99 (maxPixels)') });
    expect(() => decodeMaskPng(encodeMaskPng(new Uint8Array(100), 10, 10, 'gray8'), 'm.png', { maxPixels: 99 })).toThrow(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }));
    await expect(checkImage(path, { maxPixels: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMETER', message: 'Expected integer between 1 and 9007199254740991 for maxPixels but received 0' });
  });
});

describe('checkImage: one verdict per file, from its content', () => {
  test('a damaged byte in the PNG header fails its checksum: BAD_IMAGE, not a wrong size', async () => {
    const good = encodeMaskPng(new Uint8Array(64).fill(1), 8, 8, 'gray8');
    const damaged = Buffer.from(good);
    damaged[23] ^= 0x01; // height 8 → 9: the IHDR CRC no longer matches
    await expect(checkImage(file('ok.png', good))).resolves.toMatchObject({ format: 'png', width: 8, height: 8 });
    await expect(checkImage(file('hurt.png', damaged))).rejects.toMatchObject({ code: 'BAD_IMAGE', message: expect.stringContaining('hurt.png: corrupt PNG: the header chunk fails its checksum') });
  });

  test('sound PNG, JPEG and WebP files give their format and size, whatever their name', async () => {
    expect(await checkImage(file('a.png', await png()))).toEqual({ format: 'png', width: 30, height: 20 });
    expect(await checkImage(file('a.jpg', await jpeg()))).toEqual({ format: 'jpeg', width: 30, height: 20 });
    expect(await checkImage(file('jpeg-named.png', await jpeg()))).toEqual({ format: 'jpeg', width: 30, height: 20 });
    const webp = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#808080' } }).webp().toBuffer();
    expect(await checkImage(file('a.webp', webp))).toEqual({ format: 'webp', width: 30, height: 20 });
  });

  test.each([
    ['empty', 'BAD_IMAGE', async () => Buffer.alloc(0), /the file is empty \(0 bytes\)/],
    ['a PNG cut before IEND', 'BAD_IMAGE', async () => (await png()).subarray(0, -12), /truncated PNG: the file ends before IEND/],
    ['a PNG cut inside its image data', 'BAD_IMAGE', async () => (await png()).subarray(0, 200), /truncated PNG: chunk IDAT runs past the end/],
    ['a PNG with garbage where a chunk should be', 'BAD_IMAGE', async () => Buffer.concat([(await png()).subarray(0, 33), Buffer.from('\x00\x00\x00\x01\x00\x01\x02\x03garbage!')]), /corrupt PNG: no chunk type at byte 37/],
    ['a PNG header only', 'BAD_IMAGE', async () => (await png()).subarray(0, 33), /truncated PNG/],
    ['a JPEG cut in its image data', 'BAD_IMAGE', async () => (await jpeg()).subarray(0, -40), /truncated JPEG: the end-of-image marker is missing/],
    ['a JPEG cut in its headers', 'BAD_IMAGE', async () => (await jpeg()).subarray(0, 100), /truncated JPEG/],
    ['a JPEG without a frame header', 'BAD_IMAGE', async () => Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0x00, 0xff, 0xd9]), /no frame header before the image data/],
    ['text', 'UNSUPPORTED_FORMAT', async () => Buffer.from('this is a PNG, honest'), /not an image format bus-tools reads \(judged from its first bytes\); save it as PNG/],
    ['a BMP', 'UNSUPPORTED_FORMAT', async () => Buffer.from('BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00'), /which are a BMP/],
  ])('%s → %s', async (_name, code, make, message) => {
    const bytes = await make();
    const path = file('x.png', bytes);
    await expect(checkImage(path)).rejects.toMatchObject({ code, file: path, message: expect.stringMatching(message) });
    expect(() => checkImageBytes(bytes, path)).toThrow(expect.objectContaining({ code }));
  });

  test('a missing file is UNREADABLE', async () => {
    await expect(checkImage(join(tmp, 'nope.png'))).rejects.toMatchObject({ code: 'UNREADABLE', message: expect.stringMatching(/nope\.png: cannot be read \(.*ENOENT/) });
  });

  test('extensionMismatch names what the content is and what the name says', () => {
    expect(extensionMismatch('scans/a.png', 'png')).toBeUndefined();
    expect(extensionMismatch('scans/a.JPEG', 'jpeg')).toBeUndefined();
    expect(extensionMismatch('scans/a.png', 'jpeg')).toMatch(/^scans\/a\.png: a JPEG file named \.png; bus-tools reads it as JPEG/);
  });
});

describe('readMaskFile: masks are PNG by content', () => {
  test('a JPEG mask is UNSUPPORTED_MASK, named .png or not', async () => {
    for (const name of ['m_mask.png', 'm_mask.jpg']) {
      const path = file(name, await jpeg());
      expect(() => readMaskFile(path)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MASK', message: expect.stringContaining(`${path}: masks must be PNG, and this file's content is JPEG`) }));
    }
  });

  test('a PNG mask named .jpg is read, with a warning', () => {
    const path = file('p_mask.jpg', encodeMaskPng(new Uint8Array([0, 1, 1, 0]), 2, 2, 'gray1'));
    const read = readMaskFile(path, { name: 'p_mask.jpg' });
    expect([read.runs.width, read.runs.height]).toEqual([2, 2]);
    expect(read.extensionWarning).toMatch(/^p_mask\.jpg: a PNG file named \.jpg/);
  });

  test('an empty or truncated mask is BAD_IMAGE', () => {
    const good = encodeMaskPng(new Uint8Array(64).fill(1), 8, 8, 'gray8');
    expect(() => readMaskFile(file('e_mask.png', Buffer.alloc(0)))).toThrow(expect.objectContaining({ code: 'BAD_IMAGE', message: expect.stringMatching(/the file is empty/) }));
    expect(() => readMaskFile(file('t_mask.png', good.subarray(0, good.length - 12)))).toThrow(expect.objectContaining({ code: 'BAD_IMAGE', message: expect.stringMatching(/truncated PNG/) }));
  });
});
