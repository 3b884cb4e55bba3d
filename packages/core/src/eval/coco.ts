/**
 * COCO bounding-box evaluation, reproducing pycocotools' `COCOeval(iouType='bbox')` with default
 * parameters number for number: `evaluate()`, `accumulate()` and `summarize()`.
 *
 * Every rule that moves a digit is kept (docs/evaluate.md, "What the numbers mean"): detections stable-sorted by
 * score and cut to 100 per image and category; ground truth sorted so ignored (crowd or out of the
 * area range) comes last; IoU as `maskUtils.iou` computes it, with a crowd region's IoU being
 * intersection over the detection's area; greedy matching that stops at the first ignored ground
 * truth once a regular one is matched; unmatched detections outside the area range ignored;
 * accumulation over images in id order with a second stable sort; precision made monotone from the
 * right and read at `np.linspace(0, 1, 101)` with `searchsorted(side='left')`; means by numpy's
 * pairwise summation over the entries above -1.
 *
 * The implementation is flat: boxes live in typed arrays, images and categories are bucketed with a
 * counting sort, matching state is one byte per (area range, IoU threshold, detection), and no
 * object is made per detection–ground-truth pair.
 */
import { NP_SPACING_1, stableSortByScoreDesc } from './numpy.js';
import type { EvalGroundTruth, CocoResult } from './coco-input.js';
import { COCO_AREA_RANGES, COCO_IOU_THRESHOLDS, COCO_MAX_DETS, COCO_RECALL_THRESHOLDS, COCO_STAT_NAMES, type CocoStats } from './coco-params.js';
import { summarizeDets, summarizeOne } from './coco-summarize.js';

export * from './coco-params.js';
export { prCurve, type PrCurveOptions } from './coco-summarize.js';

/** One category's AP over IoU .50:.95 and at IoU .50, as a run with `params.catIds = [id]` gives. */
export interface CategoryAp {
  categoryId: number;
  name: string;
  /** Ground-truth annotations of the category on the evaluated images, crowd ones included. */
  numGt: number;
  /** -1 when the category has no (non-crowd) ground truth, as in COCOeval. */
  AP: number;
  AP50: number;
}

export interface CocoEvaluation {
  /** The 12 statistics by name; -1 where nothing could be measured. */
  stats: CocoStats;
  /** The same numbers as `COCOeval.stats`, in `COCO_STAT_NAMES` order. */
  statsArray: number[];
  perCategory: CategoryAp[];
  /** Evaluated image ids (sorted) and category ids (sorted): the `K` axis follows `catIds`. */
  imgIds: number[];
  catIds: number[];
  /** `[T, R, K, A, M]`: IoU thresholds, recall thresholds, categories, area ranges, max dets. */
  counts: [T: number, R: number, K: number, A: number, M: number];
  /** `COCOeval.eval['precision']`, row-major `[T, R, K, A, M]`; -1 where there is no ground truth. */
  precision: Float64Array;
  /** `COCOeval.eval['recall']`, row-major `[T, K, A, M]`. */
  recall: Float64Array;
  /** `COCOeval.eval['scores']`: the score at which each precision entry is reached. */
  scores: Float64Array;
}

export interface CocoEvalOptions {
  /** `params.imgIds`; default all ground-truth images. */
  imgIds?: readonly number[];
  /** `params.catIds`; default all ground-truth categories. */
  catIds?: readonly number[];
}

const T = COCO_IOU_THRESHOLDS.length;
const R = COCO_RECALL_THRESHOLDS.length;
const A = COCO_AREA_RANGES.length;
const M = COCO_MAX_DETS.length;
const MAX_DET = COCO_MAX_DETS[M - 1];
const FP = 0;
const TP = 1;
const IGNORED = 2;

function uniqueSorted(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Counting sort of `n` items by `keyOf(j)` in `[0, buckets)`, stable: returns start offsets and order. */
function bucketize(n: number, buckets: number, keyOf: (j: number) => number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(buckets + 1);
  const keys = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const key = keyOf(j);
    keys[j] = key;
    if (key >= 0) start[key + 1]++;
  }
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const fill = start.slice(0, buckets);
  const order = new Int32Array(start[buckets]);
  for (let j = 0; j < n; j++) if (keys[j] >= 0) order[fill[keys[j]]++] = j;
  return { start, order };
}

