/**
 * Which images are scored, and saying how many were predicted on: a split's part, only the predicted
 * images, and the coverage every evaluation reports. The AP values are worked out by hand (COCO's
 * 101 recall thresholds 0, 0.01, …, 1; a perfect detection scores precision 1 up to its recall).
 */
import {
  evaluatePredictions,
  evaluationToJson,
  limitGroundTruth,
  parseSplitManifest,
  selectManifestPart,
  type EvalGroundTruth,
  type PredictionRow,
} from '@bus-tools/core';

/** Four images named as a dataset folder names them, one 10×10 benign lesion each. */
const gt: EvalGroundTruth = {
  images: [1, 2, 3, 4].map((id) => ({ id, file_name: `benign (${id}).png`, width: 100, height: 100 })),
  categories: [
    { id: 1, name: 'benign' },
    { id: 2, name: 'malignant' },
  ],
  annotations: [1, 2, 3, 4].map((id) => ({ id, image_id: id, category_id: 1, bbox: [20, 20, 10, 10], area: 100, iscrowd: 0 })),
};
/** A perfect benign detection on each named image, as predict's detections.json names it. */
const found = (...ids: number[]): PredictionRow[] => ids.map((id) => ({ file_name: `benign/benign (${id}).png`, label: 'benign', bbox: [20, 20, 10, 10], score: 0.9 }));

const manifest = `image,part,group
benign/benign (1).png,test,
benign/benign (2).png,test,dup1
benign/benign (3).png,train,
benign/benign (4).png,val,dup1
`;

describe('coverage: how much of the ground truth was predicted on', () => {
  test('predictions for 1 of 4 images score all 4, and say so', () => {
    const { evaluation } = evaluatePredictions(gt, found(1));
    // recall 1/4 at precision 1: thresholds 0 … 0.25 → 26 of 101
    expect(evaluation.coco.stats.AP).toBeCloseTo(26 / 101, 12);
    expect(evaluation.coverage).toEqual({ groundTruthImages: 4, predictedImages: 1, scoredImages: 4, basis: 'detections' });
    expect(evaluationToJson(evaluation, { images: 4, annotations: 4, detections: 1 }).coverage).toEqual({
      gt_images: 4,
      predicted_images: 1,
      scored_images: 4,
      predicted_means: 'images with at least one detection; a predictions file records nothing for an image without detections',
    });
  });

  test('onlyPredicted scores the predicted image alone', () => {
    const { evaluation, gt: scored, outsideScope } = evaluatePredictions(gt, found(1), { onlyPredicted: true });
    expect(evaluation.coco.stats.AP).toBeCloseTo(1, 12);
    expect(scored.images.map((im) => im.id)).toEqual([1]);
    expect(evaluation.coverage).toEqual({ groundTruthImages: 4, predictedImages: 1, scoredImages: 1, basis: 'detections' });
    expect(outsideScope).toBe(0);
  });

  test('when the model ran here, images it found nothing on still count as predicted on', () => {
    const { evaluation } = evaluatePredictions(gt, found(1), { predictedImageIds: new Set([1, 2, 3, 4]) });
    expect(evaluation.coverage).toEqual({ groundTruthImages: 4, predictedImages: 4, scoredImages: 4, basis: 'model' });
    expect(evaluation.coco.stats.AP).toBeCloseTo(26 / 101, 12);
  });
});

describe('one part of a split', () => {
  test('parseSplitManifest reads what split writes', () => {
    expect(parseSplitManifest(manifest, 'm.csv')).toEqual([
      { image: 'benign/benign (1).png', part: 'test', group: '' },
      { image: 'benign/benign (2).png', part: 'test', group: 'dup1' },
      { image: 'benign/benign (3).png', part: 'train', group: '' },
      { image: 'benign/benign (4).png', part: 'val', group: 'dup1' },
    ]);
  });

  test.each([
    ['filename,part\na.png,test\n', 'm.csv: header "filename,part" is not a split manifest. Expected "image,part,group"'],
    ['image,part,group\na.png,holdout,\n', 'm.csv: row 2 is not "image,part,group" with part one of train, val, test, excluded: a.png,holdout,'],
  ])('a bad manifest is named: %j', (text, message) => {
    expect(() => parseSplitManifest(text, 'm.csv')).toThrow(expect.objectContaining({ code: 'BAD_CSV', message: expect.stringContaining(message) }));
  });

  test('the test part: 2 images, found by base name, predictions elsewhere set aside', () => {
    const part = selectManifestPart(gt, parseSplitManifest(manifest), 'test', { file: 'm.csv' });
    expect([...part.imageIds].sort()).toEqual([1, 2]);
    expect(part.missing).toEqual([]);
    // predicted on image 1 (in the part) and 3 (train): recall 1/2 in the part → 51 of 101
    const r = evaluatePredictions(gt, found(1, 3), { imageIds: part.imageIds });
    expect(r.evaluation.coco.stats.AP).toBeCloseTo(51 / 101, 12);
    expect(r.evaluation.coverage).toEqual({ groundTruthImages: 2, predictedImages: 1, scoredImages: 2, basis: 'detections' });
    expect([r.outsideScope, r.unknownImages.size, r.results.length]).toEqual([1, 0, 1]);
  });

  test('exact relative paths win over base names; names the ground truth lacks are listed', () => {
    const twins: EvalGroundTruth = { ...gt, images: [{ id: 7, file_name: 'a.png' }, { id: 8, file_name: 'a.png' }], annotations: [] };
    const rows = parseSplitManifest('image,part,group\nbenign/a.png,test,\nmalignant/a.png,train,\nbenign/gone.png,test,\n');
    const part = selectManifestPart(twins, rows, 'test', { extraNames: new Map([[7, 'benign/a.png'], [8, 'malignant/a.png']]) });
    expect([...part.imageIds]).toEqual([7]);
    expect(part.missing).toEqual(['benign/gone.png']);
  });

  test('an empty part, or a manifest of another dataset, is a usage error that says why', () => {
    expect(() => selectManifestPart(gt, parseSplitManifest(manifest), 'excluded', { file: 'm.csv' })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER', message: 'm.csv: no image is in part "excluded" (the manifest has train 1, val 1, test 2); choose one of those parts' }),
    );
    const other = parseSplitManifest('image,part,group\nmalignant/malignant (9).png,test,\n');
    expect(() => selectManifestPart(gt, other, 'test', { file: 'm.csv' })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', message: expect.stringContaining('none of the 1 images in part "test" is in the ground truth') }));
  });

  test('limitGroundTruth keeps the images and their lesions, ids unchanged', () => {
    const g = limitGroundTruth(gt, new Set([2, 4]));
    expect([g.images.map((im) => im.id), g.annotations.map((a) => a.image_id)]).toEqual([
      [2, 4],
      [2, 4],
    ]);
  });
});
