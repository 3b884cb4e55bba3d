/**
 * All pairs of 64-bit hashes within Hamming distance `radius`, without comparing every pair:
 * multi-index hashing (Norouzi, Punjani & Fleet, "Fast search in Hamming space with multi-index
 * hashing", CVPR 2012).
 *
 * The 64 bits are cut into `m` chunks. If two hashes differ in at most `r` bits, then by the
 * pigeonhole principle at least one chunk differs in at most `s = ⌊r / m⌋` bits. So each chunk gets
 * a table from chunk value to the items holding it, and each item looks up, per chunk, every value
 * within `s` bits of its own; only the items found there are compared in full. A pair is reported
 * once: by the first chunk that finds it, for the item with the smaller index.
 *
 * Work per item is `m · L · (1 + n / 2^w)` for chunks of `w` bits and `L = Σ_{k≤s} C(w, k)` probes;
 * `m` is chosen to minimise it for the given `n` and `r`, so the cost grows about linearly in `n`
 * while buckets stay small (2^w ≥ n) and like `n² · L / 2^w` beyond — a small fraction of the `n²/2`
 * pairs a brute-force comparison makes (see docs/benchmarks.md for measurements).
 */

/** Number of set bits of a 32-bit integer. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance of two 64-bit hashes given as 32-bit halves. */
export function hamming64(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return popcount32((aHi ^ bHi) >>> 0) + popcount32((aLo ^ bLo) >>> 0);
}

/** 64-bit hashes as two parallel arrays of unsigned halves (fast, unlike BigInt). */
export interface HashArray {
  hi: Uint32Array;
  lo: Uint32Array;
}

export interface HammingPairs {
  /** Index of the first item of each pair (a < b). */
  a: Int32Array;
  /** Index of the second item. */
  b: Int32Array;
  /** Hamming distance of the pair. */
  distance: Uint8Array;
  /** Chunks used, for reports and benchmarks. */
  chunks: number;
  /** Full 64-bit comparisons made (candidates), to compare with the `n(n-1)/2` of brute force. */
  comparisons: number;
}

function binomialSum(w: number, s: number): number {
  let total = 0;
  let c = 1;
  for (let k = 0; k <= s; k++) {
    total += c;
    c = (c * (w - k)) / (k + 1);
  }
  return total;
}

/** Chunk count minimising the expected work (see the module comment), between 4 (16-bit chunks) and 16. */
export function chooseChunks(n: number, radius: number): number {
  let best = 4;
  let bestCost = Infinity;
  for (let m = 4; m <= 16; m++) {
    const w = Math.ceil(64 / m);
    const L = binomialSum(w, Math.floor(radius / m));
    const cost = m * L * (1 + n / 2 ** w);
    if (cost < bestCost) {
      bestCost = cost;
      best = m;
    }
  }
  return best;
}

/** Bits `[offset, offset + width)` of the 64-bit value (bit 0 = lowest bit of `lo`), width ≤ 16. */
function bits(hi: number, lo: number, offset: number, width: number): number {
  const mask = (1 << width) - 1;
  if (offset >= 32) return (hi >>> (offset - 32)) & mask;
  if (offset + width <= 32) return (lo >>> offset) & mask;
  return ((lo >>> offset) | (hi << (32 - offset))) & mask;
}

/** Every value of `width` bits with at most `s` bits set, in increasing popcount. */
function flipMasks(width: number, s: number): Int32Array {
  const out: number[] = [0];
  let frontier = [0];
  for (let k = 1; k <= s; k++) {
    const next: number[] = [];
    for (const m of frontier) {
      // extend with a bit above the highest set bit, so each combination is made once
      const top = m === 0 ? -1 : 31 - Math.clz32(m);
      for (let b = top + 1; b < width; b++) next.push(m | (1 << b));
    }
    for (const m of next) out.push(m);
    frontier = next;
  }
  return Int32Array.from(out);
}

/**
 * Every pair `(a, b)`, `a < b`, of hashes at Hamming distance ≤ `radius`, grouped by `a` (in
 * discovery order within). Exact: the same pairs as comparing all `n(n−1)/2`.
 *
 * @example
 *   const pairs = pairsWithinRadius({ hi: Uint32Array.of(0, 0, 7), lo: Uint32Array.of(0, 1, 0) }, 2);
 *   // pairs.a = [0], pairs.b = [1], pairs.distance = [1]
 */
export function pairsWithinRadius(hashes: HashArray, radius: number, options: { chunks?: number } = {}): HammingPairs {
  const { hi, lo } = hashes;
  const n = hi.length;
  if (!Number.isInteger(radius) || radius < 0 || radius > 64) throw new RangeError(`Expected integer between 0 and 64 for radius but received ${radius}`);
  const m = options.chunks ?? chooseChunks(n, radius);
  const s = Math.floor(radius / m);
  const offsets: number[] = [];
  const widths: number[] = [];
  for (let c = 0, off = 0; c < m; c++) {
    const w = Math.floor(64 / m) + (c < 64 % m ? 1 : 0);
    offsets.push(off);
    widths.push(w);
    off += w;
  }
  // chunk values per item, and per chunk a CSR table value → items (ascending)
  const values = new Int32Array(n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) values[i * m + c] = bits(hi[i], lo[i], offsets[c], widths[c]);
  const tables = widths.map((w, c) => {
    const start = new Int32Array((1 << w) + 1);
    for (let i = 0; i < n; i++) start[values[i * m + c] + 1]++;
    for (let v = 0; v < 1 << w; v++) start[v + 1] += start[v];
    const fill = start.slice(0, 1 << w);
    const items = new Int32Array(n);
    for (let i = 0; i < n; i++) items[fill[values[i * m + c]]++] = i;
    // the hashes again in bucket order, so scanning a bucket reads memory in sequence
    const bucketHi = new Uint32Array(n);
    const bucketLo = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      bucketHi[k] = hi[items[k]];
      bucketLo[k] = lo[items[k]];
    }
    return { start, items, bucketHi, bucketLo };
  });
  const masksByWidth = new Map<number, Int32Array>();
  for (const w of new Set(widths)) masksByWidth.set(w, flipMasks(w, s));

  const a: number[] = [];
  const b: number[] = [];
  const d: number[] = [];
  let comparisons = 0;
  for (let i = 0; i < n; i++) {
    const hiI = hi[i];
    const loI = lo[i];
    for (let c = 0; c < m; c++) {
      const v = values[i * m + c];
      const { start, items, bucketHi, bucketLo } = tables[c];
      const flips = masksByWidth.get(widths[c]) as Int32Array;
      for (let f = 0; f < flips.length; f++) {
        const u = v ^ flips[f];
        const first = start[u];
        // bucket items ascend: walk down from the end and stop at the first j ≤ i
        for (let k = start[u + 1] - 1; k >= first; k--) {
          const j = items[k];
          if (j <= i) break;
          comparisons++;
          const dist = popcount32((hiI ^ bucketHi[k]) >>> 0) + popcount32((loI ^ bucketLo[k]) >>> 0);
          if (dist > radius) continue;
          // report only from the first chunk within s bits, so each pair appears once
          let earlier = false;
          for (let c2 = 0; c2 < c && !earlier; c2++) {
            if (popcount32(values[i * m + c2] ^ values[j * m + c2]) <= s) earlier = true;
          }
          if (earlier) continue;
          a.push(i);
          b.push(j);
          d.push(dist);
        }
      }
    }
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b), distance: Uint8Array.from(d), chunks: m, comparisons };
}
