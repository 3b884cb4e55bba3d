/**
 * The one detection type every bus-tools package speaks.
 *
 * Coordinates are pixel-edge coordinates: `xyxy = [x1, y1, x2, y2]` where `x1, y1` is the top-left
 * corner of the first pixel and `x2, y2` the bottom-right corner of the last one. A lesion covering
 * pixel columns 288…338 has `x1 = 288, x2 = 339`, so `width = x2 - x1 = 51`: the same numbers as
 * OpenCV's `boundingRect`, COCO's `[x, y, w, h]` and Datature's CSV rows.
 */
export type Xyxy = [x1: number, y1: number, x2: number, y2: number];
/** `[x, y, width, height]` in pixels (COCO `bbox`, Datature CSV Width-Height). */
export type Xywh = [x: number, y: number, width: number, height: number];
/** `[cx, cy, width, height]`, each divided by the image size (YOLO Darknet). */
export type CxcywhNormalized = [cx: number, cy: number, width: number, height: number];

export interface Detection {
  /** Pixel-edge box, see the module comment. */
  xyxy: Xyxy;
  /** Model confidence in [0, 1]; absent for ground truth. */
  score?: number;
  /** Category id, 1-based as in COCO and TF label maps. */
  classId?: number;
  /** Category name, e.g. `benign`. */
  label?: string;
  /** Lesion pixel count when the box comes from a mask (COCO `area`); else the box area is used. */
  area?: number;
}

/** `[x, y, w, h]` → `[x1, y1, x2, y2]`. `xywhToXyxy([288, 134, 51, 26])` is `[288, 134, 339, 160]`. */
export function xywhToXyxy([x, y, w, h]: Xywh): Xyxy {
  return [x, y, x + w, y + h];
}

/** `[x1, y1, x2, y2]` → `[x, y, w, h]`. */
export function xyxyToXywh([x1, y1, x2, y2]: Xyxy): Xywh {
  return [x1, y1, x2 - x1, y2 - y1];
}

/** Pixel-edge box → YOLO's normalized centre and size. */
export function xyxyToCxcywhNormalized([x1, y1, x2, y2]: Xyxy, width: number, height: number): CxcywhNormalized {
  return [(x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width, (y2 - y1) / height];
}

/** YOLO's normalized centre and size → pixel-edge box (not rounded). */
export function cxcywhNormalizedToXyxy([cx, cy, w, h]: CxcywhNormalized, width: number, height: number): Xyxy {
  return [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height];
}

/** Area of a box in square pixels (0 for an empty or inverted box). */
export function xyxyArea(b: Xyxy): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]); // indexed, not destructured: NMS calls it per pair
}

/** Intersection over union of two pixel-edge boxes (0 when both are empty). */
export function iouXyxy(a: Xyxy, b: Xyxy): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = xyxyArea(a) + xyxyArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** The smallest box containing all of `boxes`; undefined for none. */
export function unionXyxy(boxes: readonly Xyxy[]): Xyxy | undefined {
  if (boxes.length === 0) return undefined;
  const out: Xyxy = [Infinity, Infinity, -Infinity, -Infinity];
  for (const b of boxes) {
    if (b[0] < out[0]) out[0] = b[0];
    if (b[1] < out[1]) out[1] = b[1];
    if (b[2] > out[2]) out[2] = b[2];
    if (b[3] > out[3]) out[3] = b[3];
  }
  return out;
}
