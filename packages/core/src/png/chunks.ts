/**
 * The part of PNG reading every decoder shares: the header, the chunk walk, inflating the image data
 * and undoing the row filters. The mask decoder (mask.ts) and the pixel decoder (pixels.ts) build on
 * it; `checkPng` (check.ts) walks the same chunks without inflating anything.
 */
import * as zlib from 'node:zlib';
import { inflateSync } from 'node:zlib';
import { DEFAULT_MAX_PIXELS } from '../constants.js';
import { BusToolsError } from '../errors.js';
import { assertPixelLimit } from '../image-limit.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Samples per pixel of each PNG colour type. */
export const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const VALID_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  interlaced: boolean;
}

/** True when `buf` starts with the PNG signature. */
export function isPng(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  for (let i = 0; i < 8; i++) if (buf[i] !== SIGNATURE[i]) return false;
  return true;
}

/** Throws `BAD_IMAGE` naming `file` (the message is prefixed with it). */
export function fail(message: string, file?: string, cause?: unknown): never {
  throw new BusToolsError('BAD_IMAGE', file ? `${file}: ${message}` : message, { file, cause });
}

/** zlib.crc32 exists from Node 20.15 and 22.2. */
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
let crcTable: Uint32Array | undefined;

/**
 * CRC-32 as PNG chunks carry it: a table-driven one for a few bytes (cheaper than a call into
 * zlib), zlib's for more where Node has it (20.15+).
 */
