/**
 * One structural check for image files, so every command gives the same file the same verdict:
 * the format comes from the first bytes (never the name), the size from the header (refused over the
 * pixel limit before anything is decoded), and the structure is checked without decoding pixels —
 * PNG: the file ends with IEND (else every chunk is walked to say what is wrong); JPEG: SOI, a frame
 * header, a scan, and EOI at the end.
 * Pure functions over a `ByteSource`, so files are read a few bytes at a time and buffers in memory
 * are checked alike. `checkImage` (image.ts) applies it to files.
 */
import { DEFAULT_MAX_PIXELS } from './constants.js';
import { BusToolsError } from './errors.js';
import { assertPixelLimit } from './image-limit.js';
import { isPng, readPngHeader } from './png/chunks.js';

/** Formats bus-tools reads: PNG and JPEG checked here; WebP, TIFF and GIF left to sharp's header reader. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'tiff' | 'gif';

/** What a passed check tells: the format the content is in, and the size its header declares. */
export interface CheckedImage {
  format: ImageFormat;
  width: number;
  height: number;
}

/** Random access to the bytes of a file or a buffer. `read` returns fewer bytes at the end. */
export interface ByteSource {
  size: number;
  read(position: number, length: number): Uint8Array;
}

/** A `ByteSource` over bytes in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (position, length) => bytes.subarray(position, position + length) };
}

/**
 * The image format of `head` (the first 12 or more bytes), from its magic number; undefined for
 * anything else (BMP included: sharp does not read it).
 */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (isPng(head)) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (head.length >= 4 && (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*')) return 'tiff';
  if (head.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  return undefined;
}

const bad = (file: string, message: string) => new BusToolsError('BAD_IMAGE', `${file}: ${message}; re-download or re-export it`, { file });

/**
 * The verdict on an image's bytes, for PNG and JPEG content: format and declared size, or the error.
 * Other formats come back with `width` and `height` 0 for the caller to read (image.ts uses sharp).
 *
 * @example
 *   checkImageBytes(readFileSync('benign (1).png'), 'benign (1).png'); // { format: 'png', width: 562, height: 471 }
 * @throws BusToolsError `BAD_IMAGE` (empty, truncated, damaged structure), `UNSUPPORTED_FORMAT` (the
 *   first bytes are no image format bus-tools reads), `IMAGE_TOO_LARGE` (over `maxPixels`).
 */
export function checkImageBytes(bytes: Uint8Array, file: string, options: { maxPixels?: number } = {}): CheckedImage {
  return checkImageSource(bufferSource(bytes), file, options.maxPixels ?? DEFAULT_MAX_PIXELS);
}

/** `checkImageBytes` over any `ByteSource`. */
export function checkImageSource(src: ByteSource, file: string, maxPixels: number): CheckedImage {
  if (src.size === 0) throw bad(file, 'the file is empty (0 bytes)');
  const head = src.read(0, 16);
  const format = sniffImageFormat(head);
  if (!format && head.length >= 8 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) {
    throw bad(file, 'damaged PNG signature: bytes 5 to 8 are not those of a PNG, as after a copy in text mode');
  }
  if (format === 'png') return checkPng(src, file, maxPixels);
  if (format === 'jpeg') return checkJpeg(src, file, maxPixels);
  if (format) return { format, width: 0, height: 0 };
  throw new BusToolsError(
    'UNSUPPORTED_FORMAT',
    `${file}: not an image format bus-tools reads (judged from its first bytes${head[0] === 0x42 && head[1] === 0x4d ? ', which are a BMP' : ''}); save it as PNG`,
    { file },
  );
}

/** The IEND chunk as every PNG ends: length 0, type, CRC. */
const IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** Chunk types are four ASCII letters. */
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Checks a PNG without inflating anything: header valid and within `maxPixels`, and the file ends
 * with the IEND chunk, the one test a cut-off copy always fails. A file that does not end so (trailing
 * bytes after IEND, or damage) gets the full walk: every chunk inside the file, image data present,
 * IEND reached, and a message saying what is wrong.
 */
function checkPng(src: ByteSource, file: string, maxPixels: number): CheckedImage {
  const h = readPngHeader(src.read(0, 33), file);
  assertPixelLimit(h.width, h.height, file, maxPixels);
  const result: CheckedImage = { format: 'png', width: h.width, height: h.height };
  const tail = src.size >= 45 + 12 ? src.read(src.size - 12, 12) : undefined;
  if (tail && IEND.every((b, i) => tail[i] === b)) return result;
  let pos = 8;
  let idat = false;
  let plte = false;
  for (;;) {
    if (pos + 12 > src.size) throw bad(file, 'truncated PNG: the file ends before IEND; it was probably cut off while copying');
    const b = src.read(pos, 8);
    const len = b[0] * 0x1000000 + ((b[1] << 16) | (b[2] << 8) | b[3]);
    if (!(isLetter(b[4]) && isLetter(b[5]) && isLetter(b[6]) && isLetter(b[7]))) throw bad(file, `corrupt PNG: no chunk type at byte ${pos + 4}`);
    const type = String.fromCharCode(b[4], b[5], b[6], b[7]);
    if (len > 0x7fffffff || pos + 12 + len > src.size) throw bad(file, `truncated PNG: chunk ${type} runs past the end of the file`);
    if (type === 'IDAT') idat = true;
    else if (type === 'PLTE') plte = true;
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (!idat) throw bad(file, 'truncated PNG: no image data (IDAT) found');
  if (h.colorType === 3 && !plte) throw bad(file, 'corrupt PNG: palette image without a PLTE chunk');
  return result;
}

// Start-of-frame markers (baseline, progressive, lossless, arithmetic…); C4 DHT, C8 JPG and CC DAC are not frames.
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
/** How far from the end the EOI marker is looked for (some writers pad after it). */
const EOI_TAIL = 4096;

/**
 * Walks a JPEG's marker segments up to the first scan without reading entropy-coded data: SOI, a frame
 * header (its size refused over `maxPixels` at once), a scan (SOS), and EOI near the end of the file.
 * After a scan starts, `FF D9` can only be EOI, so finding it in the tail is a sound truncation test.
 */
function checkJpeg(src: ByteSource, file: string, maxPixels: number): CheckedImage {
  let pos = 2;
  let size: { width: number; height: number } | undefined;
  for (;;) {
    const m = src.read(pos, 4);
    if (m.length < 4) throw bad(file, 'truncated JPEG: the file ends before the image data');
    if (m[0] !== 0xff) throw bad(file, `corrupt JPEG: expected a marker at byte ${pos}`);
    const marker = m[1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2; // no length
      continue;
    }
    if (marker === 0xd9) throw bad(file, 'corrupt JPEG: it ends (EOI) before any image data');
    const length = (m[2] << 8) | m[3];
    if (length < 2) throw bad(file, `corrupt JPEG: segment length ${length} at byte ${pos}`);
    if (pos + 2 + length > src.size) throw bad(file, 'truncated JPEG: the file ends inside a header segment');
    if (SOF.has(marker)) {
      const f = src.read(pos + 4, 5);
      const height = (f[1] << 8) | f[2];
      const width = (f[3] << 8) | f[4];
      if (width === 0 || height === 0) throw bad(file, `corrupt or unsupported JPEG: frame size ${width}x${height}`);
      assertPixelLimit(width, height, file, maxPixels);
      size = { width, height };
    }
    if (marker === 0xda) {
      if (!size) throw bad(file, 'corrupt JPEG: no frame header before the image data');
      pos += 2 + length;
      break;
    }
    pos += 2 + length;
  }
  const from = Math.max(pos, src.size - EOI_TAIL);
  const tail = src.read(from, src.size - from);
  for (let i = tail.length - 2; i >= 0; i--) {
    if (tail[i] === 0xff && tail[i + 1] === 0xd9) return { format: 'jpeg', ...size };
  }
  throw bad(file, 'truncated JPEG: the end-of-image marker is missing; it was probably cut off while copying');
}

/** File extensions that say each format. */
const EXTENSIONS: Record<ImageFormat, RegExp> = {
  png: /\.png$/i,
  jpeg: /\.jpe?g$/i,
  webp: /\.webp$/i,
  tiff: /\.tiff?$/i,
  gif: /\.gif$/i,
};

/**
 * A warning when `path`'s extension names another format than its content (`format`), else undefined.
 * bus-tools reads the content either way; other tools may trust the name.
 * @example extensionMismatch('benign (3).png', 'jpeg') // 'benign (3).png: a JPEG file named .png; …'
 */
export function extensionMismatch(path: string, format: ImageFormat): string | undefined {
  if (EXTENSIONS[format].test(path)) return undefined;
  const ext = /\.[^./\\]*$/.exec(path)?.[0] ?? 'without an extension';
  return `${path}: a ${format.toUpperCase()} file named ${ext}; bus-tools reads it as ${format.toUpperCase()}, but other tools may trust the name. Rename it or convert it.`;
}
