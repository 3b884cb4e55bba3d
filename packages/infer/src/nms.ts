/** Non-maximum suppression over pixel-edge `xyxy` boxes. */
import { iouXyxy, type Xyxy } from '@bus-tools/core';

/** Box `i` of a flat `[x1,y1,x2,y2, …]` array. */
function boxAt(boxes: ArrayLike<number>, i: number): Xyxy {
  return [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]];
}

/**
 * Intersection over union of boxes `i` and `j` in a flat `[x1,y1,x2,y2, …]` array: core's
 * `iouXyxy` (0 when both are empty).
 */
export function iouAt(boxes: ArrayLike<number>, i: number, j: number): number {
  return iouXyxy(boxAt(boxes, i), boxAt(boxes, j));
}

/**
 * Class-wise greedy NMS, as torchvision's `batched_nms`: boxes are visited by descending score (ties
 * keep input order) and a box is dropped when it overlaps an already kept box **of the same class**
 * with IoU (core's `iouXyxy`) strictly greater than `iouThreshold`.
 *
 * @param boxes flat `[x1,y1,x2,y2, …]`, any consistent unit.
 * @param classes one class id per box; pass all zeros for class-agnostic NMS.
 * @returns indices of the kept boxes, by descending score.
 * @example
 *   nmsClasswise([0,0,10,10, 1,1,10,10, 0,0,10,10], [0.9, 0.8, 0.7], [1, 1, 2], 0.5) // → [0, 2]
 */
export function nmsClasswise(boxes: ArrayLike<number>, scores: ArrayLike<number>, classes: ArrayLike<number>, iouThreshold: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const xyxy = Array.from({ length: scores.length }, (_, i) => boxAt(boxes, i));
  const kept: number[] = [];
  for (const i of order) {
    let keep = true;
    for (const k of kept) {
      if (classes[k] === classes[i] && iouXyxy(xyxy[i], xyxy[k]) > iouThreshold) {
        keep = false;
        break;
      }
    }
    if (keep) kept.push(i);
  }
  return kept;
}
