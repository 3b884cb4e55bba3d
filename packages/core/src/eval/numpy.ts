/**
 * The few numpy operations COCOeval's numbers depend on, reproduced operation for operation so that
 * results agree to the last bit rather than "to about 1e-12". Each one names the numpy function it
 * mirrors; none of them is a general-purpose replacement.
 */

/**
 * `np.linspace(start, stop, num)` with `endpoint=True`: `i * step + start` with
 * `step = (stop - start) / (num - 1)`, and the last element set to `stop` exactly.
 *
 * The spelling matters: `linspace(0, 1, 101)[35]` is `0.35000000000000003`, not `35 / 100`, and
 * COCOeval's `searchsorted` of recall against these thresholds sees the difference.
 *
 * @example linspace(0.5, 0.95, 10)[5] === 0.75
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 0) return out;
  const div = num - 1;
  if (div === 0) {
    out[0] = start;
    return out;
  }
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  out[num - 1] = stop;
  return out;
}

const PW_BLOCKSIZE = 128;

/**
 * numpy's pairwise summation of float64 values (`np.add.reduce` on a contiguous array, so also
 * `np.sum` and `np.mean`): fewer than 8 values are added in order, up to 128 with eight running
 * partial sums, more are split in halves (at a multiple of 8) and summed recursively.
 *
 * @example pairwiseSum(Float64Array.of(0.1, 0.2, 0.3)) === 0.1 + 0.2 + 0.3
 */
export function pairwiseSum(a: Float64Array, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3];
    let r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const o = start + i;
      r0 += a[o]; r1 += a[o + 1]; r2 += a[o + 2]; r3 += a[o + 3];
      r4 += a[o + 4]; r5 += a[o + 5]; r6 += a[o + 6]; r7 += a[o + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.spacing(1)`: the distance from 1 to the next double, `2 ** -52`. */
export const NP_SPACING_1 = Number.EPSILON;

/** Stable sort of `order[0..n)` by descending score (ties keep their order), as `argsort(-s, 'mergesort')`. */
export function stableSortByScoreDesc(order: Int32Array, n: number, scoreOf: (j: number) => number): void {
  if (n < 2) return;
  if (n <= 32) {
    for (let i = 1; i < n; i++) {
      const v = order[i];
      const sv = scoreOf(v);
      let j = i - 1;
      while (j >= 0 && scoreOf(order[j]) < sv) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = v;
    }
    return;
  }
  const pos = Array.from(order.subarray(0, n), (v, i) => i);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = scoreOf(order[i]);
  pos.sort((x, y) => (keys[x] > keys[y] ? -1 : keys[x] < keys[y] ? 1 : x - y));
  const copy = order.slice(0, n);
  for (let i = 0; i < n; i++) order[i] = copy[pos[i]];
}
