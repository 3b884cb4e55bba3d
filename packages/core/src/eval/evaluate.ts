/**
 * Everything `bus-tools eval` reports, as one call and one JSON shape: COCO's 12 statistics and
 * per-category AP, the lesion-level confusion matrix, the image-level malignancy metrics, and how
 * much of the ground truth the predictions cover. `evaluatePredictions` goes from predictions as
 * read from a file to all of it, on the ground truth limited as asked (a split's part, or only the
 * predicted images).
 */
import type { AnnotatedImage, Category } from '../dataset/types.js';
import { toCoco } from '../formats/coco.js';
import { COCO_STAT_NAMES, evaluateCocoBbox, type CocoEvaluation, type CocoStatName } from './coco.js';
import type { CocoResult, EvalGroundTruth } from './coco-input.js';
import { detectionConfusionMatrix, type DetectionConfusionMatrix } from './confusion.js';
import { malignancyMetrics, type MalignancyMetrics } from './malignancy.js';
import { alignPredictions, type PredictionRow } from './predictions.js';
import { imagesWithResults, limitGroundTruth } from './subset.js';
import { checkArgument, isRecord, isRecordWithArrays } from '../validate.js';

export interface EvaluateOptions {
  /** IoU at which the confusion matrix matches boxes (default 0.5). COCO's AP uses its own ten. */
  iouThreshold?: number;
  /** Score from which a detection counts in the confusion matrix and flags an image (default 0.5). */
  scoreThreshold?: number;
  /** Default: the category named `malignant`, else 2. */
  malignantCategoryId?: number;
  /** How much of the ground truth was predicted on; default: counted from `results` (`basis: 'detections'`). */
  coverage?: Coverage;
}

/**
 * How much of the ground truth the predictions cover. A predictions file records detections only,
 * so an image on which the model found nothing and an image it never saw look the same: with
 * `basis: 'detections'`, `predictedImages` counts images with at least one detection. With
 * `basis: 'model'` the model ran here, and it counts every image it ran on.
 */
export interface Coverage {
  /** Ground-truth images in scope (all of them, or the chosen part of a split). */
  groundTruthImages: number;
  /** Of those, the images the predictions name (see `basis`). */
  predictedImages: number;
  /** Images scored: `groundTruthImages`, or `predictedImages` when limited to the predicted ones. */
  scoredImages: number;
  basis: 'detections' | 'model';
}

export interface DetectionEvaluation {
  coco: CocoEvaluation;
  /**
   * Class-agnostic COCO AP: every ground-truth box and every detection counted as one class,
   * `lesion` (does the model find lesions, whatever it calls them). `null` without ground truth.
   */
  lesion: { AP: number; AP50: number; AP75: number } | null;
  /** Lesion level: each lesion matched to a detection at IoU ≥ `iouThreshold`, or missed. */
  confusion: DetectionConfusionMatrix;
  /** Image level: an image is flagged malignant by a malignant box anywhere in it. */
  malignancy: MalignancyMetrics;
  coverage: Coverage;
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
  const coverage = options.coverage ?? { groundTruthImages: gt.images.length, predictedImages: imagesWithResults(gt, results).size, scoredImages: gt.images.length, basis: 'detections' };
  return { coco: evaluateCocoBbox(gt, results), lesion: lesionAp(gt, results), confusion, malignancy, coverage };
}

export interface PredictionsEvaluationOptions extends Omit<EvaluateOptions, 'coverage'> {
  /** Score only these ground-truth images (e.g. `selectManifestPart(…).imageIds`); detections on others are set aside. */
  imageIds?: ReadonlySet<number>;
  /** Score only the images the predictions name (those with a detection, or `predictedImageIds`). */
  onlyPredicted?: boolean;
  /** The images the model ran on, when known (it ran here): they count as predicted on even without detections. */
  predictedImageIds?: ReadonlySet<number>;
}

export interface PredictionsEvaluation {
  evaluation: DetectionEvaluation;
  /** The ground truth that was scored (limited by `imageIds` / `onlyPredicted`). */
  gt: EvalGroundTruth;
  /** The aligned detections that were scored. */
  results: CocoResult[];
  /** Predictions whose image or class the ground truth does not have (as `alignPredictions`). */
  unknownImages: Map<string, number>;
  unknownCategories: Map<string, number>;
  /** Detections on ground-truth images outside the scored ones (another part of the split, say). */
  outsideScope: number;
}