/**
 * Evaluates detections against ground truth exactly as pycocotools'
 * `COCOeval(gt, gt.loadRes(results), 'bbox')` followed by `evaluate()`, `accumulate()` and
 * `summarize()` does, plus per-category AP and AP50.
 *
 * Boxes are COCO `[x, y, w, h]` in pixels. Results get `area = w * h` and ids `1…N` as `loadRes`
 * gives them; results for categories outside `catIds`, and for images outside `imgIds`, are left
 * out (`loadRes` refuses results for images the ground truth lacks: `assertResultsMatchImages`).
 *
 * @example
 * const ev = evaluateCocoBbox(
 *   { images: [{ id: 1 }, { id: 2 }], categories: [{ id: 1, name: 'benign' }],
 *     annotations: [
 *       { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], area: 2500, iscrowd: 0 },
 *       { id: 2, image_id: 2, category_id: 1, bbox: [10, 10, 50, 50], area: 2500, iscrowd: 0 }] },
 *   [{ image_id: 1, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9 }]);
 * ev.stats.AP50; // 0.504950… (= 51/101: recall 0.5 with precision 1, then nothing)
 */
export function evaluateCocoBbox(gt: EvalGroundTruth, results: readonly CocoResult[], options: CocoEvalOptions = {}): CocoEvaluation {
  const imgIds = uniqueSorted(options.imgIds ?? gt.images.map((im) => im.id));
  const catIds = uniqueSorted(options.catIds ?? gt.categories.map((c) => c.id));
  const I = imgIds.length;
  const K = catIds.length;
  const imgIndex = new Map<number, number>();
  imgIds.forEach((id, i) => imgIndex.set(id, i));
  const catIndex = new Map<number, number>();
  catIds.forEach((id, k) => catIndex.set(id, k));
  const bucketOf = (imageId: number, categoryId: number): number => {
    const i = imgIndex.get(imageId);
    const k = catIndex.get(categoryId);
    return i === undefined || k === undefined ? -1 : k * I + i;
  };
  const B = K * I;

  // Ground truth, grouped as `_prepare` groups it: `getAnnIds` walks the images in id order (each
  // image's annotations in file order, kept when their category is evaluated), `loadAnns` then looks
  // each one up by id, so a repeated id stands for the last annotation with that id, which lands
  // in that annotation's own (image, category) list. Without repeated ids this is file order.
  const anns = gt.annotations;
  const lastById = new Map<number, number>();
  for (let j = 0; j < anns.length; j++) lastById.set(anns[j].id, j);
  const walk = bucketize(anns.length, I, (j) => (catIndex.has(anns[j].category_id) ? (imgIndex.get(anns[j].image_id) ?? -1) : -1)).order;
  const loaded = Int32Array.from(walk, (j) => lastById.get(anns[j].id)!);
  const gtBuckets = bucketize(loaded.length, B, (t) => bucketOf(anns[loaded[t]].image_id, anns[loaded[t]].category_id));
  for (let s = 0; s < gtBuckets.order.length; s++) gtBuckets.order[s] = loaded[gtBuckets.order[s]];
  const G = gtBuckets.order.length;
  const gBox = new Float64Array(G * 4);
  const gArea = new Float64Array(G);
  const gCrowd = new Uint8Array(G);
  const gId = new Float64Array(G);
  const numGt = new Int32Array(K);
  for (let b = 0; b < B; b++) {
    for (let s = gtBuckets.start[b]; s < gtBuckets.start[b + 1]; s++) {
      const ann = anns[gtBuckets.order[s]];
      const bb = ann.bbox;
      gBox[s * 4] = bb[0];
      gBox[s * 4 + 1] = bb[1];
      gBox[s * 4 + 2] = bb[2];
      gBox[s * 4 + 3] = bb[3];
      gArea[s] = ann.area ?? bb[2] * bb[3];
      gCrowd[s] = ann.iscrowd ? 1 : 0;
      gId[s] = ann.id;
      numGt[Math.floor(b / Math.max(I, 1))]++;
    }
  }

  // Detections: bucketed the same way, each bucket stable-sorted by score and cut to 100.
  const dtBuckets = bucketize(results.length, B, (j) => bucketOf(results[j].image_id, results[j].category_id));
  const keptStart = new Int32Array(B + 1);
  let scratchOrder = new Int32Array(64);
  for (let b = 0; b < B; b++) {
    const n = dtBuckets.start[b + 1] - dtBuckets.start[b];
    keptStart[b + 1] = keptStart[b] + Math.min(n, MAX_DET);
  }
  const D = keptStart[B];
  const dBox = new Float64Array(D * 4);
  const dArea = new Float64Array(D);
  const dScore = new Float64Array(D);
  const dRank = new Uint8Array(D);
  for (let b = 0; b < B; b++) {
    const s0 = dtBuckets.start[b];
    const n = dtBuckets.start[b + 1] - s0;
    if (n === 0) continue;
    if (scratchOrder.length < n) scratchOrder = new Int32Array(n * 2);
    for (let j = 0; j < n; j++) scratchOrder[j] = dtBuckets.order[s0 + j];
    stableSortByScoreDesc(scratchOrder, n, (j) => results[j].score);
    const kept = Math.min(n, MAX_DET);
    for (let r = 0; r < kept; r++) {
      const res = results[scratchOrder[r]];
      const d = keptStart[b] + r;
      const bb = res.bbox;
      dBox[d * 4] = bb[0];
      dBox[d * 4 + 1] = bb[1];
      dBox[d * 4 + 2] = bb[2];
      dBox[d * 4 + 3] = bb[3];
      dArea[d] = bb[2] * bb[3];
      dScore[d] = res.score;
      dRank[d] = r;
    }
  }

  // evaluateImg for every (category, area range, image): one state byte per (area, IoU, detection).
  const npig = new Int32Array(K * A);
  const hasEval = new Uint8Array(K);
  const iouThr = new Float64Array(T);
  for (let t = 0; t < T; t++) iouThr[t] = Math.min(COCO_IOU_THRESHOLDS[t], 1 - 1e-10);
  const c: ImageEvalContext = {
    gArea, gCrowd, gId, dArea, iouThr, D,
    state: new Uint8Array(A * T * D),
    ious: new Float64Array(MAX_DET * 16),
    perm: new Int32Array(16),
    ignored: new Uint8Array(16),
    gtMatched: new Uint8Array(16),
  };
  for (let b = 0; b < B; b++) {
    const g0 = gtBuckets.start[b];
    const nG = gtBuckets.start[b + 1] - g0;
    const d0 = keptStart[b];
    const nD = keptStart[b + 1] - d0;
    if (nG === 0 && nD === 0) continue;
    const k = Math.floor(b / I);
    hasEval[k] = 1;
    if (nG > c.perm.length) {
      c.perm = new Int32Array(nG * 2);
      c.ignored = new Uint8Array(nG * 2);
      c.gtMatched = new Uint8Array(nG * 2);
    }
    if (nD * nG > c.ious.length) c.ious = new Float64Array(nD * nG * 2);
    if (nG > 0 && nD > 0) bboxIou(dBox, d0, nD, gBox, g0, nG, gCrowd, c.ious);
    for (let a = 0; a < A; a++) npig[k * A + a] += evaluateImage(c, g0, nG, d0, nD, a);
  }
  const state = c.state;

  // accumulate
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const scores = new Float64Array(T * R * K * A * M).fill(-1);
  const work: CurveWork = {
    rc: new Float64Array(Math.max(D, 1)),
    pr: new Float64Array(Math.max(D, 1)),
    sc: new Float64Array(Math.max(D, 1)),
    sState: new Uint8Array(Math.max(D, 1)),
    recall: 0,
  };
  for (let k = 0; k < K; k++) {
    if (!hasEval[k]) continue;
    const kS = keptStart[k * I];
    const nK = keptStart[(k + 1) * I] - kS;
    // the second stable sort: all images' detections of the category, in image-id order, by score
    const order = new Int32Array(nK);
    for (let j = 0; j < nK; j++) order[j] = kS + j;
    stableSortByScoreDesc(order, nK, (d) => dScore[d]);
    const sScore = new Float64Array(nK);
    const sRank = new Uint8Array(nK);
    for (let j = 0; j < nK; j++) {
      sScore[j] = dScore[order[j]];
      sRank[j] = dRank[order[j]];
    }
    for (let a = 0; a < A; a++) {
      const np = npig[k * A + a];
      if (np === 0) continue;
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * D;
        for (let j = 0; j < nK; j++) work.sState[j] = state[base + order[j]];
        for (let m = 0; m < M; m++) {
          accumulateCurve(work, sRank, sScore, nK, COCO_MAX_DETS[m], np, precision, scores, (((t * R) * K + k) * A + a) * M + m, K * A * M);
          recall[((t * K + k) * A + a) * M + m] = work.recall;
        }
      }
    }
  }

  const counts: CocoEvaluation['counts'] = [T, R, K, A, M];
  const statsArray = summarizeDets(precision, recall, K);
  const stats = Object.fromEntries(COCO_STAT_NAMES.map((n, i) => [n, statsArray[i]])) as CocoStats;
  const names = new Map(gt.categories.map((c) => [c.id, c.name]));
  const perCategory = catIds.map((id, k) => ({
    categoryId: id,
    name: names.get(id) ?? String(id),
    numGt: numGt[k],
    AP: summarizeOne(precision, recall, K, true, null, 0, M - 1, k),
    AP50: summarizeOne(precision, recall, K, true, 0.5, 0, M - 1, k),
  }));
  return { stats, statsArray, perCategory, imgIds, catIds, counts, precision, recall, scores };
}

