/**
 * What a clinician asks of a lesion detector: is an image with a malignant lesion flagged?
 *
 * Per image: **positive** when its ground truth has a malignant lesion (crowd ones included);
 * **score** = the highest score of its malignant detections, 0 when it has none; **flagged** when
 * score ≥ the threshold. Sensitivity and specificity are read at the threshold; the ROC curve and
 * its AUC sweep the threshold over every distinct score. Box positions play no part here: this is
 * image-level triage, the detection confusion matrix covers where the boxes are.
 */
import { BusToolsError } from '../errors.js';
import type { CocoResult, EvalGroundTruth } from './coco-input.js';

export interface MalignancyOptions {
  /** Flag an image when its best malignant score is ≥ this; in (0, 1], default 0.5. */
  threshold?: number;
  /** The malignant category; default the category named `malignant`, else id 2 (`BUSI_CATEGORIES`). */
  malignantCategoryId?: number;
}

export interface ImageMalignancy {
  imageId: number;
  positive: boolean;
  score: number;
  flagged: boolean;
}

/** One ROC point: flagging images with score ≥ `threshold` gives these rates. */
export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

export interface MalignancyMetrics {
  malignantCategoryId: number;
  threshold: number;
  positives: number;
  negatives: number;
  truePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  falsePositives: number;
  /** TP / (TP + FN); null without positive images. */
  sensitivity: number | null;
  /** TN / (TN + FP); null without negative images. */
  specificity: number | null;
  /** Area under `roc` (trapezoids; equals the Mann–Whitney probability, ties counted half); null without both kinds. */
  auc: number | null;
  /** From (0, 0) at threshold +Infinity to (1, 1), one point per distinct score, highest first. */
  roc: RocPoint[];
  images: ImageMalignancy[];
}

/** The malignant category of `categories`: the one named `malignant`, else id 2. */
export function malignantCategoryOf(categories: readonly { id: number; name: string }[]): number {
  return categories.find((c) => c.name.toLowerCase() === 'malignant')?.id ?? 2;
}

/**
 * Image-level malignancy metrics (see the module comment).
 *
 * @example
 * const m = malignancyMetrics(gt, results, { threshold: 0.5 });
 * `${m.truePositives} of ${m.positives} malignant images flagged, AUC ${m.auc}`
 */
export function malignancyMetrics(gt: EvalGroundTruth, results: readonly CocoResult[], options: MalignancyOptions = {}): MalignancyMetrics {
  const threshold = options.threshold ?? 0.5;
  if (!(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) {
    throw new BusToolsError('INVALID_PARAMETER', `Expected a number above 0 and at most 1 for threshold but received ${String(threshold)}`);
  }
  const malignant = options.malignantCategoryId ?? malignantCategoryOf(gt.categories);
  const positive = new Set<number>();
  for (const a of gt.annotations) if (a.category_id === malignant) positive.add(a.image_id);
  const best = new Map<number, number>();
  for (const r of results) {
    if (r.category_id !== malignant) continue;
    const prev = best.get(r.image_id);
    if (prev === undefined || r.score > prev) best.set(r.image_id, r.score);
  }
  const images: ImageMalignancy[] = gt.images.map((im) => {
    const score = best.get(im.id) ?? 0;
    return { imageId: im.id, positive: positive.has(im.id), score, flagged: score >= threshold };
  });
  let tp = 0, fn = 0, tn = 0, fp = 0;
  for (const im of images) {
    if (im.positive) {
      if (im.flagged) tp++;
      else fn++;
    } else if (im.flagged) fp++;
    else tn++;
  }
  const P = tp + fn;
  const N = tn + fp;
  const roc = rocCurve(images);
  return {
    malignantCategoryId: malignant,
    threshold,
    positives: P,
    negatives: N,
    truePositives: tp,
    falseNegatives: fn,
    trueNegatives: tn,
    falsePositives: fp,
    sensitivity: P ? tp / P : null,
    specificity: N ? tn / N : null,
    auc: P && N ? trapezoidArea(roc) : null,
    roc,
    images,
  };
}

/**
 * ROC points for scored images: one point per distinct score (flag images with score ≥ it), from
 * `(0, 0)` to `(1, 1)`. Rates are 0 for a class with no images.
 */
export function rocCurve(images: readonly { positive: boolean; score: number }[]): RocPoint[] {
  const sorted = [...images].sort((a, b) => b.score - a.score);
  const P = sorted.filter((s) => s.positive).length;
  const N = sorted.length - P;
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; ) {
    const s = sorted[i].score;
    while (i < sorted.length && sorted[i].score === s) {
      if (sorted[i].positive) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold: s, fpr: N ? fp / N : 0, tpr: P ? tp / P : 0 });
  }
  return points;
}

function trapezoidArea(points: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  return area;
}
