/**
 * Hand-checked COCO cases: each one isolates one rule of COCOeval and says what the rule makes of it.
 * Boxes are `[x, y, w, h]`; `gt()` gives annotations ids 1…n in order and area = w * h unless given.
 */
import {
  BusToolsError,
  COCO_IOU_THRESHOLDS,
  COCO_RECALL_THRESHOLDS,
  evaluateCocoBbox,
  linspace,
  pairwiseSum,
  parseCocoGroundTruth,
  parseCocoResults,
  prCurve,
  type EvalGroundTruth,
  type CocoResult,
} from '@bus-tools/core';

type Box = [number, number, number, number];
interface G {
  img: number;
  box: Box;
  cat?: number;
  crowd?: boolean;
  area?: number;
}

function gt(images: number[], anns: G[], cats = [1, 2]): EvalGroundTruth {
  return {
    images: images.map((id) => ({ id, file_name: `img (${id}).png`, width: 640, height: 480 })),
    annotations: anns.map((a, i) => ({
      id: i + 1,
      image_id: a.img,
      category_id: a.cat ?? 1,
      bbox: a.box,
      area: a.area ?? a.box[2] * a.box[3],
      iscrowd: a.crowd ? 1 : 0,
    })),
    categories: cats.map((id) => ({ id, name: ['', 'benign', 'malignant', 'other'][id] })),
  };
}
const det = (img: number, box: Box, score: number, cat = 1): CocoResult => ({ image_id: img, category_id: cat, bbox: box, score });

const SQ: Box = [100, 100, 50, 50];
/** Precision 1 as COCOeval computes it: tp / (fp + tp + np.spacing(1)). */
const P1 = 1 / (1 + Number.EPSILON);