/** Typed arrays shared by every `evaluateImage` call (scratch ones grow as needed). */
interface ImageEvalContext {
  gArea: Float64Array;
  gCrowd: Uint8Array;
  gId: Float64Array;
  dArea: Float64Array;
  iouThr: Float64Array;
  /** Kept detections in all; `state` is `[A, T, D]`. */
  D: number;
  state: Uint8Array;
  /** `[nD, nG]` IoUs of the current (image, category). */
  ious: Float64Array;
  perm: Int32Array;
  ignored: Uint8Array;
  gtMatched: Uint8Array;
}

/**
 * `COCOeval.evaluateImg` for one (image, category) and area range `a`: ground truth reordered with
 * ignored ones last, greedy matching at every IoU threshold, unmatched detections outside the area
 * range ignored. Writes each detection's state (TP, FP, IGNORED) and returns the number of
 * ground truths not ignored.
 */
function evaluateImage(c: ImageEvalContext, g0: number, nG: number, d0: number, nD: number, a: number): number {
  const { gArea, gCrowd, gId, dArea, iouThr, state, ious, perm, ignored, gtMatched, D } = c;
  const lo = COCO_AREA_RANGES[a][0];
  const hi = COCO_AREA_RANGES[a][1];
  // gt sorted with ignored ones last (stable)
  let p = 0;
  for (let g = 0; g < nG; g++) {
    const s = g0 + g;
    if (!(gCrowd[s] || gArea[s] < lo || gArea[s] > hi)) {
      perm[p] = g;
      ignored[p++] = 0;
    }
  }
  const regular = p;
  for (let g = 0; g < nG; g++) {
    const s = g0 + g;
    if (gCrowd[s] || gArea[s] < lo || gArea[s] > hi) {
      perm[p] = g;
      ignored[p++] = 1;
    }
  }
  for (let t = 0; t < T; t++) {
    const base = (a * T + t) * D + d0;
    for (let g = 0; g < nG; g++) gtMatched[g] = 0;
    for (let d = 0; d < nD; d++) {
      let iou = iouThr[t];
      let m = -1;
      const row = d * nG;
      for (let gi = 0; gi < nG; gi++) {
        const g = perm[gi];
        // a matched ground truth is taken, unless it is a crowd region
        if (gtMatched[gi] && !gCrowd[g0 + g]) continue;
        // matched to a regular one and reached the ignored ones: stop
        if (m > -1 && ignored[m] === 0 && ignored[gi] === 1) break;
        const v = ious[row + g];
        if (v < iou) continue;
        iou = v;
        m = gi;
      }
      let dtIgnored = false;
      let matchedId = 0;
      if (m !== -1) {
        dtIgnored = ignored[m] === 1;
        matchedId = gId[g0 + perm[m]];
        gtMatched[m] = 1;
      }
      const area = dArea[d0 + d];
      // `dtm == 0` in COCOeval: also true for a match with a ground truth whose id is 0
      if (matchedId === 0 && (area < lo || area > hi)) dtIgnored = true;
      state[base + d] = dtIgnored ? IGNORED : matchedId !== 0 ? TP : FP;
    }
  }
  return regular;
}

