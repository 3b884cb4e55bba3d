/**
 * Resampling for the model input: a separable triangle ("bilinear") filter with pixel-centre
 * alignment. Weights are 14-bit fixed point; each pass rounds to 8 bits. Pure functions on
 * interleaved 8-bit samples.
 *
 * Which reference it follows:
 * - **Enlarging** (the usual case: BUSI scans are about 500 px, model inputs 640): OpenCV's
 *   `cv2.resize(..., interpolation=cv2.INTER_LINEAR)`, the resize the BUSI model was trained with.
 *   Output pixel `x` samples the source at `(x + 0.5) · in/out − 0.5` (half-pixel centres), between
 *   its two neighbours, and positions before the first or past the last pixel take the edge pixel.
 *   In one dimension the result equals OpenCV's; in two, OpenCV keeps the horizontal pass at 11 bits
 *   where this one rounds it to 8, so a pixel can differ by 1.
 * - **Shrinking**: the triangle is widened by the scale factor so that every source pixel counts, as
 *   PIL's and libvips' bilinear resize do. OpenCV's INTER_LINEAR does not widen it (each output
 *   pixel still reads only its 2×2 nearest source pixels, which aliases), so images larger than the
 *   model input are smoothed more here than they were in training.
 */

const SHIFT = 14;
const ONE = 1 << SHIFT;
const HALF = 1 << (SHIFT - 1);

/** For each output position: the first input index, the number of taps, and their weights. */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  /** Stride of `weights` per output position. */
  stride: number;
}

function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  const stride = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride + 1);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    let lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inSize, Math.ceil(centre + support));
    let sum = 0;
    for (let i = lo; i < hi; i++) sum += w[i - lo] = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / support));
    // Drop zero-weight ends.
    let a = 0;
    let b = hi - lo;
    while (a < b - 1 && w[a] === 0) a++;
    while (b > a + 1 && w[b - 1] === 0) b--;
    if (sum === 0) {
      // Only when inSize is tiny: take the nearest pixel.
      lo = Math.min(inSize - 1, Math.max(0, Math.floor(centre)));
      first[o] = lo;
      count[o] = 1;
      weights[o * stride] = ONE;
      continue;
    }
    first[o] = lo + a;
    count[o] = b - a;
    let total = 0;
    let biggest = 0;
    for (let k = a; k < b; k++) {
      const q = Math.round((w[k] / sum) * ONE);
      weights[o * stride + k - a] = q;
      total += q;
      if (q > weights[o * stride + biggest]) biggest = k - a;
    }
    weights[o * stride + biggest] += ONE - total; // exact unit sum: flat areas stay flat
  }
  return { first, count, weights, stride };
}

/**
 * The same taps, all of one length `T` (the largest count) so the hot loop has a fixed trip count:
 * shorter ones get zero weights, and a window that would run past the end is moved back (its weights
 * shifted to match). The sums, and so the pixels, are unchanged.
 */
function paddedTaps(t: Taps, inSize: number): { first: Int32Array; weights: Int32Array; T: number } {
  let T = 1;
  for (let o = 0; o < t.count.length; o++) if (t.count[o] > T) T = t.count[o];
  T = Math.min(T, inSize);
  const n = t.count.length;
  const first = new Int32Array(n);
  const weights = new Int32Array(n * T);
  for (let o = 0; o < n; o++) {
    const shift = Math.max(0, t.first[o] + T - inSize);
    first[o] = t.first[o] - shift;
    for (let k = 0; k < t.count[o]; k++) weights[o * T + shift + k] = t.weights[o * t.stride + k];
  }
  return { first, weights, T };
}

/**
 * Resizes `src` (`sw × sh`, `channels` interleaved 8-bit samples) to `dw × dh`.
 * @example resizePixels(new Uint8Array([0, 255]), 2, 1, 1, 4, 1) // → Uint8Array [0, 64, 191, 255]
 */
