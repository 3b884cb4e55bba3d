/**
 * Beyond COCO's AP: what happened to each lesion and each detection at one operating point.
 *
 * At an IoU threshold (default 0.5) and a score threshold (default 0.5), detections are matched to
 * ground truth **regardless of class**: every (lesion, detection) pair with IoU ≥ the threshold is a
 * candidate, candidates are taken greedily by IoU (highest first; ties by higher score, then file
 * order), and each lesion and each detection is used at most once. A matched pair counts in the
 * row of the lesion's class and the column of the detection's class (so a malignant lesion detected
 * as benign is visible), an unmatched lesion is "missed", an unmatched detection a "false positive".
 * Crowd ground truth and detections of categories the ground truth does not list are left out. This is the detection confusion matrix of supervision/ultralytics.
 */
import { iouXyxy, xywhToXyxy, type Xywh } from '../box.js';
import { checkThreshold } from '../validate.js';
import type { CocoResult, EvalGroundTruth } from './coco-input.js';

export interface OperatingPoint {
  /** A detection and a lesion match at IoU ≥ this (default 0.5). */
  iouThreshold?: number;
  /** Detections below this score are not shown to anyone and not counted (default 0.5). */
  scoreThreshold?: number;
}

/** One matched (lesion, detection) pair: indices into `gt.annotations` and into the results. */
export interface MatchedPair {
  gt: number;
  det: number;
  iou: number;
}

/** What happened on one image at the operating point. */
export interface ImageOutcome {
  imageId: number;
  /** Pairs, in the order they were taken. */
  matches: MatchedPair[];
  /** Annotation indices of lesions no detection matched. */
  missed: number[];
  /** Result indices of detections (at or above the score threshold) that matched no lesion. */
  falsePositives: number[];
  /** Matched pairs whose classes differ. */
  wrongClass: number;
}

export interface DetectionConfusionMatrix {
  iouThreshold: number;
  scoreThreshold: number;
  /** The classes, in row/column order. */
  categories: { id: number; name: string }[];
  /** Category names, then `false positive`. */
  rowLabels: string[];
  /** Category names, then `missed`. */
  columnLabels: string[];
  /**
   * `(K+1) × (K+1)` counts: `matrix[i][j]` for i, j < K is lesions of class i detected as class j;
   * `matrix[i][K]` lesions of class i missed; `matrix[K][j]` false detections of class j.
   */
  matrix: number[][];
  /** Per image, in `gt.images` order. */
  images: ImageOutcome[];
}

/** A COCO `[x, y, w, h]` bbox as a pixel-edge box. */
const bboxXyxy = (bbox: readonly number[]) => xywhToXyxy(bbox as Xywh);

/**
 * Matches detections to lesions image by image at one operating point (see the module comment).
 *
 * @example
 * matchAtOperatingPoint(gt, results, { iouThreshold: 0.5, scoreThreshold: 0.3 })[0]
 * // { imageId: 1, matches: [{ gt: 0, det: 3, iou: 0.82 }], missed: [], falsePositives: [4], wrongClass: 0 }
 */
export function matchAtOperatingPoint(gt: EvalGroundTruth, results: readonly CocoResult[], options: OperatingPoint = {}): ImageOutcome[] {
  const iouThr = checkThreshold('iouThreshold', options.iouThreshold ?? 0.5);
  const scoreThr = checkThreshold('scoreThreshold', options.scoreThreshold ?? 0.5);
  const gtByImage = new Map<number, number[]>();
  const dtByImage = new Map<number, number[]>();
  for (const im of gt.images) {
    gtByImage.set(im.id, []);
    dtByImage.set(im.id, []);
  }
  gt.annotations.forEach((a, i) => {
    if (!a.iscrowd) gtByImage.get(a.image_id)?.push(i);
  });
  const known = new Set(gt.categories.map((c) => c.id));
  results.forEach((r, j) => {
    if (r.score >= scoreThr && known.has(r.category_id)) dtByImage.get(r.image_id)?.push(j);
  });
  return gt.images.map((im) => {
    const gs = gtByImage.get(im.id)!;
    const ds = dtByImage.get(im.id)!;
    const candidates: MatchedPair[] = [];
    const dsXyxy = ds.map((d) => bboxXyxy(results[d].bbox));
    for (const g of gs) {
      const gXyxy = bboxXyxy(gt.annotations[g].bbox);
      for (let k = 0; k < ds.length; k++) {
        const d = ds[k];
        const iou = iouXyxy(gXyxy, dsXyxy[k]);
        if (iou >= iouThr && iou > 0) candidates.push({ gt: g, det: d, iou });
      }
    }
    candidates.sort((x, y) => y.iou - x.iou || results[y.det].score - results[x.det].score || x.gt - y.gt || x.det - y.det);
    const usedG = new Set<number>();
    const usedD = new Set<number>();
    const matches: MatchedPair[] = [];
    let wrongClass = 0;
    for (const c of candidates) {
      if (usedG.has(c.gt) || usedD.has(c.det)) continue;
      usedG.add(c.gt);
      usedD.add(c.det);
      matches.push(c);
      if (gt.annotations[c.gt].category_id !== results[c.det].category_id) wrongClass++;
    }
    return {
      imageId: im.id,
      matches,
      missed: gs.filter((g) => !usedG.has(g)),
      falsePositives: ds.filter((d) => !usedD.has(d)),
      wrongClass,
    };
  });
}

/**
 * The detection confusion matrix at one operating point: rows are the lesions' classes plus
 * `false positive`, columns the detections' classes plus `missed`.
 *
 * @example
 * const cm = detectionConfusionMatrix(gt, results);
 * cm.matrix[1][0]; // malignant lesions detected as benign
 * cm.matrix[1][2]; // malignant lesions missed
 */
export function detectionConfusionMatrix(gt: EvalGroundTruth, results: readonly CocoResult[], options: OperatingPoint = {}): DetectionConfusionMatrix {
  const images = matchAtOperatingPoint(gt, results, options);
  const categories = [...gt.categories].sort((a, b) => a.id - b.id).map((c) => ({ id: c.id, name: c.name }));
  const K = categories.length;
  const index = new Map(categories.map((c, i) => [c.id, i]));
  const matrix = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0));
  for (const im of images) {
    for (const m of im.matches) {
      const i = index.get(gt.annotations[m.gt].category_id);
      const j = index.get(results[m.det].category_id);
      if (i !== undefined && j !== undefined) matrix[i][j]++;
    }
    for (const g of im.missed) {
      const i = index.get(gt.annotations[g].category_id);
      if (i !== undefined) matrix[i][K]++;
    }
    for (const d of im.falsePositives) {
      const j = index.get(results[d].category_id);
      if (j !== undefined) matrix[K][j]++;
    }
  }
  return {
    iouThreshold: options.iouThreshold ?? 0.5,
    scoreThreshold: options.scoreThreshold ?? 0.5,
    categories,
    rowLabels: [...categories.map((c) => c.name), 'false positive'],
    columnLabels: [...categories.map((c) => c.name), 'missed'],
    matrix,
    images,
  };
}