interface CurveWork {
  rc: Float64Array;
  pr: Float64Array;
  sc: Float64Array;
  /** Matching state of the category's detections in score order, for one area range and IoU. */
  sState: Uint8Array;
  /** Set by `accumulateCurve`: the recall reached (`rc[-1]`, or 0 without detections). */
  recall: number;
}

/**
 * The body of `accumulate()` for one (category, area range, maxDets, IoU threshold): cumulative
 * tp/fp over the score-sorted detections (ignored ones included, as numpy keeps them), precision
 * made monotone from the right, then read at each recall threshold with `searchsorted(side='left')`.
 * Writes `R` values into `precision`/`scores` from `at`, `stride` apart.
 */
function accumulateCurve(w: CurveWork, sRank: Uint8Array, sScore: Float64Array, n: number, maxDet: number, np: number, precision: Float64Array, scores: Float64Array, at: number, stride: number): void {
  const { rc, pr, sc, sState } = w;
  let nd = 0;
  let tp = 0;
  let fp = 0;
  for (let j = 0; j < n; j++) {
    if (sRank[j] >= maxDet) continue;
    const s = sState[j];
    if (s === TP) tp++;
    else if (s === FP) fp++;
    rc[nd] = tp / np;
    pr[nd] = tp / (fp + tp + NP_SPACING_1);
    sc[nd] = sScore[j];
    nd++;
  }
  w.recall = nd ? rc[nd - 1] : 0;
  for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
  let pi = 0;
  for (let r = 0; r < R; r++, at += stride) {
    const thr = COCO_RECALL_THRESHOLDS[r];
    while (pi < nd && rc[pi] < thr) pi++;
    if (pi < nd) {
      precision[at] = pr[pi];
      scores[at] = sc[pi];
    } else {
      precision[at] = 0;
      scores[at] = 0;
    }
  }
}

/**
 * `maskUtils.iou(dt, gt, iscrowd)` for boxes, operation for operation as `bbIou` in maskApi.c:
 * `out[d * nG + g]` is intersection over union, or over the detection's area for a crowd region.
 */
function bboxIou(dBox: Float64Array, d0: number, nD: number, gBox: Float64Array, g0: number, nG: number, gCrowd: Uint8Array, out: Float64Array): void {
  for (let g = 0; g < nG; g++) {
    const go = (g0 + g) * 4;
    const gx = gBox[go], gy = gBox[go + 1], gw = gBox[go + 2], gh = gBox[go + 3];
    const ga = gw * gh;
    const crowd = gCrowd[g0 + g] === 1;
    for (let d = 0; d < nD; d++) {
      const o = (d0 + d) * 4;
      const dx = dBox[o], dy = dBox[o + 1], dw = dBox[o + 2], dh = dBox[o + 3];
      const da = dw * dh;
      out[d * nG + g] = 0;
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const i = w * h;
      const u = crowd ? da : da + ga - i;
      out[d * nG + g] = i / u;
    }
  }
}
