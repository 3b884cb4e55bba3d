/**
 * Exact and near-duplicate images, grouped.
 *
 * - Exact: same size and the same decoded RGB pixels (SHA-1 of both), whatever the file bytes.
 * - Near: pHash Hamming distance ≤ `maxDistance` (found with multi-index hashing, see hamming.ts)
 *   and confirmed by the thumbnail NCC (see fingerprint.ts): at least `minSimilarity` up to distance
 *   `NEAR_HASH_DISTANCE`, at least `minSimilarityFar` beyond it. Defaults were set by eye on the
 *   shared BUSI data (pairs listed in packages/core/test/lint/busi.test.ts): copies of one scan
 *   (rescaled, re-cropped, calipers added) and neighbouring frames of one lesion reach NCC 0.85 at
 *   distance ≤ 12 and 0.88 at 13–16; unrelated scans with a similar layout come within distance 16
 *   but stay at NCC ≤ 0.875 there and ≤ 0.80 at distance ≤ 12.
 * Pairs are joined into groups with union-find, so a chain A≈B≈C is one group.
 */
import { createHash } from 'node:crypto';
import { describeError, BusToolsError } from '../errors.js';
import { DEFAULT_MAX_HASH_DISTANCE } from '../constants.js';
import { readImageRgb } from '../image-raw.js';
import type { DatasetImage } from '../dataset/discover.js';
import { fingerprintPixels, hashFromHex, thumbnailSimilarity, type PixelFingerprint } from './fingerprint.js';
import { pairsWithinRadius } from './hamming.js';
import { mapLimit } from '../async.js';
import { UnionFind } from './union-find.js';

/** Hash distance up to which `minSimilarity` applies; beyond it, `minSimilarityFar`. */
export const NEAR_HASH_DISTANCE = 12;
/** Smallest thumbnail NCC at which candidates within `NEAR_HASH_DISTANCE` are near-duplicates. */
export const DEFAULT_MIN_SIMILARITY = 0.85;
/** Smallest thumbnail NCC for candidates further apart than `NEAR_HASH_DISTANCE`. */
export const DEFAULT_MIN_SIMILARITY_FAR = 0.88;

export interface ImageFingerprint extends PixelFingerprint {
  width: number;
  height: number;
  /** SHA-1 (hex) of the size and the decoded RGB pixels: equal for pixel-identical images. */
  exact: string;
}

/**
 * Decodes `path` and fingerprints it.
 * @throws BusToolsError `BAD_IMAGE` naming the file.
 */
export async function fingerprintImage(path: string, minChroma?: number): Promise<ImageFingerprint> {
  const { width, height, data } = await readImageRgb(path);
  const exact = createHash('sha1').update(`${width}x${height}\n`).update(data).digest('hex');
  return { width, height, exact, ...fingerprintPixels(data, width, height, minChroma) };
}

export interface FingerprintFailure {
  index: number;
  path: string;
  code: string;
  message: string;
}

/**
 * Fingerprints every image, `concurrency` decodes in flight. Unreadable images are returned as
 * failures (their slot is `undefined`), never thrown.
 */
