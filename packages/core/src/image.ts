/**
 * The only module of @bus-tools/core that touches image files through sharp (loaded lazily, so
 * commands that never need it start fast), and `checkImage`, the one check every command applies to
 * an image before using it. PNG and JPEG are checked without sharp (image-check.ts).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BusToolsError, describeError } from './errors.js';
import { checkImageSource, type ByteSource, type CheckedImage } from './image-check.js';
import { assertPixelLimit, maxPixelsOption } from './image-limit.js';

export interface ImageSize {
  width: number;
  height: number;
  format: string;
}

let sharpModule: Promise<typeof import('sharp')> | undefined;
/** sharp, imported on first use. */
export function loadSharp(): Promise<typeof import('sharp')> {
  sharpModule ??= import('sharp');
  return sharpModule;
}

export interface CheckImageOptions {
  /** Refuse images whose header declares more pixels. Default `DEFAULT_MAX_PIXELS` (16383 × 16383). */
  maxPixels?: number;
}

/**
 * The one image check every command applies before it uses an image: the format from the content
 * (not the name), the size from the header, the structure checked without decoding pixels (PNG: it
 * ends with IEND, else every chunk is walked to say what is wrong; JPEG: SOI, frame header, scan, EOI;
 * WebP, TIFF, GIF: sharp reads the header). Cheap: a sound PNG costs two small reads (its first 64
 * bytes and its last 12).
 *
 * @example
 *   await checkImage('benign (1).png'); // { format: 'png', width: 562, height: 471 }
 * @throws BusToolsError `UNREADABLE` (cannot be opened), `UNSUPPORTED_FORMAT` (not an image format
 *   bus-tools reads), `BAD_IMAGE` (empty, truncated, damaged), `IMAGE_TOO_LARGE` (over `maxPixels`).
 */
export async function checkImage(path: string, options: CheckImageOptions = {}): Promise<CheckedImage> {
  const maxPixels = maxPixelsOption(options.maxPixels);
  const checked = withFile(path, (src) => checkImageSource(src, path, maxPixels));
  if (checked.width > 0) return checked;
  // WebP, TIFF, GIF: sharp reads the header (it refuses over maxPixels itself only when decoding).
  const sharp = (await loadSharp()).default;
  let meta;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new BusToolsError('BAD_IMAGE', `${path}: not a readable ${checked.format.toUpperCase()} image (${describeError(cause)}); re-download or re-export it`, { file: path, cause });
  }
  if (!meta.width || !meta.height) throw new BusToolsError('BAD_IMAGE', `${path}: no size in the ${checked.format.toUpperCase()} header; re-download or re-export it`, { file: path });
  assertPixelLimit(meta.width, meta.height, path, maxPixels);
  return { format: checked.format, width: meta.width, height: meta.height };
}

/** Runs `fn` synchronously over a `ByteSource` reading `path` where `fn` asks: a few bytes, not the file. */
function withFile<T>(path: string, fn: (src: ByteSource) => T): T {
  const unreadable = (cause: unknown) => new BusToolsError('UNREADABLE', `${path}: cannot be read (${describeError(cause)})`, { file: path, cause });
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw unreadable(cause);
  }
  try {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (cause) {
      throw unreadable(cause);
    }
    const read = (position: number, length: number): Uint8Array => {
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - position)));
      let got = 0;
      try {
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, position + got);
          if (n === 0) break;
          got += n;
        }
      } catch (cause) {
        throw unreadable(cause);
      }
      return buf.subarray(0, got);
    };
    const head = read(0, 64); // the format sniff and the PNG header come from here: one read, not two
    return fn({ size, read: (position, length) => (position + length <= head.length ? head.subarray(position, position + length) : read(position, length)) });
  } finally {
    closeSync(fd);
  }
}

/**
 * Width and height of an image file in pixels: `checkImage`, so a file that fails the check is
 * refused here too.
 * @throws BusToolsError as `checkImage`.
 */
export async function readImageSize(path: string, options: CheckImageOptions = {}): Promise<ImageSize> {
  const { format, width, height } = await checkImage(path, options);
  return { width, height, format };
}
