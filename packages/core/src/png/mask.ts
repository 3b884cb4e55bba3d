/**
 * A PNG decoder specialised for masks: it turns a PNG straight into the runs of lesion pixels of
 * each row, without expanding pixels to bytes first. BUSI masks are mostly 1-bit (a 500-pixel row is
 * 63 bytes), so per-file overhead, not pixels, dominates; this path costs little more than
 * `zlib.inflateSync` itself.
 *
 * A pixel is lesion when any colour/gray sample is non-zero, unless it is fully transparent (alpha 0,
 * a tRNS-transparent colour, or a palette entry with alpha 0). All bit depths (1, 2, 4, 8, 16), all
 * colour types (gray, RGB, palette, gray+alpha, RGBA) and Adam7 interlacing are supported.
 */
import { readFileSync } from 'node:fs';
import { BusToolsError, describeError } from '../errors.js';
import { extensionMismatch, sniffImageFormat } from '../image-check.js';
import { MaskRuns, RunsBuilder } from '../mask/runs.js';
import { ADAM7, CHANNELS, filterBpp, inflatePng, packedSample, readPngChunks, rowBytes, unfilter, type PngChunks } from './chunks.js';

/**
 * Builds a function that writes, for one unfiltered row, 1 into `on[x]` for lesion pixels and 0
 * elsewhere. Used for every encoding without a dedicated fast path.
 */
function makeRowClassifier(chunks: PngChunks): (row: Uint8Array, start: number, width: number, on: Uint8Array) => void {
  const { header, palette, trns } = chunks;
  const { bitDepth: depth, colorType } = header;
  if (colorType === 3) {
    const lut = new Uint8Array(256);
    const n = (palette as Uint8Array).length / 3;
    for (let i = 0; i < n; i++) {
      const p = palette as Uint8Array;
      const alpha = trns && i < trns.length ? trns[i] : 255;
      lut[i] = (p[3 * i] | p[3 * i + 1] | p[3 * i + 2]) !== 0 && alpha !== 0 ? 1 : 0;
    }
    return (row, start, width, on) => {
      if (depth === 8) {
        for (let x = 0; x < width; x++) on[x] = lut[row[start + x]];
        return;
      }
      for (let x = 0; x < width; x++) on[x] = lut[packedSample(row, start, x, depth)];
    };
  }
  const channels = CHANNELS[colorType];
  const hasAlpha = colorType === 4 || colorType === 6;
  const colourChannels = hasAlpha ? channels - 1 : channels;
  // tRNS for gray/RGB names one colour (16-bit values) that is fully transparent.
  let transparent: number[] | undefined;
  if (trns && (colorType === 0 || colorType === 2)) {
    const dv = new DataView(trns.buffer, trns.byteOffset, trns.byteLength);
    transparent = [];
    for (let c = 0; c < colourChannels && 2 * c + 1 < trns.length; c++) transparent.push(dv.getUint16(2 * c));
  }
  if (depth < 8) {
    const t = transparent?.[0];
    return (row, start, width, on) => {
      for (let x = 0; x < width; x++) {
        const v = packedSample(row, start, x, depth);
        on[x] = v !== 0 && v !== t ? 1 : 0;
      }
    };
  }
  const bytesPerSample = depth >> 3;
  const pixelBytes = channels * bytesPerSample;
  return (row, start, width, on) => {
    for (let x = 0, p = start; x < width; x++, p += pixelBytes) {
      let any = 0;
      let isTransparent = transparent !== undefined;
      for (let c = 0; c < colourChannels; c++) {
        const q = p + c * bytesPerSample;
        const v = bytesPerSample === 1 ? row[q] : (row[q] << 8) | row[q + 1];
        any |= v;
        if (isTransparent && v !== (transparent as number[])[c]) isTransparent = false;
      }
      if (hasAlpha) {
        const q = p + colourChannels * bytesPerSample;
        const a = bytesPerSample === 1 ? row[q] : row[q] | row[q + 1];
        if (a === 0) any = 0;
      }
      on[x] = any !== 0 && !isTransparent ? 1 : 0;
    }
  };
}

/**
 * Appends the runs of a 1-bit gray row straight from its packed bytes (pixel 0 is the MSB of the
 * first byte). Whole zero and 0xFF bytes are skipped a byte at a time; run edges are found with
 * `Math.clz32` instead of a loop over bits. Padding bits past `width` are ignored.
 */
