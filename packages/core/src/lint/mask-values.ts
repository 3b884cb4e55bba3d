/**
 * The raw sample values of a mask PNG, for lint: which values occur (a clean mask has 0 and one
 * foreground value) and what its alpha channel holds. The mask decoder (png/mask.ts) classifies
 * pixels without keeping values, so it stays fast; this second look runs only in lint.
 */
import { CHANNELS, decodePngRows, packedSample, type PngHeader } from '../png/chunks.js';

export interface MaskValueStats {
  header: PngHeader;
  /**
   * Pixel count per distinct colour value, most frequent first. The value is the gray sample, the
   * palette index, or for RGB `r·65536² + g·65536 + b` shown as `"r,g,b"` (alpha not included).
   */
  values: Array<{ value: string; pixels: number; zero: boolean }>;
  /** True when more than `maxDistinct` values occurred (the list is then cut). */
  truncated: boolean;
  /** Alpha channel only: pixels with alpha 0 whose colour is non-zero (transparent "lesion"). */
  transparentNonZero?: number;
  /** Alpha channel only: smallest and largest alpha. */
  alphaRange?: [number, number];
  /** Adam7-interlaced masks are not analysed (values empty). */
  interlaced: boolean;
}

/**
 * Counts the distinct sample values of a mask PNG.
 *
 * @example
 *   maskValueStats(readFileSync('benign (4)_mask_1.png')).values;
 *   // [{ value: '0,0,0', pixels: 250000, zero: true }, { value: '255,255,255', pixels: 2100, zero: false }]
 * @throws BusToolsError `BAD_IMAGE` for a file the mask decoder rejects too.
 */
export function maskValueStats(buf: Buffer, file?: string, maxDistinct = 64): MaskValueStats {
  const { header, data } = decodePngRows(buf, file);
  const counts = new Map<number, number>();
  const { width, height, bitDepth, colorType } = header;
  if (header.interlaced) return { header, values: [], truncated: false, interlaced: true };
  const channels = CHANNELS[colorType];
  const stride = Math.ceil((width * channels * bitDepth) / 8);
  const hasAlpha = colorType === 4 || colorType === 6;
  const colour = hasAlpha ? channels - 1 : channels;
  let transparentNonZero = 0;
  let aMin = Infinity;
  let aMax = -Infinity;
  let truncated = false;
  const add = (v: number, n = 1) => {
    const c = counts.get(v);
    if (c !== undefined) counts.set(v, c + n);
    else if (counts.size < maxDistinct) counts.set(v, n);
    else truncated = true;
  };
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1) + 1;
    if (bitDepth < 8) {
      // A mask row is mostly whole bytes of 0x00 or 0xff: those count as one run step for all their
      // samples; only mixed bytes are read sample by sample.
      const perByte = 8 / bitDepth;
      const full = (1 << bitDepth) - 1;
      let run = -1;
      let runLength = 0;
      for (let x = 0; x < width; ) {
        const byte = data[start + x / perByte];
        const n = Math.min(perByte, width - x);
        const whole = byte === 0 ? 0 : byte === 0xff ? full : -1;
        const v = whole >= 0 ? whole : packedSample(data, start, x, bitDepth);
        const step = whole >= 0 ? n : 1;
        if (v === run) runLength += step;
        else {
          if (runLength) add(run, runLength);
          run = v;
          runLength = step;
        }
        x += step;
        if (step === 1 && x % perByte !== 0) {
          // finish the mixed byte sample by sample
          for (; x % perByte !== 0 && x < width; x++) {
            const w = packedSample(data, start, x, bitDepth);
            if (w === run) runLength++;
            else {
              if (runLength) add(run, runLength);
              run = w;
              runLength = 1;
            }
          }
        }
      }
      if (runLength) add(run, runLength);
      continue;
    }
    const bytes = bitDepth >> 3;
    const pixelBytes = channels * bytes;
    let run = -1;
    let runLength = 0;
    for (let x = 0, p = start; x < width; x++, p += pixelBytes) {
      let v = 0;
      for (let c = 0; c < colour; c++) {
        const q = p + c * bytes;
        v = v * 65536 + (bytes === 1 ? data[q] : (data[q] << 8) | data[q + 1]);
      }
      // count runs of one value, not pixels: a mask row is a few runs
      if (v === run) runLength++;
      else {
        if (runLength) add(run, runLength);
        run = v;
        runLength = 1;
      }
      if (hasAlpha) {
        const q = p + colour * bytes;
        const a = bytes === 1 ? data[q] : (data[q] << 8) | data[q + 1];
        if (a < aMin) aMin = a;
        if (a > aMax) aMax = a;
        if (a === 0 && v !== 0) transparentNonZero++;
      }
    }
    if (runLength) add(run, runLength);
  }
  const show = (v: number) => {
    if (colour === 1) return String(v);
    const parts: number[] = [];
    for (let c = 0; c < colour; c++) {
      parts.unshift(v % 65536);
      v = Math.floor(v / 65536);
    }
    return parts.join(',');
  };
  const values = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([v, pixels]) => ({ value: show(v), pixels, zero: v === 0 }));
  const out: MaskValueStats = { header, values, truncated, interlaced: false };
  if (hasAlpha) {
    out.transparentNonZero = transparentNonZero;
    out.alphaRange = [aMin, aMax];
  }
  return out;
}
