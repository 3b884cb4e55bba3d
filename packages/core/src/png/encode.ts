/**
 * A minimal PNG encoder for masks in every encoding BUSI-like data uses (1-bit and 8-bit gray,
 * 16-bit gray, RGB, RGBA). It exists so tests and the fixture generator can write exactly the byte
 * layouts found in the wild; images themselves are written with sharp.
 */
import { crc32, deflateSync } from 'node:zlib';

export type MaskEncoding = 'gray1' | 'gray8' | 'gray16' | 'rgb8' | 'rgba8';

const LAYOUT: Record<MaskEncoding, { colorType: number; bitDepth: number; channels: number }> = {
  gray1: { colorType: 0, bitDepth: 1, channels: 1 },
  gray8: { colorType: 0, bitDepth: 8, channels: 1 },
  gray16: { colorType: 0, bitDepth: 16, channels: 1 },
  rgb8: { colorType: 2, bitDepth: 8, channels: 3 },
  rgba8: { colorType: 6, bitDepth: 8, channels: 4 },
};

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export interface EncodeMaskOptions {
  /** Sample value written for lesion pixels (default: the maximum, e.g. 1, 255 or 65535). */
  value?: number;
  /** Alpha written for every pixel in `rgba8` (default 255: opaque, as in BUSI's two RGBA masks). */
  alpha?: number;
}

/**
 * Encodes a binary mask (row-major, non-zero = lesion) as a PNG in the given encoding.
 *
 * @example
 *   encodeMaskPng(new Uint8Array([0, 1, 1, 0]), 2, 2, 'gray1'); // a 2×2 1-bit PNG
 */
export function encodeMaskPng(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  encoding: MaskEncoding,
  options: EncodeMaskOptions = {},
): Buffer {
  const { colorType, bitDepth, channels } = LAYOUT[encoding];
  const value = options.value ?? (bitDepth === 1 ? 1 : bitDepth === 16 ? 65535 : 255);
  const alpha = options.alpha ?? 255;
  const stride = Math.ceil((width * channels * bitDepth) / 8);
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1; // filter byte 0 (None)
    for (let x = 0; x < width; x++) {
      const on = pixels[y * width + x] ? 1 : 0;
      switch (encoding) {
        case 'gray1':
          if (on) raw[row + (x >> 3)] |= 0x80 >> (x & 7);
          break;
        case 'gray8':
          raw[row + x] = on ? value : 0;
          break;
        case 'gray16':
          raw.writeUInt16BE(on ? value : 0, row + 2 * x);
          break;
        case 'rgb8':
          raw.fill(on ? value : 0, row + 3 * x, row + 3 * x + 3);
          break;
        case 'rgba8':
          raw.fill(on ? value : 0, row + 4 * x, row + 4 * x + 3);
          raw[row + 4 * x + 3] = alpha;
          break;
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