function runsFromBits(row: Uint8Array, words: Uint32Array | undefined, start: number, width: number, out: RunsBuilder): void {
  const nBytes = (width + 7) >> 3;
  const end = start + nBytes;
  let i = start; // current byte
  let bit = 0; // bit offset from its MSB
  for (;;) {
    // next set bit at or after (i, bit); whole zero words are skipped 4 bytes at a time
    let v = (row[i] << bit) & 0xff;
    while (v === 0) {
      if (++i >= end) return;
      bit = 0;
      if (words && (i & 3) === 0) {
        while (i + 4 <= end && words[i >> 2] === 0) i += 4;
        if (i >= end) return;
      }
      v = row[i];
    }
    bit += Math.clz32(v) - 24;
    const s = ((i - start) << 3) + bit;
    if (s >= width) return;
    // next clear bit at or after (i, bit); whole 0xFF words are skipped likewise
    let z = (~row[i] << bit) & 0xff;
    while (z === 0) {
      if (++i >= end) {
        out.push(s, width);
        return;
      }
      bit = 0;
      if (words && (i & 3) === 0) {
        while (i + 4 <= end && words[i >> 2] === 0xffffffff) i += 4;
        if (i >= end) {
          out.push(s, width);
          return;
        }
      }
      z = ~row[i] & 0xff;
    }
    bit += Math.clz32(z) - 24;
    const e = ((i - start) << 3) + bit;
    out.push(s, e < width ? e : width);
    if (e >= width) return;
  }
}

function runsFromOn(on: Uint8Array, width: number, out: RunsBuilder): void {
  let x = 0;
  while (x < width) {
    while (x < width && on[x] === 0) x++;
    if (x >= width) break;
    const s = x;
    while (x < width && on[x] !== 0) x++;
    out.push(s, x);
  }
}

/** Runs of an 8-bit gray row: a non-zero byte is lesion. */
function runsFromBytes(row: Uint8Array, start: number, width: number, out: RunsBuilder): void {
  let x = 0;
  while (x < width) {
    while (x < width && row[start + x] === 0) x++;
    if (x >= width) break;
    const s = x;
    while (x < width && row[start + x] !== 0) x++;
    out.push(s, x);
  }
}

function isZero(row: Uint8Array, start: number, length: number): boolean {
  for (let i = start, end = start + length; i < end; i++) if (row[i] !== 0) return false;
  return true;
}

/** Runs of an 8-bit RGB or RGBA row: any non-zero colour sample is lesion, alpha 0 is background. */
function runsFromRgb8(row: Uint8Array, start: number, width: number, alpha: boolean, out: RunsBuilder): void {
  const step = alpha ? 4 : 3;
  let runStart = -1;
  for (let x = 0, p = start; x < width; x++, p += step) {
    const lesion = (row[p] | row[p + 1] | row[p + 2]) !== 0 && (!alpha || row[p + 3] !== 0);
    if (lesion) {
      if (runStart < 0) runStart = x;
    } else if (runStart >= 0) {
      out.push(runStart, x);
      runStart = -1;
    }
  }
  if (runStart >= 0) out.push(runStart, width);
}

/**
 * Decodes a mask PNG into lesion runs (see the module comment for what counts as lesion).
 *
 * @example
 *   const runs = decodeMaskPng(readFileSync('benign (1)_mask.png'));
 *   runs.width; // 562
 * @throws BusToolsError `IMAGE_TOO_LARGE` when the header declares more than `maxPixels` (default
 *   `DEFAULT_MAX_PIXELS`) pixels; `BAD_IMAGE` naming `file` for empty, truncated, corrupt or non-PNG input.
 */