function crc32(bytes: Uint8Array): number {
  if (bytes.length > 256 && typeof zlibCrc32 === 'function') return zlibCrc32(bytes);
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Reads the IHDR chunk. Needs only the first 33 bytes of the file.
 * Throws `BusToolsError` with code `BAD_IMAGE` for anything that is not a valid PNG header.
 */
export function readPngHeader(buf: Uint8Array, file?: string): PngHeader {
  if (buf.length === 0) fail('the file is empty (0 bytes); re-download or re-export it', file);
  if (!isPng(buf)) fail('not a PNG file (the PNG signature is missing)', file);
  if (buf.length < 33) fail('truncated PNG: the file ends inside the header', file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = String.fromCharCode(buf[12], buf[13], buf[14], buf[15]);
  if (type !== 'IHDR') fail(`corrupt PNG: the first chunk is "${type}", not IHDR`, file);
  if ((crc32(buf.subarray(12, 29)) >>> 0) !== view.getUint32(29)) fail('corrupt PNG: the header chunk fails its checksum (a damaged byte)', file);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = buf[24];
  const colorType = buf[25];
  const interlace = buf[28];
  if (width === 0 || height === 0) fail(`corrupt PNG: size ${width}×${height}`, file);
  if (!(colorType in CHANNELS) || !VALID_DEPTHS[colorType].includes(bitDepth)) {
    fail(`corrupt PNG: bit depth ${bitDepth} with colour type ${colorType} is not allowed`, file);
  }
  if (interlace > 1) fail(`corrupt PNG: unknown interlace method ${interlace}`, file);
  return { width, height, bitDepth, colorType: colorType as PngHeader['colorType'], interlaced: interlace === 1 };
}

/** The chunks of a PNG the decoders need, IDAT concatenated. */
export interface PngChunks {
  header: PngHeader;
  idat: Buffer;
  palette?: Uint8Array;
  trns?: Uint8Array;
  /** An ICC profile, cICP colour space or EXIF block is present (viewers may transform the pixels). */
  tagged: boolean;
}

/**
 * Reads the header, refuses a size over `maxPixels` before anything else, then walks the chunks to
 * IEND and gathers IDAT, PLTE and tRNS.
 * @throws BusToolsError `IMAGE_TOO_LARGE`, or `BAD_IMAGE` for a corrupt or truncated file.
 */
export function readPngChunks(buf: Buffer, file?: string, maxPixels: number = DEFAULT_MAX_PIXELS): PngChunks {
  const header = readPngHeader(buf, file);
  assertPixelLimit(header.width, header.height, file, maxPixels);
  const parts: Buffer[] = [];
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  let tagged = false;
  let pos = 8;
  let sawEnd = false;
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const start = pos + 8;
    if (start + len + 4 > buf.length) fail(`truncated PNG: chunk ${type} runs past the end of the file`, file);
    if (type === 'IDAT') parts.push(buf.subarray(start, start + len));
    else if (type === 'PLTE') palette = buf.subarray(start, start + len);
    else if (type === 'tRNS') trns = buf.subarray(start, start + len);
    else if (type === 'iCCP' || type === 'cICP' || type === 'eXIf') tagged = true;
    else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    pos = start + len + 4;
  }
  if (parts.length === 0) fail('truncated PNG: no image data (IDAT) found', file);
  if (!sawEnd) fail('truncated PNG: the file ends before IEND; it was probably cut off while copying', file);
  if (header.colorType === 3 && !palette) fail('corrupt PNG: palette image without a PLTE chunk', file);
  return { header, idat: parts.length === 1 ? parts[0] : Buffer.concat(parts), palette, trns, tagged };
}

/** Bytes per complete pixel for filtering (at least 1). */
export function filterBpp(h: PngHeader): number {
  return Math.max(1, (CHANNELS[h.colorType] * h.bitDepth) >> 3);
}

export function rowBytes(h: PngHeader, width: number): number {
  return Math.ceil((width * CHANNELS[h.colorType] * h.bitDepth) / 8);
}

/**
 * Undoes PNG filtering in place. `data` holds `rows` rows of `1 + stride` bytes (filter byte first).
 * Returns the offset just past the last row.
 */
export function unfilter(data: Uint8Array, offset: number, rows: number, stride: number, bpp: number, file?: string): number {
  let prev = -1; // offset of previous row's first data byte
  for (let y = 0; y < rows; y++) {
    const cur = offset + 1;
    if (cur + stride > data.length) fail('corrupt PNG: the image data is shorter than the image size says', file);
    unfilterRow(data, cur, prev, stride, bpp, y, file);
    prev = cur;
    offset = cur + stride;
  }
  return offset;
}

/**
 * Undoes the filter of one row in place: its data starts at `cur` (the filter byte is `cur - 1`), the
 * previous row's at `prev` (-1 for the first row). The first `bpp` bytes, which have no left
 * neighbour, and the first row, which has no row above, are done apart so the hot loops test nothing.
 */
function unfilterRow(data: Uint8Array, cur: number, prev: number, stride: number, bpp: number, y: number, file?: string): void {
  const f = data[cur - 1];
  const end = cur + stride;
  const lead = Math.min(cur + bpp, end);
  switch (f) {
    case 0:
      break;
    case 1:
      for (let i = lead; i < end; i++) data[i] += data[i - bpp];
      break;
    case 2:
      if (prev >= 0) for (let i = cur, j = prev; i < end; i++, j++) data[i] += data[j];
      break;
    case 3:
      if (prev < 0) {
        for (let i = lead; i < end; i++) data[i] += data[i - bpp] >> 1;
      } else {
        for (let i = cur, j = prev; i < lead; i++, j++) data[i] += data[j] >> 1;
        for (let i = lead, j = prev + bpp; i < end; i++, j++) data[i] += (data[i - bpp] + data[j]) >> 1;
      }
      break;
    case 4:
      // Paeth: with no row above it predicts from the left (Sub); in the first pixel, from above (Up).
      if (prev < 0) {
        for (let i = lead; i < end; i++) data[i] += data[i - bpp];
      } else {
        for (let i = cur, j = prev; i < lead; i++, j++) data[i] += data[j];
        for (let i = lead, j = prev + bpp; i < end; i++, j++) data[i] += paeth(data[i - bpp], data[j], data[j - bpp]);
      }
      break;
    default:
      fail(`corrupt PNG: unknown filter type ${f} in row ${y}`, file);
  }
}

/** PNG's Paeth predictor from the left (`a`), upper (`b`) and upper-left (`c`) bytes. */
export function paeth(a: number, b: number, c: number): number {
  const pa = Math.abs(b - c);
  const pb = Math.abs(a - c);
  const pc = Math.abs(a + b - c - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Sample `x` of a row packed at `depth` < 8 bits per sample (the first sample in the high bits). */
export function packedSample(row: Uint8Array, start: number, x: number, depth: number): number {
  const perByte = 8 / depth;
  return (row[start + Math.floor(x / perByte)] >> (8 - depth * ((x % perByte) + 1))) & ((1 << depth) - 1);
}

/** Size of the decompressed image data: every row (or Adam7 pass row) plus its filter byte. */
function inflatedSize(h: PngHeader): number {
  if (!h.interlaced) return h.height * (rowBytes(h, h.width) + 1);
  let n = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((h.width - x0) / dx);
    const ph = Math.ceil((h.height - y0) / dy);
    if (pw > 0 && ph > 0) n += ph * (rowBytes(h, pw) + 1);
  }
  return n;
}

/** Inflates the IDAT data into one buffer of the expected size. */
export function inflatePng(idat: Buffer, h: PngHeader, file?: string): Buffer {
  try {
    // One output chunk of the expected size: no growing, no concatenation copy.
    return inflateSync(idat, { chunkSize: Math.max(1024, inflatedSize(h) + 1) });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    return fail(`corrupt or truncated PNG: its image data does not decompress (${why})`, file, cause);
  }
}

/** Adam7 passes: first column, first row, column step, row step. */
export const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Inflates and unfilters a PNG without classifying pixels: the raw sample rows (filter bytes
 * included), Adam7 passes one after another. Lint reads mask values from them.
 * @throws BusToolsError `IMAGE_TOO_LARGE`, or `BAD_IMAGE` for a corrupt or truncated file.
 */
export function decodePngRows(buf: Buffer, file?: string, maxPixels: number = DEFAULT_MAX_PIXELS): { header: PngHeader; data: Buffer } {
  const chunks = readPngChunks(buf, file, maxPixels);
  const data = inflatePng(chunks.idat, chunks.header, file);
  const h = chunks.header;
  if (!h.interlaced) unfilter(data, 0, h.height, rowBytes(h, h.width), filterBpp(h), file);
  else {
    let offset = 0;
    for (const [x0, y0, dx, dy] of ADAM7) {
      const pw = Math.ceil((h.width - x0) / dx);
      const ph = Math.ceil((h.height - y0) / dy);
      if (pw > 0 && ph > 0) offset = unfilter(data, offset, ph, rowBytes(h, pw), filterBpp(h), file);
    }
  }
  return { header: h, data };
}

