/**
 * `evaluateDetections().lesion`: class-agnostic AP, where a lesion found under the wrong class still
 * counts. Each case is small enough to work out by hand.
 */
import { evaluateDetections, lesionAp, type CocoResult, type EvalGroundTruth } from '@bus-tools/core';

const gt: EvalGroundTruth = {
  images: [1, 2].map((id) => ({ id, file_name: `img (${id}).png`, width: 640, height: 480 })),
  categories: [
    { id: 1, name: 'benign' },
    { id: 2, name: 'malignant' },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [100, 100, 80, 60], area: 4800, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 2, bbox: [200, 150, 120, 90], area: 10800, iscrowd: 0 },
  ],
};
const det = (image_id: number, category_id: number, bbox: number[], score: number): CocoResult => ({ image_id, category_id, bbox, score });

describe('class-agnostic lesion AP', () => {
  test('a lesion found under the wrong class is a miss per class but a hit as a lesion', () => {
    const results = [det(1, 2, [100, 100, 80, 60], 0.9), det(2, 2, [200, 150, 120, 90], 0.8)];
    const ev = evaluateDetections(gt, results);
    // benign: its one lesion has no benign detection (AP50 0); malignant: a false positive ranked
    // above its one hit (precision 1/2 at recall 1, AP50 0.5) → mean 0.25.
    expect(ev.coco.stats.AP50).toBeCloseTo(0.25, 12);
    expect(ev.lesion).toEqual({ AP: 1, AP50: 1, AP75: 1 });
  });

  test('the same box under both classes is one hit and one false positive', () => {
    // Ranked: img 1 (0.9) hit, img 2 (0.7) hit, img 1 again (0.6) false positive after full recall → AP 1.
    // With the duplicate ranked above the second lesion, precision at recall 1 is 2/3.
    const after = [det(1, 1, [100, 100, 80, 60], 0.9), det(2, 2, [200, 150, 120, 90], 0.7), det(1, 2, [100, 100, 80, 60], 0.6)];
    expect(lesionAp(gt, after)!.AP50).toBeCloseTo(1, 12);
    const before = [det(1, 1, [100, 100, 80, 60], 0.9), det(1, 2, [100, 100, 80, 60], 0.8), det(2, 2, [200, 150, 120, 90], 0.7)];
    // recall 0.5 at precision 1 (51 of 101 points), then recall 1 at 2/3 (the other 50).
    expect(lesionAp(gt, before)!.AP50).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
  });

  test('detections of classes the ground truth lacks are left out; no ground truth gives null', () => {
    const results = [det(1, 7, [100, 100, 80, 60], 0.9), det(2, 2, [200, 150, 120, 90], 0.8)];
    // Only image 2's lesion is found: recall 0.5 at precision 1.
    expect(lesionAp(gt, results)!.AP50).toBeCloseTo(51 / 101, 12);
    expect(lesionAp({ ...gt, annotations: [] }, results)).toBeNull();
  });
});