export function decodeMaskPng(buf: Buffer, file?: string, options: { maxPixels?: number } = {}): MaskRuns {
  const chunks = readPngChunks(buf, file, options.maxPixels);
  const h = chunks.header;
  const data = inflatePng(chunks.idat, chunks.header, file);
  const out = new RunsBuilder(h.width, h.height);
  const bpp = filterBpp(h);
  if (!h.interlaced) {
    const stride = rowBytes(h, h.width);
    unfilter(data, 0, h.height, stride, bpp, file);
    const gray1 = h.colorType === 0 && h.bitDepth === 1;
    const gray8 = h.colorType === 0 && h.bitDepth === 8 && !chunks.trns;
    const rgb8 = (h.colorType === 2 || h.colorType === 6) && h.bitDepth === 8 && !chunks.trns;
    const classify = gray1 || gray8 || rgb8 ? undefined : makeRowClassifier(chunks);
    const on = classify ? new Uint8Array(h.width) : undefined;
    const oneIsTransparent = gray1 && !!chunks.trns && chunks.trns.length >= 2 && ((chunks.trns[0] << 8) | chunks.trns[1]) === 1;
    // An all-zero row is background in every encoding but palette (where index 0 may be a colour);
    // the 1-bit and 8-bit gray scanners skip zero bytes themselves.
    const zeroRowIsEmpty = h.colorType !== 3 && !gray1 && !gray8;
    // A 32-bit view lets the 1-bit scanner skip 4 bytes at a time (index = byte offset / 4).
    const words = data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2) : undefined;
    for (let y = 0; y < h.height; y++) {
      const start = y * (stride + 1) + 1;
      out.startRow(y);
      if (zeroRowIsEmpty && isZero(data, start, stride)) continue;
      if (gray1) {
        if (!oneIsTransparent) runsFromBits(data, words, start, h.width, out);
      }
      else if (gray8) runsFromBytes(data, start, h.width, out);
      else if (rgb8) runsFromRgb8(data, start, h.width, h.colorType === 6, out);
      else {
        (classify as NonNullable<typeof classify>)(data, start, h.width, on as Uint8Array);
        runsFromOn(on as Uint8Array, h.width, out);
      }
    }
    return out.finish();
  }
  // Adam7: classify each pass's pixels into a full-size on-map, then take runs row by row.
  const full = new Uint8Array(h.width * h.height);
  const classify = makeRowClassifier(chunks);
  let offset = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((h.width - x0) / dx);
    const ph = Math.ceil((h.height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const stride = rowBytes(h, pw);
    const passStart = offset;
    offset = unfilter(data, offset, ph, stride, bpp, file);
    const on = new Uint8Array(pw);
    for (let j = 0; j < ph; j++) {
      classify(data, passStart + j * (stride + 1) + 1, pw, on);
      const y = y0 + j * dy;
      for (let i = 0; i < pw; i++) full[y * h.width + x0 + i * dx] = on[i];
    }
  }
  for (let y = 0; y < h.height; y++) {
    out.startRow(y);
    runsFromOn(full.subarray(y * h.width, (y + 1) * h.width), h.width, out);
  }
  return out.finish();
}


/** A mask file read and decoded by `readMaskFile`. */
export interface ReadMask {
  runs: MaskRuns;
  /** The file's bytes (lint reads the sample values from them too). */
  bytes: Buffer;
  /** Set when the name says another format than PNG: the mask was read, but other tools may not. */
  extensionWarning?: string;
}

/**
 * Reads and decodes a mask file, the same way in every command. Masks are PNG by content (a lossy
 * format blurs the lesion edge); a PNG with another extension is read, with `extensionWarning` set.
 *
 * @example
 *   const { runs } = readMaskFile('benign/benign (1)_mask.png'); // runs.width = 562
 * @throws BusToolsError `UNREADABLE`, `UNSUPPORTED_MASK` (content other than PNG), `IMAGE_TOO_LARGE`,
 *   `BAD_IMAGE` (empty, truncated, corrupt); the message names the file as `name` (default `path`).
 */
export function readMaskFile(path: string, options: { name?: string; maxPixels?: number } = {}): ReadMask {
  const name = options.name ?? path;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${name}: cannot be read (${describeError(cause)})`, { file: path, cause });
  }
  const format = bytes.length ? sniffImageFormat(bytes.subarray(0, 16)) : 'png'; // empty: the decoder says so
  if (format !== 'png') {
    throw new BusToolsError(
      'UNSUPPORTED_MASK',
      `${name}: masks must be PNG, and this file's content is ${format ? format.toUpperCase() : 'not an image format bus-tools reads'} (a lossy format blurs the lesion edge); convert it to PNG`,
      { file: path },
    );
  }
  const runs = decodeMaskPng(bytes, name, { maxPixels: options.maxPixels });
  const extensionWarning = extensionMismatch(name, 'png');
  return extensionWarning ? { runs, bytes, extensionWarning } : { runs, bytes };
}
