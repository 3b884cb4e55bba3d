/** Predictions files as `predict` writes them, lined up with the ground truth by name. */
import { alignPredictions, BusToolsError, parsePredictionsCsv, parsePredictionsJson, rowsFromDetections, type EvalGroundTruth } from '@bus-tools/core';

const gt: EvalGroundTruth = {
  images: [
    { id: 10, file_name: 'benign (1).png', width: 100, height: 100 },
    { id: 20, file_name: 'malignant (1).png', width: 100, height: 100 },
  ],
  annotations: [],
  categories: [
    { id: 1, name: 'benign' },
    { id: 2, name: 'malignant' },
  ],
};

describe('parsePredictionsCsv', () => {
  test('keeps numbers exactly as written', () => {
    const rows = parsePredictionsCsv('filename,xmin,ymin,width,height,label,score\n"benign (1).png",0.1,2,0.2,40.25,benign,0.875\n', 'p.csv');
    expect(rows).toEqual([{ file_name: 'benign (1).png', label: 'benign', bbox: [0.1, 2, 0.2, 40.25], score: 0.875 }]);
  });

  test.each([
    { text: 'filename,xmin,ymin,width,height,label\na.png,1,2,3,4,benign\n', msg: 'p.csv: header "filename,xmin,ymin,width,height,label" is not a predictions CSV. Expected "filename,xmin,ymin,width,height,label,score"' },
    { text: 'filename,xmin,ymin,width,height,label,score\na.png,1,2,x,4,benign,0.5\n', msg: 'p.csv: row 2 has a non-numeric box or score' },
    { text: 'filename,xmin,ymin,width,height,label,score\na.png,1,2,3,4,benign\n', msg: 'p.csv: row 2 has 6 fields, expected 7' },
  ])('$msg', ({ text, msg }) => {
    expect(() => parsePredictionsCsv(text, 'p.csv')).toThrow(BusToolsError);
    expect(() => parsePredictionsCsv(text, 'p.csv')).toThrow(msg);
  });
});

describe('parsePredictionsJson', () => {
  test.each([
    { json: { images: [], annotations: [] }, msg: 'd.json: is a COCO ground-truth file, not a results list' },
    { json: [{ bbox: [1, 2, 3, 4], score: 1, label: 'benign' }], msg: 'd.json: entry 0 has neither "file_name" nor a numeric "image_id"' },
    { json: [{ image_id: 1, bbox: [1, 2, 3, 4], score: 1 }], msg: 'd.json: entry 0 has neither "label" nor a numeric "category_id"' },
  ])('$msg', ({ json, msg }) => {
    expect(() => parsePredictionsJson(json, 'd.json')).toThrow(msg);
  });
});

describe('alignPredictions', () => {
  test('by file name (exact, then unique base name), by image id without a name; category by label first', () => {
    const { results, unknownImages, unknownCategories } = alignPredictions(gt, [
      { file_name: 'malignant/malignant (1).png', image_id: 2, category_id: 1, label: 'malignant', bbox: [1, 1, 5, 5], score: 0.9 },
      { file_name: 'benign (1).png', image_id: 1, category_id: 1, bbox: [1, 1, 5, 5], score: 0.8 },
      { image_id: 10, category_id: 2, bbox: [1, 1, 5, 5], score: 0.7 },
      { file_name: 'normal (1).png', category_id: 1, bbox: [1, 1, 5, 5], score: 0.6 },
      { image_id: 3, category_id: 1, bbox: [1, 1, 5, 5], score: 0.5 },
      { file_name: 'benign (1).png', label: 'cyst', bbox: [1, 1, 5, 5], score: 0.4 },
    ]);
    expect(results.map((r) => [r.image_id, r.category_id, r.score])).toEqual([
      [20, 2, 0.9],
      [10, 1, 0.8],
      [10, 2, 0.7],
    ]);
    expect([...unknownImages]).toEqual([
      ['normal (1).png', 1],
      ['#3', 1],
    ]);
    expect([...unknownCategories]).toEqual([['cyst', 1]]);
  });
});

test('rowsFromDetections: pixel-edge xyxy → COCO xywh, by image id or file name', () => {
  expect(
    rowsFromDetections([
      { imageId: 3, detections: [{ xyxy: [10, 20, 40, 60], score: 0.9, classId: 2, label: 'malignant' }] },
      { fileName: 'a.png', detections: [{ xyxy: [0, 0, 5, 5], score: 0.5 }] },
    ]),
  ).toEqual([
    { image_id: 3, category_id: 2, label: 'malignant', bbox: [10, 20, 30, 40], score: 0.9 },
    { file_name: 'a.png', bbox: [0, 0, 5, 5], score: 0.5 },
  ]);
});

test('alignPredictions falls back to image ids when the ground truth has no file names', () => {
  const bare: EvalGroundTruth = { ...gt, images: [{ id: 10 }, { id: 20 }] };
  const { results } = alignPredictions(bare, [{ file_name: 'x.png', image_id: 20, category_id: 1, bbox: [1, 1, 5, 5], score: 0.9 }]);
  expect(results.map((r) => r.image_id)).toEqual([20]);
});
