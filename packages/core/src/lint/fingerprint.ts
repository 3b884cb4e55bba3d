/**
 * Image fingerprints for duplicate detection, as pure functions over decoded pixels (no sharp here).
 *
 * Every image is reduced the same way: luma → dark border trimmed (BUSI copies of one scan differ
 * mostly in the black frame and its text around the scan) → 32×32 area-averaged thumbnail. From the
 * thumbnail come
 * - `hash`: a 64-bit DCT perceptual hash (pHash: the 8×8 lowest frequencies of the thumbnail's
 *   2-D DCT-II, one bit per coefficient, set when it is above their median), written as 16 hex digits;
 *   rescales change few bits, so near-copies are close in Hamming distance;
 * - `thumb`: the thumbnail with mean 0 and norm 1, so the dot product of two thumbnails is their
 *   normalized cross-correlation (NCC, -1…1). Candidates found by hash distance are confirmed by NCC,
 *   which tells two ultrasound scans with a similar layout (hash distance 12–16, NCC < 0.8) from
 *   copies of one scan (NCC > 0.85).
 */

/** Side of the thumbnail the hash and the NCC are computed on, in pixels. */
export const THUMB_SIZE = 32;

/**
 * Pixels whose colour channels differ by at least `minChroma` (max(R,G,B) − min(R,G,B)): Doppler
 * colour, coloured calipers and annotation overlays. Gray ultrasound has a spread of 0 (PNG) or a few
 * levels (re-encoded JPEG).
 */
export function colourPixelCount(rgb: Uint8Array, minChroma = 40): number {
  return lumaAndColour(rgb, rgb.length / 3, minChroma).colour;
}

/** Luma and the colour-pixel count in one pass (the hot loop of fingerprinting). */
function lumaAndColour(rgb: Uint8Array, n: number, minChroma: number): { gray: Uint8Array; colour: number } {
  const gray = new Uint8Array(n);
  let colour = 0;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    const r = rgb[p];
    const g = rgb[p + 1];
    const b = rgb[p + 2];
    gray[i] = (19595 * r + 38470 * g + 7471 * b + 32768) >>> 16;
    if (r !== g || g !== b) {
      const max = r > g ? (r > b ? r : b) : g > b ? g : b;
      const min = r < g ? (r < b ? r : b) : g < b ? g : b;
      if (max - min >= minChroma) colour++;
    }
  }
  return { gray, colour };
}

/**
 * The box `[x1, y1, x2, y2]` (pixel edges) left after dropping border rows and columns whose mean
 * luma is below `threshold`: the black frame around the scan. The whole image when it is all dark.
 */
export function trimDarkBorder(gray: Uint8Array, width: number, height: number, threshold = 20): [number, number, number, number] {
  const rowMean = (y: number) => {
    let s = 0;
    for (let x = 0, i = y * width; x < width; x++, i++) s += gray[i];
    return s / width;
  };
  const colMean = (x: number, y1: number, y2: number) => {
    let s = 0;
    for (let y = y1, i = y1 * width + x; y < y2; y++, i += width) s += gray[i];
    return s / (y2 - y1);
  };
  let y1 = 0;
  let y2 = height;
  while (y1 < height && rowMean(y1) < threshold) y1++;
  if (y1 === height) return [0, 0, width, height];
  while (y2 > y1 + 1 && rowMean(y2 - 1) < threshold) y2--;
  let x1 = 0;
  let x2 = width;
  while (x1 < width - 1 && colMean(x1, y1, y2) < threshold) x1++;
  while (x2 > x1 + 1 && colMean(x2 - 1, y1, y2) < threshold) x2--;
  return [x1, y1, x2, y2];
}

/**
 * Area averages of `size` equal cells covering `values[0 … length)`, from the running sum `prefix`
 * (`prefix[k]` = sum of the first k values): a cell from position a to b (fractional) sums
 * `I(b) − I(a)` with `I(t) = prefix[⌊t⌋] + (t − ⌊t⌋) · values[⌊t⌋]`.
 */
function cellMeans(prefix: Float64Array, values: ArrayLike<number>, offset: number, stride: number, length: number, size: number, out: Float64Array, outOffset: number, outStride: number): void {
  const scale = length / size;
  const integral = (t: number) => {
    const k = Math.floor(t);
    return k >= length ? prefix[length] : prefix[k] + (t - k) * values[offset + k * stride];
  };
  let prev = 0;
  for (let o = 0; o < size; o++) {
    const next = integral((o + 1) * scale);
    out[outOffset + o * outStride] = (next - prev) / scale;
    prev = next;
  }
}

/**
 * Area-averaged `size × size` thumbnail of the region `box` of a gray image (aspect ratio not kept:
 * a rescaled copy gives the same thumbnail). Values 0–255.
 */
