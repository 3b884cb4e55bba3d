/**
 * The only module of @bus-tools/infer that touches pixels through sharp (via core's lazy `loadSharp`):
 * decoding an image and resizing it to the model input, and writing an annotated copy.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { BusToolsError, describeError, loadSharp, writeFileAtomic, type Detection } from '@bus-tools/core';
import { detectionsSvg } from './draw.js';

export interface DecodedImage {
  path: string;
  /** The file's bytes, kept for drawing so the file is read once. */
  bytes: Buffer;
  /** Original size in pixels, after EXIF orientation. */
  width: number;
  height: number;
  /** RGB bytes `[inputHeight, inputWidth, 3]`: the image stretched to the model input. */
  rgb: Uint8Array;
  inputWidth: number;
  inputHeight: number;
}

/**
 * Reads `path` and resizes it to `inputWidth x inputHeight` RGB (a plain stretch, bilinear, like the
 * fixed-shape resizers of TF OD API and Datature exports). Gray, palette, 16-bit and alpha images
 * all come out as 8-bit RGB.
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
    const meta = await sharp(bytes, { autoOrient: true }).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new Error('no image size in the file');
    const { data, info } = await sharp(bytes, { autoOrient: true })
      .resize(inputWidth, inputHeight, { fit: 'fill', kernel: 'linear' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== inputWidth * inputHeight * 3) throw new Error(`decoded to ${info.channels} channels`);
    return { path, bytes, width, height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), inputWidth, inputHeight };
  } catch (cause) {
    throw new BusToolsError('BAD_IMAGE', `${path}: not a readable image (${describeError(cause)}); skipped`, { file: path, cause });
  }
}

/**
 * Writes `bytes` (an encoded image) with `detections` drawn on it to `outPath`, atomically. The
 * format follows `outPath`'s extension (PNG, JPEG, WebP, TIFF; others become PNG content).
 */
export async function writeAnnotated(bytes: Buffer, detections: readonly Detection[], width: number, height: number, outPath: string): Promise<void> {
  const sharp = (await loadSharp()).default;
  const svg = Buffer.from(detectionsSvg(detections, width, height));
  let img = sharp(bytes, { autoOrient: true }).removeAlpha().toColourspace('srgb').composite([{ input: svg, top: 0, left: 0 }]);
  const ext = extname(outPath).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') img = img.jpeg({ quality: 90 });
  else if (ext === '.webp') img = img.webp({ quality: 90 });
  else if (ext === '.tif' || ext === '.tiff') img = img.tiff();
  else img = img.png({ compressionLevel: 4 });
  const out = await img.toBuffer();
  writeFileAtomic(outPath, out);
}
