/**
 * The only module of @bus-tools/infer that touches pixels through sharp (via core's lazy `loadSharp`):
 * decoding an image (once) and resizing it to the model input, and writing an annotated copy.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { BusToolsError, describeError, loadSharp, writeFileAtomic, type Detection } from '@bus-tools/core';
import { detectionOverlays } from './draw.js';

export interface DecodedImage {
  path: string;
  /** Original size in pixels, after EXIF orientation. */
  width: number;
  height: number;
  /** The whole image as RGB bytes `[height, width, 3]`, kept for drawing so it is decoded once. */
  pixels: Uint8Array;
  /** RGB bytes `[inputHeight, inputWidth, 3]`: the image stretched to the model input. */
  rgb: Uint8Array;
  inputWidth: number;
  inputHeight: number;
}

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/**
 * Reads `path`, decodes it once to RGB and stretches that to `inputWidth x inputHeight` (bilinear,
 * like the fixed-shape resizers of TF OD API and Datature exports). Gray, palette, 16-bit and alpha
 * images all come out as 8-bit RGB; EXIF orientation is applied.
 * @throws BusToolsError `BAD_IMAGE` naming the file when it cannot be decoded.
 */
export async function decodeForModel(path: string, inputWidth: number, inputHeight: number): Promise<DecodedImage> {
  const sharp = (await loadSharp()).default;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${path}: cannot be read (${describeError(cause)})`, { file: path, cause });
  }
  try {
    const { data, info } = await sharp(bytes, { autoOrient: true }).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const { width, height, channels } = info;
    if (channels !== 3 || data.length !== width * height * 3) throw new Error(`decoded to ${channels} channels`);
    const rgb = await sharp(data, { raw: { width, height, channels: 3 } })
      .resize(inputWidth, inputHeight, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    return { path, width, height, pixels: view(data), rgb: view(rgb), inputWidth, inputHeight };
  } catch (cause) {
    throw new BusToolsError('BAD_IMAGE', `${path}: not a readable image (${describeError(cause)}); skipped`, { file: path, cause });
  }
}

/**
 * Draws `detections` on an image's RGB `pixels` (`[height, width, 3]`) and writes it to `outPath`,
 * atomically. The format follows `outPath`'s extension (JPEG, WebP, TIFF; PNG otherwise, at a fast
 * compression level: annotated images are for looking at).
 */
export async function writeAnnotated(pixels: Uint8Array, width: number, height: number, detections: readonly Detection[], outPath: string): Promise<void> {
  const sharp = (await loadSharp()).default;
  const overlays = detectionOverlays(detections, width, height).map((o) => ({ input: Buffer.from(o.svg), left: o.left, top: o.top }));
  let img = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (overlays.length > 0) img = img.composite(overlays).removeAlpha(); // SVG overlays bring an alpha channel
  const ext = extname(outPath).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') img = img.jpeg({ quality: 90 });
  else if (ext === '.webp') img = img.webp({ quality: 90 });
  else if (ext === '.tif' || ext === '.tiff') img = img.tiff();
  else img = img.png({ compressionLevel: 1 });
  const out = await img.toBuffer();
  writeFileAtomic(outPath, out);
}
