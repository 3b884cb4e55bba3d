/** Non-maximum suppression over pixel-edge `xyxy` boxes. */

/**
 * Intersection over union of boxes `i` and `j` in a flat `[x1,y1,x2,y2, …]` array (0 when both are
 * empty). Same definition as core's `iouXyxy`, without allocating.
 */
export function iouAt(boxes: ArrayLike<number>, i: number, j: number): number {
  const a = i * 4;
  const b = j * 4;
  const iw = Math.min(boxes[a + 2], boxes[b + 2]) - Math.max(boxes[a], boxes[b]);
  const ih = Math.min(boxes[a + 3], boxes[b + 3]) - Math.max(boxes[a + 1], boxes[b + 1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const areaA = Math.max(0, boxes[a + 2] - boxes[a]) * Math.max(0, boxes[a + 3] - boxes[a + 1]);
  const areaB = Math.max(0, boxes[b + 2] - boxes[b]) * Math.max(0, boxes[b + 3] - boxes[b + 1]);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Class-wise greedy NMS, as torchvision's `batched_nms`: boxes are visited by descending score (ties
 * keep input order) and a box is dropped when it overlaps an already kept box **of the same class**
 * with IoU strictly greater than `iouThreshold`.
 *
 * @param boxes flat `[x1,y1,x2,y2, …]`, any consistent unit.
 * @param classes one class id per box; pass all zeros for class-agnostic NMS.
 * @returns indices of the kept boxes, by descending score.
 * @example
 *   nmsClasswise([0,0,10,10, 1,1,10,10, 0,0,10,10], [0.9, 0.8, 0.7], [1, 1, 2], 0.5) // → [0, 2]
 */
export function nmsClasswise(boxes: ArrayLike<number>, scores: ArrayLike<number>, classes: ArrayLike<number>, iouThreshold: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const kept: number[] = [];
  for (const i of order) {
    let keep = true;
    for (const k of kept) {
      if (classes[k] === classes[i] && iouAt(boxes, i, k) > iouThreshold) {
        keep = false;
        break;
      }
    }
    if (keep) kept.push(i);
  }
  return kept;
}
