/**
 * The detection confusion matrix and image-level malignancy metrics on small cases worked out by
 * hand. Categories: benign = 1, malignant = 2; boxes `[x, y, w, h]`.
 */
import { BusToolsError, detectionConfusionMatrix, malignancyMetrics, matchAtOperatingPoint, rocCurve, type CocoResult, type EvalGroundTruth } from '@bus-tools/core';

const B = 1;
const M = 2;
function gt(images: number[], anns: [img: number, cat: number, box: number[]][]): EvalGroundTruth {
  return {
    images: images.map((id) => ({ id, file_name: `${id}.png`, width: 640, height: 480 })),
    annotations: anns.map(([img, cat, box], i) => ({ id: i + 1, image_id: img, category_id: cat, bbox: box, area: box[2] * box[3], iscrowd: 0 })),
    categories: [
      { id: 1, name: 'benign' },
      { id: 2, name: 'malignant' },
    ],
  };
}
const det = (img: number, cat: number, box: number[], score: number): CocoResult => ({ image_id: img, category_id: cat, bbox: box, score });

describe('detectionConfusionMatrix', () => {
  const g = gt(
    [1, 2, 3],
    [
      [1, B, [0, 0, 100, 100]],
      [1, M, [200, 200, 100, 100]],
      [2, M, [10, 10, 50, 50]],
    ],
  );
  const dets = [
    det(1, B, [0, 0, 100, 100], 0.9), // benign found as benign
    det(1, B, [200, 200, 100, 100], 0.8), // malignant lesion called benign
    det(1, M, [400, 400, 50, 50], 0.7), // nothing there: false positive
    det(1, M, [0, 0, 100, 100], 0.6), // same IoU as the 0.9 box on a lesion already taken: false positive
    det(2, B, [10, 10, 50, 50], 0.3), // below the score threshold: not counted, so the lesion is missed
    det(3, B, [5, 5, 20, 20], 0.55), // on an image without lesions: false positive
  ];

  test('rows are lesion classes + false positive, columns detected classes + missed', () => {
    const cm = detectionConfusionMatrix(g, dets, { iouThreshold: 0.5, scoreThreshold: 0.5 });
    expect(cm.rowLabels).toEqual(['benign', 'malignant', 'false positive']);
    expect(cm.columnLabels).toEqual(['benign', 'malignant', 'missed']);
    expect(cm.matrix).toEqual([
      [1, 0, 0],
      [1, 0, 1],
      [1, 2, 0],
    ]);
  });

  test('per image: matches, misses, false positives and class errors', () => {
    const [im1, im2, im3] = matchAtOperatingPoint(g, dets);
    expect(im1).toEqual({ imageId: 1, matches: [{ gt: 0, det: 0, iou: 1 }, { gt: 1, det: 1, iou: 1 }], missed: [], falsePositives: [2, 3], wrongClass: 1 });
    expect(im2).toMatchObject({ missed: [2], falsePositives: [], matches: [] });
    expect(im3).toMatchObject({ missed: [], falsePositives: [5] });
  });

  test.each([
    { box: [0, 0, 100, 50], iou: 0.5, matched: true },
    { box: [0, 0, 100, 49], iou: 0.49, matched: false },
  ])('IoU $iou against the 0.5 threshold: matched = $matched', ({ box, matched }) => {
    const cm = detectionConfusionMatrix(gt([1], [[1, B, [0, 0, 100, 100]]]), [det(1, B, box, 0.9)]);
    expect(cm.matrix[0]).toEqual(matched ? [1, 0, 0] : [0, 0, 1]);
  });

  test('a lower score threshold counts the low-scoring detection', () => {
    expect(detectionConfusionMatrix(g, dets, { scoreThreshold: 0.2 }).matrix[1]).toEqual([2, 0, 0]);
  });

  test('thresholds outside [0, 1] are refused', () => {
    expect(() => detectionConfusionMatrix(g, dets, { iouThreshold: 1.5 })).toThrow(BusToolsError);
    expect(() => detectionConfusionMatrix(g, dets, { iouThreshold: 1.5 })).toThrow('Expected number between 0 and 1 for iouThreshold but received 1.5');
  });
});

