import { checkThreshold, describeValue, discoverDataset, errorCodeOf, evaluateDetections, extractBoxes, BusToolsError, writeUploadFolder } from '@bus-tools/core';

// Public entry points check their arguments on their first lines: a wrong call (say, from
// JavaScript) is an INVALID_PARAMETER error that says what was expected, never a TypeError from inside.
const gt = { images: [], annotations: [], categories: [] };
const dataset = { root: '/data', images: [], labels: [], problems: [] };

describe('a public function called with the wrong arguments says what it expected', () => {
  test.each<[string, () => unknown, string]>([
    ['discoverDataset(undefined)', () => discoverDataset(undefined as never), 'discoverDataset expects a dataset folder path such as "Dataset_BUSI_with_GT" but received undefined'],
    ['discoverDataset(options object)', () => discoverDataset({ root: 'x' } as never), 'discoverDataset expects a dataset folder path such as "Dataset_BUSI_with_GT" but received an object'],
    ['discoverDataset("")', () => discoverDataset(''), 'discoverDataset expects a dataset folder path such as "Dataset_BUSI_with_GT" but received the string ""'],
    ['extractBoxes(a path)', () => extractBoxes('Dataset_BUSI_with_GT' as never), 'extractBoxes expects a dataset such as discoverDataset("Dataset_BUSI_with_GT") returns but received the string "Dataset_BUSI_with_GT"'],
    ['extractBoxes(dataset, 50)', () => extractBoxes(dataset, 50 as never), 'extractBoxes expects an options object such as { minArea: 50 } but received the number 50'],
    ['writeUploadFolder(no folder)', () => writeUploadFolder(undefined as never, [], [], { format: 'coco' }), 'writeUploadFolder expects an output folder path such as "busi-upload" but received undefined'],
    ['writeUploadFolder(images not an array)', () => writeUploadFolder('out', { images: [] } as never, [], { format: 'coco' }), 'writeUploadFolder expects an array of images such as extractBoxes(…) returns in `images` but received an object'],
    ['writeUploadFolder(categories missing)', () => writeUploadFolder('out', [], null as never, { format: 'coco' }), 'writeUploadFolder expects an array of categories such as extractBoxes(…) returns in `categories` but received null'],
    ['writeUploadFolder(format as a string)', () => writeUploadFolder('out', [], [], 'coco' as never), 'writeUploadFolder expects an options object such as { format: "datature-csv-wh" } but received the string "coco"'],
    ['evaluateDetections(a file name)', () => evaluateDetections('gt.json' as never, []), 'evaluateDetections expects ground truth such as parseCocoGroundTruth(…) or groundTruthFromImages(…) returns but received the string "gt.json"'],
    ['evaluateDetections(gt without annotations)', () => evaluateDetections({ images: [], categories: [] } as never, []), 'evaluateDetections expects ground truth such as parseCocoGroundTruth(…) or groundTruthFromImages(…) returns but received an object'],
    ['evaluateDetections(results as an object)', () => evaluateDetections(gt, { results: [] } as never), 'evaluateDetections expects an array of COCO results such as [{ image_id: 1, category_id: 1, bbox: [x, y, w, h], score: 0.9 }] but received an object'],
    ['evaluateDetections(options as a number)', () => evaluateDetections(gt, [], 0.5 as never), 'evaluateDetections expects an options object such as { iouThreshold: 0.5 } but received the number 0.5'],
  ])('%s', async (_call, call, message) => {
    // Asynchronous functions reject, synchronous ones throw: the same error either way.
    const err = await (async () => call())().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BusToolsError);
    expect(err).toMatchObject({ code: 'INVALID_PARAMETER', message });
  });
});

test.each<[unknown, string]>([
  ['x.onnx', 'the string "x.onnx"'],
  [3, 'the number 3'],
  [false, 'the boolean false'],
  [null, 'null'],
  [undefined, 'undefined'],
  [['a.png'], 'an array'],
  [{ model: 'x' }, 'an object'],
  [() => 0, 'a function'],
])('describeValue(%p) is %s', (value, words) => {
  expect(describeValue(value)).toBe(words);
});

describe('checkThreshold(name, value)', () => {
  test.each([0, 0.5, 1])('accepts %p', (v) => expect(checkThreshold('iouThreshold', v)).toBe(v));
  test.each<[unknown, string]>([
    [1.5, '1.5'],
    [-0.1, '-0.1'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['0.5', '"0.5"'],
  ])('refuses %p', (v, shown) => {
    expect(() => checkThreshold('--threshold', v)).toThrow(`Expected number between 0 and 1 for --threshold but received ${shown}`);
  });
});

test('errorCodeOf takes the code of a BusToolsError, else the fallback', () => {
  expect(errorCodeOf(new BusToolsError('BAD_IMAGE', 'scan.png: truncated'), 'UNREADABLE')).toBe('BAD_IMAGE');
  expect(errorCodeOf(new Error('EACCES'), 'UNREADABLE')).toBe('UNREADABLE');
  expect(errorCodeOf('a string was thrown', 'BAD_IMAGE')).toBe('BAD_IMAGE');
});