describe('evaluateCocoBbox on hand-checked cases', () => {
  test.each([
    {
      name: "the reference tiny case: 2 images, one GT each, one perfect detection, one miss",
      gt: gt([1, 2], [{ img: 1, box: SQ }, { img: 2, box: SQ }]),
      dets: [det(1, SQ, 0.9)],
      // recall reaches 0.5 at precision 1: thresholds 0…0.50 (51 of 101) read 1, the rest 0
      want: { AP50: 51 / 101, AP75: 51 / 101, AP: 51 / 101, AR100: 0.5, AR1: 0.5, APs: -1, APm: 51 / 101, APl: -1 },
    },
    {
      name: 'equal scores keep image-id order when accumulating (a miss on image 1 ranks before a hit on image 2)',
      gt: gt([2, 1], [{ img: 1, box: SQ }, { img: 2, box: SQ }]),
      dets: [det(2, SQ, 0.8), det(1, [400, 300, 50, 50], 0.8)],
      // FP then TP: precision 0, 0.5 → made monotone 0.5, 0.5 up to recall 0.5
      want: { AP50: (51 * 0.5) / 101 },
    },
    {
      name: 'a detection on an image without ground truth is a false positive',
      gt: gt([1, 2], [{ img: 1, box: SQ }]),
      dets: [det(1, SQ, 0.5), det(2, SQ, 0.9)],
      // FP (0.9) then TP: precision at recall 1 is 1 / (2 + eps)
      want: { AP50: 1 / (2 + Number.EPSILON), AR100: 1 },
    },
    {
      name: 'a detection inside a crowd region is ignored, not a false positive (IoU over the detection area)',
      gt: gt([1], [{ img: 1, box: [0, 0, 10, 10] }, { img: 1, box: [200, 200, 200, 200], crowd: true }]),
      dets: [det(1, [0, 0, 10, 10], 0.5), det(1, [250, 250, 20, 20], 0.9)],
      want: { AP: 1, AP50: 1, AR100: 1 },
    },
    {
      name: 'equal IoU with two ground truths: the later one is taken (">=" keeps looking), freeing the first',
      gt: gt([1], [{ img: 1, box: [0, 0, 10, 10] }, { img: 1, box: [2, 0, 10, 10] }]),
      // [1,0,10,10] has IoU 90/110 with both; the second detection then still finds gt 1 (IoU 1)
      dets: [det(1, [1, 0, 10, 10], 0.9), det(1, [0, 0, 10, 10], 0.8)],
      // IoU .50–.80: both hit. .85–.95: FP then TP → 0.5 up to recall 0.5
      want: { AP75: 1, AP50: 1, AP: (7 + (3 * 51 * 0.5) / 101) / 10 },
    },
    {
      name: 'only the 100 best detections per image count: a perfect box ranked 101st is cut',
      gt: gt([1], [{ img: 1, box: SQ }]),
      dets: [...Array.from({ length: 100 }, (_, i) => det(1, [400, 300, 10 + i, 10], 0.9)), det(1, SQ, 0.1)],
      want: { AP: 0, AR100: 0, AR10: 0 },
    },
    {
      name: 'maxDets 1 and 10 keep each image\'s best detections (AR1 < AR10)',
      gt: gt([1], [{ img: 1, box: [0, 0, 40, 40] }, { img: 1, box: [100, 0, 40, 40] }]),
      dets: [det(1, [0, 0, 40, 40], 0.9), det(1, [100, 0, 40, 40], 0.8)],
      want: { AR1: 0.5, AR10: 1, AR100: 1, AP: 1 },
    },
    {
      name: 'area ranges include both ends: area 32² is small and medium',
      gt: gt([1], [{ img: 1, box: SQ, area: 32 * 32 }]),
      dets: [det(1, SQ, 0.9)],
      want: { APs: 1, APm: 1, APl: -1, ARs: 1, ARm: 1, ARl: -1 },
    },
    {
      name: 'the area range uses the ground truth area field, not the box',
      gt: gt([1], [{ img: 1, box: [0, 0, 200, 200], area: 500 }]),
      dets: [det(1, [0, 0, 200, 200], 0.9)],
      want: { APs: 1, APl: -1 },
    },
    {
      name: 'an unmatched detection outside the area range is ignored for that range',
      gt: gt([1], [{ img: 1, box: [0, 0, 20, 20] }]),
      dets: [det(1, [0, 0, 20, 20], 0.5), det(1, [300, 300, 150, 150], 0.9)],
      want: { APs: 1, AP: 1 / (2 + Number.EPSILON) },
    },
    {
      name: 'no detections at all: zeros, not -1',
      gt: gt([1], [{ img: 1, box: SQ }]),
      dets: [],
      want: { AP: 0, AR100: 0 },
    },
    {
      name: 'no ground truth at all: every statistic is -1',
      gt: gt([1], []),
      dets: [det(1, SQ, 0.9)],
      want: { AP: -1, AP50: -1, AR100: -1 },
    },
  ])('$name', ({ gt: g, dets, want }) => {
    const ev = evaluateCocoBbox(g, dets);
    for (const [name, value] of Object.entries(want)) {
      expect([name, ev.stats[name as keyof typeof ev.stats]]).toEqual([name, expect.closeTo(value, 12)]);
    }
  });

  test('per-category AP: -1 for a category without ground truth, and left out of the mean', () => {
    const g = gt([1, 2], [{ img: 1, box: SQ, cat: 1 }, { img: 2, box: SQ, cat: 1 }], [1, 2, 3]);
    const ev = evaluateCocoBbox(g, [det(1, SQ, 0.9, 1), det(2, SQ, 0.9, 2)]);
    expect(ev.perCategory).toEqual([
      { categoryId: 1, name: 'benign', numGt: 2, AP: (51 * P1) / 101, AP50: (51 * P1) / 101 },
      { categoryId: 2, name: 'malignant', numGt: 0, AP: -1, AP50: -1 },
      { categoryId: 3, name: 'other', numGt: 0, AP: -1, AP50: -1 },
    ]);
    expect(ev.stats.AP).toBe(ev.perCategory[0].AP);
  });

  test('precision and recall arrays have COCOeval\'s shape, and prCurve reads one class', () => {
    const ev = evaluateCocoBbox(gt([1, 2], [{ img: 1, box: SQ, cat: 2 }, { img: 2, box: SQ, cat: 2 }]), [det(1, SQ, 0.9, 2)]);
    expect(ev.counts).toEqual([10, 101, 2, 4, 3]);
    expect(ev.precision).toHaveLength(10 * 101 * 2 * 4 * 3);
    expect(ev.recall).toHaveLength(10 * 2 * 4 * 3);
    expect(prCurve(ev, 1)).toBeNull();
    const curve = prCurve(ev, 2, { iouThr: 0.5 })!;
    expect(curve.precision.slice(0, 51)).toEqual(Array(51).fill(P1));
    expect(curve.precision.slice(51)).toEqual(Array(50).fill(0));
  });

  test('results for categories the ground truth does not list are left out', () => {
    const ev = evaluateCocoBbox(gt([1], [{ img: 1, box: SQ }], [1]), [det(1, SQ, 0.9), det(1, [0, 0, 5, 5], 0.99, 7)]);
    expect(ev.stats.AP).toBe(P1);
  });
});