export async function fingerprintImages(
  images: readonly Pick<DatasetImage, 'path'>[],
  options: { concurrency?: number; minChroma?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ fingerprints: Array<ImageFingerprint | undefined>; failures: FingerprintFailure[] }> {
  const failures: FingerprintFailure[] = [];
  let done = 0;
  const fingerprints = await mapLimit(images, options.concurrency ?? 4, async (img, index) => {
    try {
      return await fingerprintImage(img.path, options.minChroma);
    } catch (err) {
      failures.push({ index, path: img.path, code: err instanceof BusToolsError ? err.code : 'BAD_IMAGE', message: describeError(err) });
      return undefined;
    } finally {
      options.onProgress?.(++done, images.length);
    }
  });
  failures.sort((x, y) => x.index - y.index);
  return { fingerprints, failures };
}

export interface DuplicatePair {
  /** Indices into the fingerprint list, `a < b`. */
  a: number;
  b: number;
  /** pHash Hamming distance (0–64). */
  distance: number;
  /** Thumbnail NCC (−1…1). */
  similarity: number;
  /** Pixel-identical. */
  exact: boolean;
}

export interface DuplicateGroup {
  /** Member indices, ascending. */
  members: number[];
  /** True when every member is pixel-identical to the others. */
  exact: boolean;
  /** The pairs that joined the group (a spanning set, not every pair). */
  pairs: DuplicatePair[];
}

export interface DuplicateOptions {
  /** Default `DEFAULT_MAX_HASH_DISTANCE`. */
  maxDistance?: number;
  /** Default `DEFAULT_MIN_SIMILARITY`. */
  minSimilarity?: number;
  /** Default `DEFAULT_MIN_SIMILARITY_FAR`. */
  minSimilarityFar?: number;
}

export interface DuplicateResult {
  pairs: DuplicatePair[];
  groups: DuplicateGroup[];
  /** Candidate pairs compared by NCC (hash distance within range). */
  candidates: number;
  /** 64-bit hash comparisons made by the index (brute force would make n(n−1)/2). */
  hashComparisons: number;
  /** Milliseconds spent pairing (index + NCC), not decoding. */
  pairMs: number;
}

/**
 * Finds duplicate pairs and groups among fingerprints (`undefined` entries are skipped).
 *
 * @example
 *   const { fingerprints } = await fingerprintImages(dataset.images);
 *   const { groups } = findDuplicates(fingerprints);
 *   groups[0]; // { members: [12, 250], exact: false, pairs: [{ a: 12, b: 250, distance: 6, similarity: 0.97, exact: false }] }
 */
export function findDuplicates(fingerprints: ReadonlyArray<Pick<ImageFingerprint, 'hash' | 'thumb' | 'exact'> | undefined>, options: DuplicateOptions = {}): DuplicateResult {
  const t0 = performance.now();
  const maxDistance = options.maxDistance ?? DEFAULT_MAX_HASH_DISTANCE;
  const minSimilarity = options.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
  const minSimilarityFar = options.minSimilarityFar ?? DEFAULT_MIN_SIMILARITY_FAR;
  const present: number[] = [];
  fingerprints.forEach((f, i) => f && present.push(i));
  const hi = new Uint32Array(present.length);
  const lo = new Uint32Array(present.length);
  present.forEach((i, k) => ([hi[k], lo[k]] = hashFromHex((fingerprints[i] as ImageFingerprint).hash)));
  const near = pairsWithinRadius({ hi, lo }, maxDistance);
  const pairs: DuplicatePair[] = [];
  for (let k = 0; k < near.a.length; k++) {
    const a = present[near.a[k]];
    const b = present[near.b[k]];
    const fa = fingerprints[a] as ImageFingerprint;
    const fb = fingerprints[b] as ImageFingerprint;
    const exact = fa.exact === fb.exact;
    const similarity = exact ? 1 : thumbnailSimilarity(fa.thumb, fb.thumb);
    const distance = near.distance[k];
    if (!exact && similarity < (distance <= NEAR_HASH_DISTANCE ? minSimilarity : minSimilarityFar)) continue;
    // pixel-identical images have equal hashes (distance 0), so every exact pair is found here
    pairs.push({ a, b, distance, similarity, exact });
  }
  pairs.sort((x, y) => x.a - y.a || x.b - y.b);
  const uf = new UnionFind(fingerprints.length);
  for (const p of pairs) uf.union(p.a, p.b);
  const pairsByRoot = new Map<number, DuplicatePair[]>();
  for (const p of pairs) {
    const r = uf.find(p.a);
    const list = pairsByRoot.get(r);
    if (list) list.push(p);
    else pairsByRoot.set(r, [p]);
  }
  const groups: DuplicateGroup[] = uf.sets(2).map((members) => {
    const first = (fingerprints[members[0]] as ImageFingerprint).exact;
    return {
      members,
      exact: members.every((i) => (fingerprints[i] as ImageFingerprint).exact === first),
      pairs: pairsByRoot.get(uf.find(members[0])) ?? [],
    };
  });
  return { pairs, groups, candidates: near.a.length, hashComparisons: near.comparisons, pairMs: performance.now() - t0 };
}
