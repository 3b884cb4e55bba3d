import { iouAt, nmsClasswise } from '@bus-tools/infer';
import { iouXyxy, type Xyxy } from '@bus-tools/core';

describe('iouAt', () => {
  test.each<[string, Xyxy, Xyxy, number]>([
    ['identical', [0, 0, 10, 10], [0, 0, 10, 10], 1],
    ['half overlap', [0, 0, 10, 10], [5, 0, 15, 10], 50 / 150],
    ['touching edges do not overlap', [0, 0, 10, 10], [10, 0, 20, 10], 0],
    ['disjoint', [0, 0, 10, 10], [20, 20, 30, 30], 0],
    ['contained', [0, 0, 10, 10], [2, 2, 4, 4], 4 / 100],
    ['empty box', [5, 5, 5, 5], [5, 5, 5, 5], 0],
  ])('%s', (_name, a, b, expected) => {
    expect(iouAt([...a, ...b], 0, 1)).toBeCloseTo(expected, 12);
    expect(iouAt([...a, ...b], 0, 1)).toBeCloseTo(iouXyxy(a, b), 12); // same definition as core
  });
});

describe('nmsClasswise', () => {
  // boxes, scores, classes, iou threshold → kept indices (by descending score)
  test.each<[string, Xyxy[], number[], number[], number, number[]]>([
    ['no boxes', [], [], [], 0.5, []],
    ['one box', [[0, 0, 10, 10]], [0.3], [1], 0.5, [0]],
    ['duplicate of the same class is dropped', [[0, 0, 10, 10], [1, 1, 10, 10]], [0.9, 0.8], [1, 1], 0.5, [0]],
    ['same place, other class is kept', [[0, 0, 10, 10], [1, 1, 10, 10]], [0.9, 0.8], [1, 2], 0.5, [0, 1]],
    ['order follows score, not input', [[0, 0, 10, 10], [20, 20, 30, 30]], [0.2, 0.9], [1, 1], 0.5, [1, 0]],
    ['IoU exactly at the threshold is kept (strictly greater drops)', [[0, 0, 10, 10], [0, 0, 10, 5]], [0.9, 0.8], [1, 1], 0.5, [0, 1]],
    ['IoU just above the threshold is dropped', [[0, 0, 10, 10], [0, 0, 10, 5.01]], [0.9, 0.8], [1, 1], 0.5, [0]],
    ['a suppressed box suppresses nothing', [[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]], [0.9, 0.8, 0.7], [1, 1, 1], 0.4, [0, 2]],
    ['equal scores keep input order', [[0, 0, 10, 10], [0, 0, 10, 10]], [0.5, 0.5], [1, 1], 0.5, [0]],
    ['threshold 1 keeps everything', [[0, 0, 10, 10], [0, 0, 10, 10]], [0.9, 0.8], [1, 1], 1, [0, 1]],
  ])('%s', (_name, boxes, scores, classes, iou, expected) => {
    expect(nmsClasswise(boxes.flat(), scores, classes, iou)).toEqual(expected);
  });
});