describe('malignancyMetrics', () => {
  // 1: malignant lesion, malignant boxes 0.7 and 0.6 → flagged (TP)
  // 2: malignant lesion, no malignant box → score 0 (FN)
  // 3: normal, nothing → score 0 (TN)
  // 4: benign lesion, a malignant box at 0.8 → flagged (FP)
  const g = gt(
    [1, 2, 3, 4],
    [
      [1, M, [0, 0, 50, 50]],
      [2, M, [0, 0, 50, 50]],
      [4, B, [0, 0, 50, 50]],
    ],
  );
  const dets = [det(1, M, [0, 0, 50, 50], 0.7), det(1, M, [60, 60, 10, 10], 0.6), det(1, B, [0, 0, 50, 50], 0.95), det(2, B, [0, 0, 50, 50], 0.9), det(4, M, [0, 0, 50, 50], 0.8)];

  test('counts, sensitivity and specificity at the threshold', () => {
    const m = malignancyMetrics(g, dets, { threshold: 0.5 });
    expect(m).toMatchObject({ malignantCategoryId: 2, positives: 2, negatives: 2, truePositives: 1, falseNegatives: 1, trueNegatives: 1, falsePositives: 1, sensitivity: 0.5, specificity: 0.5 });
    expect(m.images.map((i) => [i.imageId, i.score, i.flagged])).toEqual([
      [1, 0.7, true],
      [2, 0, false],
      [3, 0, false],
      [4, 0.8, true],
    ]);
  });

  test('ROC from the maximum malignant score, AUC = Mann–Whitney with ties as half (1.5 of 4 pairs)', () => {
    const m = malignancyMetrics(g, dets);
    expect(m.roc).toEqual([
      { threshold: Infinity, fpr: 0, tpr: 0 },
      { threshold: 0.8, fpr: 0.5, tpr: 0 },
      { threshold: 0.7, fpr: 0.5, tpr: 0.5 },
      { threshold: 0, fpr: 1, tpr: 1 },
    ]);
    expect(m.auc).toBe(0.375);
  });

  test.each([
    { threshold: 0.75, tp: 0, fp: 1, sens: 0, spec: 0.5 },
    { threshold: 0.85, tp: 0, fp: 0, sens: 0, spec: 1 },
    { threshold: 0.65, tp: 1, fp: 1, sens: 0.5, spec: 0.5 },
  ])('threshold $threshold: TP $tp, FP $fp', ({ threshold, tp, fp, sens, spec }) => {
    const m = malignancyMetrics(g, dets, { threshold });
    expect([m.truePositives, m.falsePositives, m.sensitivity, m.specificity]).toEqual([tp, fp, sens, spec]);
  });

  test('perfect separation gives AUC 1; no malignant images gives null sensitivity and AUC', () => {
    expect(rocCurve([{ positive: true, score: 0.9 }, { positive: false, score: 0.1 }]).at(-1)).toEqual({ threshold: 0.1, fpr: 1, tpr: 1 });
    expect(malignancyMetrics(g, [det(1, M, [0, 0, 5, 5], 0.9), det(2, M, [0, 0, 5, 5], 0.8)]).auc).toBe(1);
    const none = malignancyMetrics(gt([1], [[1, B, [0, 0, 5, 5]]]), []);
    expect([none.sensitivity, none.specificity, none.auc]).toEqual([null, 1, null]);
  });

  test('a threshold of 0 would flag every image and is refused', () => {
    expect(() => malignancyMetrics(g, dets, { threshold: 0 })).toThrow('Expected a number above 0 and at most 1 for threshold but received 0');
  });
});
