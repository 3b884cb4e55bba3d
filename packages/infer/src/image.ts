/**
 * Image files in and out for prediction: decoding an image once (plain PNGs in JavaScript, everything
 * else through sharp, loaded lazily via core's `loadSharp`), resizing it to the model input, and
 * writing an annotated copy (sharp encodes).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  assertPixelLimit,
  BusToolsError,
  checkImageBytes,
  decodePngPixels,
  DEFAULT_MAX_PIXELS,
  describeError,
  escapeXml,
  isPng,
  loadSharp,
  maxPixelsOption,
  writeFileAtomic,
  type Detection,
  type PngPixels,
} from '@bus-tools/core';
import { grayToRgb, resizePixels } from './resize.js';
import { cellSize, drawingScale, drawLayouts, layoutDetections, type GlyphAtlas } from './draw.js';

export interface DecodedImage {
  path: string;
  /** Original size in pixels, after EXIF orientation. */
  width: number;
  height: number;
  /** The whole image as RGB bytes `[height, width, 3]`, kept for drawing so it is decoded once. */
  readonly pixels: Uint8Array;
  /** RGB bytes `[inputHeight, inputWidth, 3]`: the image stretched to the model input. */
  rgb: Uint8Array;
  inputWidth: number;
  inputHeight: number;
}

const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/**
 * Reads `path`, decodes it once to RGB and stretches that to `inputWidth x inputHeight` (bilinear,
 * see resize.ts). Gray, palette, 16-bit and alpha images all come out as 8-bit RGB; EXIF orientation
 * is applied. Plain PNGs (no interlacing, ICC profile or EXIF: ultrasound exports) are decoded here
 * in JavaScript, which on BUSI images costs about half of what sharp's decode and resize do and gives
 * the same pixels; anything else goes through sharp. Gray images stay single-channel until the end.
 *
 * Before decoding, the bytes pass core's image check (`checkImageBytes`), so predict gives a file the
 * same verdict as export, masks2csv and lint: the format is judged from the content, not the name.
 * @throws BusToolsError `UNREADABLE`, `UNSUPPORTED_FORMAT`, `IMAGE_TOO_LARGE` (over `maxPixels`, default
 *   `DEFAULT_MAX_PIXELS`: refused from the header, nothing decoded), `BAD_IMAGE` (truncated, damaged, or
 *   it cannot be decoded), each naming the file.
 */
