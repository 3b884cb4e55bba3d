/**
 * The only module of @bus-tools/core that touches image files through sharp (loaded lazily, so
 * commands that never need it start fast). PNG sizes are read from the header without sharp.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { BusToolsError, describeError } from './errors.js';
import { isPng, readPngHeader } from './png/decode.js';

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

function readHead(path: string, bytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${path}: cannot be read (${describeError(cause)})`, { file: path, cause });
  }
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Width and height of a PNG file from its header, synchronously; undefined when the file is not a
 * PNG (then use `readImageSize`).
 * @throws BusToolsError naming the file when it is unreadable, empty or a corrupt PNG.
 */
export function readPngSizeSync(path: string): ImageSize | undefined {
  const head = readHead(path, 33);
  if (!isPng(head) && !/\.png$/i.test(path)) return undefined;
  const h = readPngHeader(head, path);
  return { width: h.width, height: h.height, format: 'png' };
}

/**
 * Width and height of an image file in pixels. PNGs are read from their 33-byte header; other formats
 * through sharp.
 * @throws BusToolsError naming the file when it is empty, corrupt or not an image.
 */
export async function readImageSize(path: string): Promise<ImageSize> {
  const png = readPngSizeSync(path);
  if (png) return png;
  const head = readHead(path, 1);
  if (head.length === 0) {
    throw new BusToolsError('BAD_IMAGE', `${path}: the file is empty (0 bytes); re-download or re-export it`, { file: path });
  }
  const sharp = (await loadSharp()).default;
  try {
    const meta = await sharp(path).metadata();
    if (!meta.width || !meta.height) throw new Error('no size in the file header');
    return { width: meta.width, height: meta.height, format: meta.format ?? 'unknown' };
  } catch (cause) {
    throw new BusToolsError('BAD_IMAGE', `${path}: not a readable image (${describeError(cause)})`, { file: path, cause });
  }
}