export function grayThumbnail(gray: Uint8Array, width: number, box: readonly [number, number, number, number], size = THUMB_SIZE): Float64Array {
  const [x1, y1, x2, y2] = box;
  const w = x2 - x1;
  const h = y2 - y1;
  // horizontal pass: each row of the box → `size` cell means; then the same down each column
  const rows = new Float64Array(h * size);
  const prefix = new Float64Array(Math.max(w, h) + 1);
  for (let y = 0; y < h; y++) {
    const base = (y1 + y) * width + x1;
    for (let x = 0; x < w; x++) prefix[x + 1] = prefix[x] + gray[base + x];
    cellMeans(prefix, gray, base, 1, w, size, rows, y * size, 1);
  }
  const thumb = new Float64Array(size * size);
  for (let c = 0; c < size; c++) {
    for (let y = 0; y < h; y++) prefix[y + 1] = prefix[y] + rows[y * size + c];
    cellMeans(prefix, rows, c, size, h, size, thumb, c, size);
  }
  return thumb;
}

let dctTable: Float64Array | undefined;
/** cos(π (n + ½) k / N) for k < 8, n < 32. */
function dct(): Float64Array {
  if (dctTable) return dctTable;
  const t = new Float64Array(8 * THUMB_SIZE);
  for (let k = 0; k < 8; k++) for (let n = 0; n < THUMB_SIZE; n++) t[k * THUMB_SIZE + n] = Math.cos((Math.PI * (n + 0.5) * k) / THUMB_SIZE);
  dctTable = t;
  return t;
}

/**
 * 64-bit pHash of a 32×32 thumbnail as `[hi, lo]` unsigned 32-bit halves: bit `8·ky + kx` (0 = least
 * significant bit of `lo`) is set when DCT coefficient (ky, kx) is above the median of the 64.
 */
export function perceptualHash(thumb: Float64Array): [hi: number, lo: number] {
  const N = THUMB_SIZE;
  const c = dct();
  const tmp = new Float64Array(N * 8); // row transforms, first 8 frequencies
  for (let y = 0; y < N; y++) {
    for (let k = 0; k < 8; k++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += thumb[y * N + x] * c[k * N + x];
      tmp[y * 8 + k] = s;
    }
  }
  const coef = new Float64Array(64);
  for (let ky = 0; ky < 8; ky++) {
    for (let kx = 0; kx < 8; kx++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += tmp[y * 8 + kx] * c[ky * N + y];
      coef[ky * 8 + kx] = s;
    }
  }
  const sorted = Float64Array.from(coef).sort();
  const median = (sorted[31] + sorted[32]) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    if (coef[i] <= median) continue;
    if (i < 32) lo |= 1 << i;
    else hi |= 1 << (i - 32);
  }
  return [hi >>> 0, lo >>> 0];
}

/** The thumbnail with mean 0 and Euclidean norm 1 (all zeros for a flat image), as float32. */
export function normalizeThumbnail(thumb: Float64Array): Float32Array {
  let mean = 0;
  for (const v of thumb) mean += v;
  mean /= thumb.length;
  let norm = 0;
  for (const v of thumb) norm += (v - mean) * (v - mean);
  norm = Math.sqrt(norm);
  const out = new Float32Array(thumb.length);
  if (norm < 1e-9) return out;
  for (let i = 0; i < thumb.length; i++) out[i] = (thumb[i] - mean) / norm;
  return out;
}

/** Normalized cross-correlation of two normalized thumbnails: 1 = same picture up to brightness/contrast. */
export function thumbnailSimilarity(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** 16 hex digits of a `[hi, lo]` hash. */
export function hashToHex([hi, lo]: readonly [number, number]): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Inverse of `hashToHex`. */
export function hashFromHex(hex: string): [hi: number, lo: number] {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

export interface PixelFingerprint {
  /** 64-bit pHash, 16 hex digits. */
  hash: string;
  /** Normalized 32×32 thumbnail for NCC confirmation. */
  thumb: Float32Array;
  /** The region the hash was computed on after trimming the dark frame, `[x1, y1, x2, y2]`. */
  trimmed: [number, number, number, number];
  /** Pixels with colour (see `colourPixelCount`). */
  colourPixels: number;
}

/**
 * Everything duplicate detection and the colour check need from one decoded RGB image.
 * @example
 *   const fp = fingerprintPixels(rgb, 562, 471); // { hash: 'c3b1…', thumb, trimmed: [16, 0, 540, 471], colourPixels: 0 }
 */
export function fingerprintPixels(rgb: Uint8Array, width: number, height: number, minChroma = 40): PixelFingerprint {
  const { gray, colour } = lumaAndColour(rgb, width * height, minChroma);
  const trimmed = trimDarkBorder(gray, width, height);
  const raw = grayThumbnail(gray, width, trimmed);
  return { hash: hashToHex(perceptualHash(raw)), thumb: normalizeThumbnail(raw), trimmed, colourPixels: colour };
}
