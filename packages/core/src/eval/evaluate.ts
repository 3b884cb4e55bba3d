/**
 * Everything `bus-tools eval` reports, as one call and one JSON shape: COCO's 12 statistics and
 * per-category AP, the detection confusion matrix and the image-level malignancy metrics.
 */
import type { AnnotatedImage, Category } from '../dataset/types.js';
import { toCoco } from '../formats/coco.js';
import { COCO_STAT_NAMES, evaluateCocoBbox, type CocoEvaluation, type CocoStatName } from './coco.js';
import type { CocoResult, EvalGroundTruth } from './coco-input.js';
import { detectionConfusionMatrix, type DetectionConfusionMatrix } from './confusion.js';
import { malignancyMetrics, type MalignancyMetrics } from './malignancy.js';
import { checkArgument, isRecord, isRecordWithArrays } from '../validate.js';

export interface EvaluateOptions {
  /** IoU at which the confusion matrix matches boxes (default 0.5). COCO's AP uses its own ten. */
  iouThreshold?: number;
  /** Score from which a detection counts in the confusion matrix and flags an image (default 0.5). */
  scoreThreshold?: number;
  /** Default: the category named `malignant`, else 2. */
  malignantCategoryId?: number;
}

export interface DetectionEvaluation {
  coco: CocoEvaluation;
  /**
   * Class-agnostic COCO AP: every ground-truth box and every detection counted as one class,
   * `lesion` (does the model find lesions, whatever it calls them). `null` without ground truth.
   */
  lesion: { AP: number; AP50: number; AP75: number } | null;
  confusion: DetectionConfusionMatrix;
  malignancy: MalignancyMetrics;
}

/**
 * COCO AP (exactly as pycocotools), the confusion matrix and malignancy metrics for one set of
 * predictions. Results must already name ground-truth image and category ids (`alignPredictions`).
 *
 * @example
 * const ev = evaluateDetections(gt, results, { iouThreshold: 0.5, scoreThreshold: 0.5 });
 * ev.coco.stats.AP50; ev.confusion.matrix; ev.malignancy.auc;
 */
export function evaluateDetections(gt: EvalGroundTruth, results: readonly CocoResult[], options: EvaluateOptions = {}): DetectionEvaluation {
  checkArgument('evaluateDetections', gt, isRecordWithArrays('images', 'annotations', 'categories'), 'ground truth such as parseCocoGroundTruth(…) or groundTruthFromImages(…) returns');
  checkArgument('evaluateDetections', results, Array.isArray, 'an array of COCO results such as [{ image_id: 1, category_id: 1, bbox: [x, y, w, h], score: 0.9 }]');
  checkArgument('evaluateDetections', options, isRecord, 'an options object such as { iouThreshold: 0.5 }');
  const point = { iouThreshold: options.iouThreshold ?? 0.5, scoreThreshold: options.scoreThreshold ?? 0.5 };
  const confusion = detectionConfusionMatrix(gt, results, point);
  const malignancy = malignancyMetrics(gt, results, {
    threshold: point.scoreThreshold,
    ...(options.malignantCategoryId === undefined ? {} : { malignantCategoryId: options.malignantCategoryId }),
  });
  return { coco: evaluateCocoBbox(gt, results), lesion: lesionAp(gt, results), confusion, malignancy };
}

/** COCO AP with all categories merged into one (class-agnostic), for `DetectionEvaluation.lesion`. */
export function lesionAp(gt: EvalGroundTruth, results: readonly CocoResult[]): DetectionEvaluation['lesion'] {
  const known = new Set(gt.categories.map((c) => c.id));
  const merged: EvalGroundTruth = {
    images: gt.images,
    annotations: gt.annotations.map((a) => ({ ...a, category_id: 1 })),
    categories: [{ id: 1, name: 'lesion' }],
  };
  if (!merged.annotations.some((a) => !a.iscrowd)) return null;
  const ev = evaluateCocoBbox(merged, results.filter((r) => known.has(r.category_id)).map((r) => ({ ...r, category_id: 1 })));
  return { AP: ev.stats.AP, AP50: ev.stats.AP50, AP75: ev.stats.AP75 };
}

/**
 * Ground truth for evaluation from annotated images (mask extraction, CSV): image ids are 1…n in
 * the given order, `area` is the lesion pixel count where known, `iscrowd` 0.
 */
export function groundTruthFromImages(images: readonly AnnotatedImage[], categories: readonly Category[]): EvalGroundTruth {
  const coco = toCoco(images, categories);
  return { images: coco.images, annotations: coco.annotations, categories: coco.categories.map((c) => ({ id: c.id, name: c.name })) };
}

/** The JSON `bus-tools eval --json` prints (numbers as computed; -1 = nothing to measure, as COCOeval). */
export type EvaluationJson = Record<CocoStatName, number> & {
  stats: number[];
  per_category: { category_id: number; name: string; num_gt: number; AP: number; AP50: number }[];
  /** Class-agnostic AP (all classes as one `lesion`); null without ground truth. */
  lesion: { AP: number; AP50: number; AP75: number } | null;
  confusion_matrix: { iou_threshold: number; score_threshold: number; rows: string[]; columns: string[]; matrix: number[][] };
  malignancy: {
    malignant_category_id: number;
    threshold: number;
    positives: number;
    negatives: number;
    true_positives: number;
    false_negatives: number;
    true_negatives: number;
    false_positives: number;
    sensitivity: number | null;
    specificity: number | null;
    auc: number | null;
    /** The first point's threshold (+Infinity, nothing flagged) is written as null. */
    roc: { threshold: number | null; fpr: number; tpr: number }[];
  };
  counts: { images: number; annotations: number; detections: number };
};

/** `DetectionEvaluation` → the JSON object of `bus-tools eval --json`. */
export function evaluationToJson(ev: DetectionEvaluation, counts: EvaluationJson['counts']): EvaluationJson {
  const { coco, confusion: cm, malignancy: m } = ev;
  const named = Object.fromEntries(COCO_STAT_NAMES.map((n) => [n, coco.stats[n]])) as Record<CocoStatName, number>;
  return {
    ...named,
    stats: coco.statsArray,
    per_category: coco.perCategory.map((c) => ({ category_id: c.categoryId, name: c.name, num_gt: c.numGt, AP: c.AP, AP50: c.AP50 })),
    lesion: ev.lesion,
    confusion_matrix: { iou_threshold: cm.iouThreshold, score_threshold: cm.scoreThreshold, rows: cm.rowLabels, columns: cm.columnLabels, matrix: cm.matrix },
    malignancy: {
      malignant_category_id: m.malignantCategoryId,
      threshold: m.threshold,
      positives: m.positives,
      negatives: m.negatives,
      true_positives: m.truePositives,
      false_negatives: m.falseNegatives,
      true_negatives: m.trueNegatives,
      false_positives: m.falsePositives,
      sensitivity: m.sensitivity,
      specificity: m.specificity,
      auc: m.auc,
      roc: m.roc.map((p) => ({ threshold: Number.isFinite(p.threshold) ? p.threshold : null, fpr: p.fpr, tpr: p.tpr })),
    },
    counts,
  };
}