/**
 * Predictions as read from a file (or made by a model) → the whole evaluation, on the ground truth
 * limited as asked: lines the rows up with `gt` (`alignPredictions`), keeps the images in
 * `imageIds` (and, with `onlyPredicted`, those predicted on), and reports the coverage.
 *
 * @example
 * const part = selectManifestPart(gt, parseSplitManifest(text), 'test');
 * const { evaluation } = evaluatePredictions(gt, rows, { imageIds: part.imageIds });
 * evaluation.coverage; // { groundTruthImages: 50, predictedImages: 48, scoredImages: 50, basis: 'detections' }
 */
export function evaluatePredictions(gt: EvalGroundTruth, rows: readonly PredictionRow[], options: PredictionsEvaluationOptions = {}): PredictionsEvaluation {
  const { results: aligned, unknownImages, unknownCategories } = alignPredictions(gt, rows);
  const scope = new Set(options.imageIds ?? gt.images.map((im) => im.id));
  const predicted = options.predictedImageIds ?? imagesWithResults(gt, aligned);
  const predictedInScope = new Set([...predicted].filter((id) => scope.has(id)));
  const scored = options.onlyPredicted ? predictedInScope : scope;
  const scoredGt = scored.size === gt.images.length ? gt : limitGroundTruth(gt, scored);
  const results = aligned.filter((r) => scored.has(r.image_id));
  const coverage: Coverage = {
    groundTruthImages: scope.size,
    predictedImages: predictedInScope.size,
    scoredImages: scored.size,
    basis: options.predictedImageIds ? 'model' : 'detections',
  };
  const evaluation = evaluateDetections(scoredGt, results, {
    ...(options.iouThreshold === undefined ? {} : { iouThreshold: options.iouThreshold }),
    ...(options.scoreThreshold === undefined ? {} : { scoreThreshold: options.scoreThreshold }),
    ...(options.malignantCategoryId === undefined ? {} : { malignantCategoryId: options.malignantCategoryId }),
    coverage,
  });
  return { evaluation, gt: scoredGt, results, unknownImages, unknownCategories, outsideScope: aligned.length - results.length };
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
  confusion_matrix: { level: 'lesion'; definition: string; iou_threshold: number; score_threshold: number; rows: string[]; columns: string[]; matrix: number[][] };
  malignancy: {
    level: 'image';
    definition: string;
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
  /** How much of the ground truth was predicted on (`Coverage`). */
  coverage: { gt_images: number; predicted_images: number; scored_images: number; predicted_means: string };
};

/** What "predicted on" counts, in words, for each `Coverage.basis`. */
export const COVERAGE_BASIS: Record<Coverage['basis'], string> = {
  detections: 'images with at least one detection; a predictions file records nothing for an image without detections',
  model: 'images the model ran on',
};

/** One line saying what the lesion-level figures (the confusion matrix) count: "a lesion is found when …". */
export function lesionLevelDefinition(cm: Pick<DetectionConfusionMatrix, 'iouThreshold' | 'scoreThreshold'>): string {
  return `a lesion is found when a detection scoring ≥ ${cm.scoreThreshold} overlaps it at IoU ≥ ${cm.iouThreshold} (each detection used once); its class is then compared`;
}

/** One line saying what the image-level figures (malignancy) count: "an image is flagged malignant when …". */
export function imageLevelDefinition(m: Pick<MalignancyMetrics, 'threshold'>): string {
  return `an image is flagged malignant when any malignant box scores ≥ ${m.threshold}, wherever it is (it need not overlap the lesion)`;
}

/** `DetectionEvaluation` → the JSON object of `bus-tools eval --json`. */
export function evaluationToJson(ev: DetectionEvaluation, counts: EvaluationJson['counts']): EvaluationJson {
  const { coco, confusion: cm, malignancy: m } = ev;
  const named = Object.fromEntries(COCO_STAT_NAMES.map((n) => [n, coco.stats[n]])) as Record<CocoStatName, number>;
  return {
    ...named,
    stats: coco.statsArray,
    per_category: coco.perCategory.map((c) => ({ category_id: c.categoryId, name: c.name, num_gt: c.numGt, AP: c.AP, AP50: c.AP50 })),
    lesion: ev.lesion,
    confusion_matrix: { level: 'lesion', definition: lesionLevelDefinition(cm), iou_threshold: cm.iouThreshold, score_threshold: cm.scoreThreshold, rows: cm.rowLabels, columns: cm.columnLabels, matrix: cm.matrix },
    malignancy: {
      level: 'image',
      definition: imageLevelDefinition(m),
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
    coverage: {
      gt_images: ev.coverage.groundTruthImages,
      predicted_images: ev.coverage.predictedImages,
      scored_images: ev.coverage.scoredImages,
      predicted_means: COVERAGE_BASIS[ev.coverage.basis],
    },
  };
}
