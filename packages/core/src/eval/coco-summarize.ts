/**
 * `COCOeval.summarize()`: the 12 statistics as means over the accumulated precision and recall, and
 * reading one category's precision–recall curve out of an evaluation (coco.ts holds the rest).
 */
import type { CocoEvaluation } from './coco.js';
import { COCO_AREA_LABELS, COCO_AREA_RANGES, COCO_IOU_THRESHOLDS, COCO_MAX_DETS, COCO_RECALL_THRESHOLDS, type CocoAreaLabel } from './coco-params.js';
import { pairwiseSum } from './numpy.js';

const T = COCO_IOU_THRESHOLDS.length;
const R = COCO_RECALL_THRESHOLDS.length;
const A = COCO_AREA_RANGES.length;
const M = COCO_MAX_DETS.length;

/**
 * `COCOeval.summarize()._summarize`: the mean of the selected precision (`ap`) or recall entries
 * above -1, in numpy's element order and summation; -1 when there are none. `k` restricts to one
 * category (the per-category runs), `null` averages over all.
 */
export function summarizeOne(precision: Float64Array, recall: Float64Array, K: number, ap: boolean, iouThr: number | null, a: number, m: number, k: number | null = null): number {
  const ts: number[] = [];
  for (let t = 0; t < T; t++) if (iouThr === null || COCO_IOU_THRESHOLDS[t] === iouThr) ts.push(t);
  const k0 = k ?? 0;
  const k1 = k === null ? K : k + 1;
  const buf = new Float64Array(ts.length * (ap ? R : 1) * (k1 - k0));
  let n = 0;
  for (const t of ts) {
    if (ap) {
      for (let r = 0; r < R; r++) {
        for (let kk = k0; kk < k1; kk++) {
          const v = precision[(((t * R + r) * K + kk) * A + a) * M + m];
          if (v > -1) buf[n++] = v;
        }
      }
    } else {
      for (let kk = k0; kk < k1; kk++) {
        const v = recall[((t * K + kk) * A + a) * M + m];
        if (v > -1) buf[n++] = v;
      }
    }
  }
  return n === 0 ? -1 : pairwiseSum(buf, 0, n) / n;
}

export function summarizeDets(precision: Float64Array, recall: Float64Array, K: number): number[] {
  const m100 = COCO_MAX_DETS.indexOf(100);
  const s = (ap: boolean, iouThr: number | null, a: number, m: number) => summarizeOne(precision, recall, K, ap, iouThr, a, m);
  return [
    s(true, null, 0, m100),
    s(true, 0.5, 0, m100),
    s(true, 0.75, 0, m100),
    s(true, null, 1, m100),
    s(true, null, 2, m100),
    s(true, null, 3, m100),
    s(false, null, 0, 0),
    s(false, null, 0, 1),
    s(false, null, 0, m100),
    s(false, null, 1, m100),
    s(false, null, 2, m100),
    s(false, null, 3, m100),
  ];
}

/** Options for reading one curve out of an evaluation. */
export interface PrCurveOptions {
  /** IoU threshold, one of `COCO_IOU_THRESHOLDS` (default 0.5). */
  iouThr?: number;
  area?: CocoAreaLabel;
  maxDets?: number;
}

/**
 * The precision–recall curve COCOeval stores for one category: precision at each of the 101 recall
 * thresholds (`null` where the category has no ground truth).
 *
 * @example prCurve(ev, 2, { iouThr: 0.5 }) // { recall: [0, 0.01, …, 1], precision: [1, 1, …, 0] }
 */
export function prCurve(ev: CocoEvaluation, categoryId: number, options: PrCurveOptions = {}): { recall: number[]; precision: number[] } | null {
  const k = ev.catIds.indexOf(categoryId);
  const t = COCO_IOU_THRESHOLDS.indexOf(options.iouThr ?? 0.5);
  const a = COCO_AREA_LABELS.indexOf(options.area ?? 'all');
  const m = COCO_MAX_DETS.indexOf(options.maxDets ?? 100);
  if (k < 0 || t < 0 || a < 0 || m < 0) return null;
  const [, Rr, K, Aa, Mm] = ev.counts;
  const precision: number[] = [];
  for (let r = 0; r < Rr; r++) precision.push(ev.precision[(((t * Rr + r) * K + k) * Aa + a) * Mm + m]);
  if (precision.every((v) => v === -1)) return null;
  return { recall: Array.from(COCO_RECALL_THRESHOLDS), precision };
}
