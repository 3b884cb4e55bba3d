/**
 * PNG → 8-bit gray or RGB pixels in plain JavaScript, for prediction: the common case of ultrasound
 * exports decoded without an image library. Built on the shared chunk walk and unfiltering (chunks.ts).
 */
import { fail, filterBpp, inflatePng, packedSample, paeth, readPngChunks, rowBytes, unfilter } from './chunks.js';

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
 * @throws BusToolsError `IMAGE_TOO_LARGE` when the header declares more than `maxPixels` (default
 *   `DEFAULT_MAX_PIXELS`) pixels; `BAD_IMAGE` naming `file` for empty, truncated, corrupt or non-PNG input.
 */
export function decodePngPixels(buf: Buffer, file?: string, options: { maxPixels?: number } = {}): PngPixels | undefined {
  const chunks = readPngChunks(buf, file, options.maxPixels);
  const h = chunks.header;
  if (h.interlaced || chunks.tagged) return undefined;
  const data = inflatePng(chunks.idat, h, file);
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
