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
import { inflateSync } from 'node:zlib';
import { BusToolsError } from '../errors.js';
import { MaskRuns, RunsBuilder } from '../mask/runs.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

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

function fail(message: string, file?: string, cause?: unknown): never {
  throw new BusToolsError('BAD_IMAGE', file ? `${file}: ${message}` : message, { file, cause });
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

interface PngChunks {
  header: PngHeader;
  idat: Buffer;
  palette?: Uint8Array;
  trns?: Uint8Array;
  /** An ICC profile, cICP colour space or EXIF block is present (viewers may transform the pixels). */
  tagged: boolean;
}

function readChunks(buf: Buffer, file?: string): PngChunks {
  const header = readPngHeader(buf, file);
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
function filterBpp(h: PngHeader): number {
  return Math.max(1, (CHANNELS[h.colorType] * h.bitDepth) >> 3);
}

function rowBytes(h: PngHeader, width: number): number {
  return Math.ceil((width * CHANNELS[h.colorType] * h.bitDepth) / 8);
}

/**
 * Undoes PNG filtering in place. `data` holds `rows` rows of `1 + stride` bytes (filter byte first).
 * Returns the offset just past the last row.
 */
function unfilter(data: Uint8Array, offset: number, rows: number, stride: number, bpp: number, file?: string): number {
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
function paeth(a: number, b: number, c: number): number {
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

function inflate(idat: Buffer, h: PngHeader, file?: string): Buffer {
  try {
    // One output chunk of the expected size: no growing, no concatenation copy.
    return inflateSync(idat, { chunkSize: Math.max(1024, inflatedSize(h) + 1) });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    return fail(`corrupt or truncated PNG: its image data does not decompress (${why})`, file, cause);
  }
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Decodes a mask PNG into lesion runs (see the module comment for what counts as lesion).
 *
 * @example
 *   const runs = decodeMaskPng(readFileSync('benign (1)_mask.png'));
 *   runs.width; // 562
 * @throws BusToolsError `BAD_IMAGE` naming `file` for empty, truncated, corrupt or non-PNG input.
 */
export function decodeMaskPng(buf: Buffer, file?: string): MaskRuns {
  const chunks = readChunks(buf, file);
  const h = chunks.header;
  const data = inflate(chunks.idat, chunks.header, file);
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

/**
 * Decodes and unfilters a PNG without classifying pixels: the "decode only" baseline the benchmark
 * compares mask extraction with. Returns the unfiltered bytes (filter bytes included).
 */
export function decodePngRows(buf: Buffer, file?: string): { header: PngHeader; data: Buffer } {
  const chunks = readChunks(buf, file);
  const data = inflate(chunks.idat, chunks.header, file);
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

/** A decoded image: 8-bit samples, row-major, 1 (gray) or 3 (RGB) interleaved channels. */
export interface PngPixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/**
 * Decodes a non-interlaced PNG without colour-space tags to 8-bit gray or RGB, the common case of
 * ultrasound exports, in plain JavaScript (zlib + unfiltering). Alpha is dropped (not blended), 16-bit
 * samples keep their high byte, low-depth gray is scaled to 0–255, palettes are expanded. RGB images
 * whose three channels are equal everywhere (BUSI stores gray scans as RGB) come back as gray.
 *
 * Returns undefined for what it leaves to a full image library: Adam7 interlacing, and files with an
 * ICC profile, cICP or EXIF chunk (colour management, orientation).
 * @throws BusToolsError `BAD_IMAGE` naming `file` for empty, truncated, corrupt or non-PNG input.
 */
export function decodePngPixels(buf: Buffer, file?: string): PngPixels | undefined {
  const chunks = readChunks(buf, file);
  const h = chunks.header;
  if (h.interlaced || chunks.tagged) return undefined;
  const data = inflate(chunks.idat, h, file);
  const stride = rowBytes(h, h.width);
  const { width, height, bitDepth: depth, colorType } = h;
  const n = width * height;
  const rgb8Step = (colorType === 2 || colorType === 6) && depth === 8 ? (colorType === 6 ? 4 : 3) : 0;
  if (rgb8Step && filteredIsGray(data, width, height, rgb8Step, file)) {
    return { width, height, channels: 1, data: unfilterFirstChannel(data, width, height, rgb8Step, file) };
  }
  unfilter(data, 0, h.height, stride, filterBpp(h), file);
  const bytes = depth >> 3; // bytes per sample (0 below 8 bits)
  const row = (y: number) => y * (stride + 1) + 1;

  if (colorType === 0 || colorType === 4) {
    const out = new Uint8Array(n);
    const step = (colorType === 4 ? 2 : 1) * bytes;
    if (depth >= 8) {
      for (let y = 0, o = 0; y < height; y++) for (let x = 0, p = row(y); x < width; x++, p += step) out[o++] = data[p];
    } else {
      const scale = 255 / ((1 << depth) - 1);
      for (let y = 0, o = 0; y < height; y++) {
        const r = row(y);
        for (let x = 0; x < width; x++) out[o++] = packedSample(data, r, x, depth) * scale;
      }
    }
    return { width, height, channels: 1, data: out };
  }
  if (colorType === 3) {
    const pal = chunks.palette as Uint8Array;
    const out = new Uint8Array(n * 3);
    for (let y = 0, o = 0; y < height; y++) {
      const r = row(y);
      for (let x = 0; x < width; x++, o += 3) {
        const i = 3 * (depth === 8 ? data[r + x] : packedSample(data, r, x, depth));
        out[o] = pal[i];
        out[o + 1] = pal[i + 1];
        out[o + 2] = pal[i + 2];
      }
    }
    return { width, height, channels: 3, data: out };
  }
  // RGB / RGBA: gray when every pixel has R = G = B (8-bit images get here only when filteredIsGray said no).
  const step = (colorType === 6 ? 4 : 3) * bytes;
  let isGray = !rgb8Step;
  const gray = new Uint8Array(isGray ? n : 0);
  for (let y = 0, o = 0; y < height && isGray; y++) {
    for (let x = 0, p = row(y); x < width; x++, p += step) {
      const v = data[p];
      if (v !== data[p + bytes] || v !== data[p + 2 * bytes]) {
        isGray = false;
        break;
      }
      gray[o++] = v;
    }
  }
  if (isGray) return { width, height, channels: 1, data: gray };
  const out = new Uint8Array(n * 3);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0, p = row(y); x < width; x++, p += step, o += 3) {
      out[o] = data[p];
      out[o + 1] = data[p + bytes];
      out[o + 2] = data[p + 2 * bytes];
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * Whether filtered 8-bit RGB or RGBA rows (`step` 3 or 4 bytes a pixel) hold a gray image. BUSI stores
 * its gray scans as RGB, so this case is made cheap: PNG's filters predict each channel from the same
 * neighbours with the same row filter, so R = G = B everywhere after unfiltering exactly when the
 * *filtered* R, G and B bytes are equal in every pixel; then unfiltering R alone gives the image.
 */
function filteredIsGray(data: Uint8Array, width: number, height: number, step: number, file?: string): boolean {
  const stride = width * step;
  if (height * (stride + 1) > data.length) fail('corrupt PNG: the image data is shorter than the image size says', file);
  let diff = 0;
  for (let y = 0; y < height && diff === 0; y++) {
    for (let p = y * (stride + 1) + 1, end = p + stride; p < end; p += step) diff |= (data[p] ^ data[p + 1]) | (data[p] ^ data[p + 2]);
  }
  return diff === 0;
}

/**
 * Unfilters only the first sample of each `step`-byte pixel of filtered 8-bit rows into a new
 * `width × height` array: what unfiltering the whole image and keeping channel 0 gives, because each
 * channel is predicted from its own values.
 */
function unfilterFirstChannel(data: Uint8Array, width: number, height: number, step: number, file?: string): Uint8Array {
  const out = new Uint8Array(width * height);
  const stride = width * step;
  for (let y = 0; y < height; y++) {
    const src = y * (stride + 1) + 1;
    const o = y * width; // this row in out
    const u = o - width; // the row above in out (negative for the first row)
    const f = data[src - 1];
    if (f === 0) {
      for (let x = 0, p = src; x < width; x++, p += step) out[o + x] = data[p];
    } else if (f === 1 || (f === 4 && y === 0)) {
      // Sub; also Paeth without a row above, which predicts from the left
      let left = 0;
      for (let x = 0, p = src; x < width; x++, p += step) out[o + x] = left = (left + data[p]) & 255;
    } else if (f === 2) {
      if (y === 0) for (let x = 0, p = src; x < width; x++, p += step) out[o + x] = data[p];
      else for (let x = 0, p = src; x < width; x++, p += step) out[o + x] = data[p] + out[u + x];
    } else if (f === 3) {
      let left = 0;
      for (let x = 0, p = src; x < width; x++, p += step) out[o + x] = left = (data[p] + ((left + (y > 0 ? out[u + x] : 0)) >> 1)) & 255;
    } else if (f === 4) {
      let a = 0;
      let c = 0;
      for (let x = 0, p = src; x < width; x++, p += step) {
        const b = out[u + x];
        out[o + x] = a = (data[p] + paeth(a, b, c)) & 255;
        c = b;
      }
    } else {
      fail(`corrupt PNG: unknown filter type ${f} in row ${y}`, file);
    }
  }
  return out;
}