export function resizePixels(src: Uint8Array, sw: number, sh: number, channels: number, dw: number, dh: number): Uint8Array {
  if (sw === dw && sh === dh) return src.slice();
  // Horizontal pass: sh rows of dw pixels. Weights are ≥ 0 and sum to ONE: no clamping needed.
  const mid = new Uint8Array(sh * dw * channels);
  const { first: hf, weights: hw, T } = paddedTaps(taps(sw, dw), sw);
  if (channels === 1 && T === 2) {
    for (let y = 0; y < sh; y++) {
      for (let x = 0, row = y * sw, o = y * dw, wo = 0; x < dw; x++, wo += 2) {
        const p = row + hf[x];
        mid[o + x] = (HALF + src[p] * hw[wo] + src[p + 1] * hw[wo + 1]) >> SHIFT;
      }
    }
  } else if (channels === 1 && T === 3) {
    for (let y = 0; y < sh; y++) {
      for (let x = 0, row = y * sw, o = y * dw, wo = 0; x < dw; x++, wo += 3) {
        const p = row + hf[x];
        mid[o + x] = (HALF + src[p] * hw[wo] + src[p + 1] * hw[wo + 1] + src[p + 2] * hw[wo + 2]) >> SHIFT;
      }
    }
  } else if (channels === 1 && T === 4) {
    for (let y = 0; y < sh; y++) {
      for (let x = 0, row = y * sw, o = y * dw, wo = 0; x < dw; x++, wo += 4) {
        const p = row + hf[x];
        mid[o + x] = (HALF + src[p] * hw[wo] + src[p + 1] * hw[wo + 1] + src[p + 2] * hw[wo + 2] + src[p + 3] * hw[wo + 3]) >> SHIFT;
      }
    }
  } else {
    for (let y = 0; y < sh; y++) {
      const row = y * sw * channels;
      const orow = y * dw * channels;
      for (let x = 0, wo = 0; x < dw; x++, wo += T) {
        for (let c = 0; c < channels; c++) {
          let v = HALF;
          for (let k = 0, p = row + hf[x] * channels + c; k < T; k++, p += channels) v += src[p] * hw[wo + k];
          mid[orow + x * channels + c] = v >> SHIFT;
        }
      }
    }
  }
  // Vertical pass: whole rows at a time (sequential memory); up to four taps without an accumulator.
  const rowLen = dw * channels;
  const out = new Uint8Array(dh * rowLen);
  const { first: vf, count: vc, weights: vw, stride: vs } = taps(sh, dh);
  let acc: Int32Array | undefined;
  for (let y = 0; y < dh; y++) {
    const o = y * rowLen;
    const n = vc[y];
    const a = vf[y] * rowLen;
    const b = a + rowLen;
    const c = b + rowLen;
    const d = c + rowLen;
    const wy = y * vs;
    if (n === 1) {
      out.set(mid.subarray(a, a + rowLen), o);
    } else if (n === 2) {
      const [w0, w1] = [vw[wy], vw[wy + 1]];
      for (let i = 0; i < rowLen; i++) out[o + i] = (HALF + mid[a + i] * w0 + mid[b + i] * w1) >> SHIFT;
    } else if (n === 3) {
      const [w0, w1, w2] = [vw[wy], vw[wy + 1], vw[wy + 2]];
      for (let i = 0; i < rowLen; i++) out[o + i] = (HALF + mid[a + i] * w0 + mid[b + i] * w1 + mid[c + i] * w2) >> SHIFT;
    } else if (n === 4) {
      const [w0, w1, w2, w3] = [vw[wy], vw[wy + 1], vw[wy + 2], vw[wy + 3]];
      for (let i = 0; i < rowLen; i++) out[o + i] = (HALF + mid[a + i] * w0 + mid[b + i] * w1 + mid[c + i] * w2 + mid[d + i] * w3) >> SHIFT;
    } else {
      acc ??= new Int32Array(rowLen);
      acc.fill(HALF);
      for (let k = 0; k < n; k++) {
        const q = vw[wy + k];
        const base = a + k * rowLen;
        for (let i = 0; i < rowLen; i++) acc[i] += mid[base + i] * q;
      }
      for (let i = 0; i < rowLen; i++) out[o + i] = acc[i] >> SHIFT;
    }
  }
  return out;
}

/** Gray samples → RGB (each value three times). */
export function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0, j = 0; i < gray.length; i++, j += 3) {
    const v = gray[i];
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
  }
  return out;
}