describe('numpy details', () => {
  test('linspace spells thresholds as numpy does', () => {
    expect(COCO_RECALL_THRESHOLDS[35]).toBe(0.35000000000000003);
    expect(COCO_RECALL_THRESHOLDS[100]).toBe(1);
    expect(Array.from(COCO_IOU_THRESHOLDS)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
    expect(Array.from(linspace(2, 3, 1))).toEqual([2]);
  });

  test.each([
    // np.sum(np.array([1 / (i + 1) for i in range(n)])), printed by numpy 2.4; a left-to-right sum
    // gives 5.878030948121446 for n = 200 and 7.485470860550343 for n = 1000
    { n: 9, sum: 2.8289682539682537 },
    { n: 200, sum: 5.878030948121444 },
    { n: 1000, sum: 7.485470860550345 },
  ])('pairwiseSum of 1/1 … 1/$n equals np.sum bit for bit', ({ n, sum }) => {
    expect(pairwiseSum(Float64Array.from({ length: n }, (_, i) => 1 / (i + 1)))).toBe(sum);
  });
});

describe('input checks', () => {
  test.each([
    { json: [], msg: 'gt.json: is not a JSON object' },
    { json: { images: [] }, msg: 'gt.json: has no "annotations" list' },
    { json: { images: [{ id: 1 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 3] }], categories: [] }, msg: 'annotations[0] has no "bbox" of 4 numbers' },
  ])('bad ground truth: $msg', ({ json, msg }) => {
    expect(() => parseCocoGroundTruth(json, 'gt.json')).toThrow(BusToolsError);
    expect(() => parseCocoGroundTruth(json, 'gt.json')).toThrow(msg);
  });

  test.each([
    { json: {}, msg: 'dets.json: is not a JSON list of detections' },
    { json: [{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] }], msg: 'entry 0 has no numeric "score"' },
  ])('bad results: $msg', ({ json, msg }) => {
    expect(() => parseCocoResults(json, 'dets.json')).toThrow(msg);
  });
});

describe('pycocotools quirks kept on purpose', () => {
  test('a repeated annotation id stands for the last annotation with that id (loadAnns looks up by id)', () => {
    const g = gt([1, 2], [{ img: 1, box: [0, 0, 50, 50] }, { img: 2, box: SQ }]);
    g.annotations[0].id = 7;
    g.annotations[1].id = 7;
    // image 1 ends up with no ground truth, image 2 with SQ twice: SQ on image 1 is a false positive
    const ev = evaluateCocoBbox(g, [det(1, SQ, 0.9), det(2, SQ, 0.8)]);
    expect(ev.stats.AP50).toBeCloseTo((51 * (1 / (2 + Number.EPSILON))) / 101, 12);
    expect(ev.perCategory[0].numGt).toBe(2);
  });

  test('a detection matched to a ground truth with id 0 is not counted as a hit (dtMatches == 0)', () => {
    const g = gt([1], [{ img: 1, box: SQ }]);
    g.annotations[0].id = 0;
    const ev = evaluateCocoBbox(g, [det(1, SQ, 0.9)]);
    expect(ev.stats.AP).toBe(0);
    expect(ev.stats.AR100).toBe(0);
  });

  test('missing area and iscrowd default to w * h and 0', () => {
    const g = gt([1], [{ img: 1, box: [0, 0, 20, 20] }]);
    delete g.annotations[0].area;
    delete g.annotations[0].iscrowd;
    const ev = evaluateCocoBbox(g, [det(1, [0, 0, 20, 20], 0.9)]);
    expect([ev.stats.APs, ev.stats.APm]).toEqual([ev.stats.AP, -1]);
  });
});