export async function decodeForModel(path: string, inputWidth: number, inputHeight: number, options: { maxPixels?: number } = {}): Promise<DecodedImage> {
  const maxPixels = maxPixelsOption(options.maxPixels);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${path}: cannot be read (${describeError(cause)})`, { file: path, cause });
  }
  const checked = checkImageBytes(bytes, path, { maxPixels });
  if (checked.width === 0) {
    // WebP, TIFF, GIF: the size from sharp's header reader, refused before decoding like the others.
    const meta = await (await loadSharp()).default(bytes).metadata().catch(() => undefined);
    if (meta?.width && meta.height) assertPixelLimit(meta.width, meta.height, path, maxPixels);
  }
  try {
    return await decodeBufferForModel(bytes, inputWidth, inputHeight, { name: path, maxPixels });
  } catch (cause) {
    throw new BusToolsError('BAD_IMAGE', `${(cause as Error).message}; skipped`, { file: path, cause });
  }
}

export interface DecodeBufferOptions {
  /** What to call the image in messages and in `DecodedImage.path`; default `image`. */
  name?: string;
  /**
   * Refuse images with more pixels than this (sharp's `limitInputPixels`; plain PNGs are checked
   * from their header). Default: sharp's own limit, 0x3FFF × 0x3FFF.
   */
  maxPixels?: number;
}

/**
 * `decodeForModel` for bytes already in memory (an upload): nothing is read from or written to disk.
 * @example
 *   const img = await decodeBufferForModel(await readFile('scan.png'), 320, 320, { name: 'scan.png', maxPixels: 25e6 });
 *   img.width; // the original width; img.rgb is 320 x 320 x 3
 * @throws BusToolsError `BAD_IMAGE` (`<name>: not a readable image (why)`) when it cannot be decoded.
 */
export async function decodeBufferForModel(bytes: Buffer, inputWidth: number, inputHeight: number, options: DecodeBufferOptions = {}): Promise<DecodedImage> {
  const name = options.name ?? 'image';
  try {
    return await decodeBytes(bytes, name, inputWidth, inputHeight, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  } catch (cause) {
    if (cause instanceof BusToolsError && cause.code === 'IMAGE_TOO_LARGE') throw cause;
    const why = cause instanceof BusToolsError ? cause.message.replace(`${name}: `, '') : describeError(cause);
    throw new BusToolsError('BAD_IMAGE', `${name}: not a readable image (${why})`, { cause });
  }
}

async function decodeBytes(bytes: Buffer, name: string, inputWidth: number, inputHeight: number, maxPixels: number): Promise<DecodedImage> {
  // decodePngPixels refuses a PNG over maxPixels from its header (IMAGE_TOO_LARGE); sharp does likewise.
  const png = isPng(bytes) ? decodePngPixels(bytes, name, { maxPixels }) : undefined;
  const px = png ?? (await decodeWithSharp(bytes, maxPixels));
  const small = resizePixels(px.data, px.width, px.height, px.channels, inputWidth, inputHeight);
  const gray = px.channels === 1;
  let pixels = gray ? undefined : px.data;
  return {
    path: name,
    width: px.width,
    height: px.height,
    // Full-size RGB is needed only to draw, for the images with detections: expanded on first use.
    get pixels() {
      return (pixels ??= grayToRgb(px.data));
    },
    rgb: gray ? grayToRgb(small) : small,
    inputWidth,
    inputHeight,
  };
}

async function decodeWithSharp(bytes: Buffer, maxPixels: number): Promise<PngPixels> {
  const sharp = (await loadSharp()).default;
  const { data, info } = await sharp(bytes, { autoOrient: true, limitInputPixels: maxPixels }).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  if (channels !== 3 || data.length !== width * height * 3) throw new Error(`decoded to ${channels} channels`);
  return { width, height, channels: 3, data: view(data) };
}

/** Glyph atlases by font size; `ready` serialises their growth. */
const atlases = new Map<number, { atlas: GlyphAtlas; ready: Promise<void> }>();

/**
 * The glyph atlas for `font` px, with every character of `texts` in it: the missing ones are rendered
 * (black on transparent, DejaVu Sans Mono) in one SVG line by sharp and cut into cells.
 */
export async function glyphAtlas(font: number, texts: readonly string[]): Promise<GlyphAtlas> {
  let entry = atlases.get(font);
  if (!entry) {
    const { cellW, cellH } = cellSize(font);
    entry = { atlas: { font, cellW, cellH, pad: Math.round(font * 0.3), glyphs: new Map() }, ready: Promise.resolve() };
    atlases.set(font, entry);
  }
  const e = entry;
  e.ready = e.ready.then(async () => {
    const missing = [...new Set(texts.flatMap((t) => [...t]))].filter((c) => !e.atlas.glyphs.has(c));
    if (missing.length === 0) return;
    const { cellW, cellH } = e.atlas;
    const sharp = (await loadSharp()).default;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${missing.length * cellW}" height="${cellH}">` +
      missing.map((c, i) => `<text x="${i * cellW}" y="${font * 1.02}" font-family="DejaVu Sans Mono, monospace" font-size="${font}" fill="#000">${escapeXml(c)}</text>`).join('') +
      `</svg>`;
    const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
    missing.forEach((c, i) => {
      const cell = new Uint8Array(cellW * cellH);
      for (let y = 0; y < cellH && y < info.height; y++) cell.set(data.subarray(y * info.width + i * cellW, y * info.width + (i + 1) * cellW), y * cellW);
      e.atlas.glyphs.set(c, cell);
    });
  });
  await e.ready;
  return e.atlas;
}

/**
 * Draws `detections` on a copy of an image's RGB `pixels` (`[height, width, 3]`) and writes it to
 * `outPath`, atomically. The format follows `outPath`'s extension (JPEG, WebP, TIFF; PNG otherwise,
 * at a fast compression level: annotated images are for looking at).
 */
export async function writeAnnotated(pixels: Uint8Array, width: number, height: number, detections: readonly Detection[], outPath: string): Promise<void> {
  const sharp = (await loadSharp()).default;
  const canvas = pixels.slice();
  if (detections.length > 0) {
    const { line, font } = drawingScale(width, height);
    const layouts = layoutDetections(detections, width, height);
    drawLayouts(canvas, width, height, layouts, line, await glyphAtlas(font, layouts.map((l) => l.text)));
  }
  let img = sharp(canvas, { raw: { width, height, channels: 3 } });
  const ext = extname(outPath).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') img = img.jpeg({ quality: 90 });
  else if (ext === '.webp') img = img.webp({ quality: 90 });
  else if (ext === '.tif' || ext === '.tiff') img = img.tiff();
  else img = img.png({ compressionLevel: 1 });
  const out = await img.toBuffer();
  writeFileAtomic(outPath, out);
}
