/**
 * Model outputs → `Detection`s in original-image pixels. Two steps, both pure:
 *
 * 1. `decodeOutputs` turns a layout's output tensors into `Candidates`: boxes as `xyxy` normalized
 *    to the model input (0–1, so the same numbers for any image size), scores, 1-based class ids;
 * 2. `candidatesToDetections` thresholds, runs class-wise NMS when the graph has none, scales to the
 *    original image (the input was a plain stretch, so `x * width`), clips, sorts and labels.
 */
import { BusToolsError, type Detection, type Xyxy } from '@bus-tools/core';
import type { ModelLayout } from './layouts.js';
import { nmsClasswise } from './nms.js';
import { numberAt, type TensorData } from './tensor.js';

export interface Candidates {
  /** Flat `[x1,y1,x2,y2, …]`, normalized to the model input: 0 = left/top edge, 1 = right/bottom edge. */
  boxes: Float32Array;
  scores: Float32Array;
  /** 1-based class ids. */
  classIds: Int32Array;
}

function candidates(n: number): Candidates {
  return { boxes: new Float32Array(n * 4), scores: new Float32Array(n), classIds: new Int32Array(n) };
}

function trim(c: Candidates, n: number): Candidates {
  return { boxes: c.boxes.subarray(0, n * 4), scores: c.scores.subarray(0, n), classIds: c.classIds.subarray(0, n) };
}

function need(outputs: Record<string, TensorData>, name: string | undefined, role: string): TensorData {
  const t = name === undefined ? undefined : outputs[name];
  if (!t) throw new BusToolsError('BAD_MODEL', `The model returned no ${role} output (${name ?? 'unnamed'}); check --model-layout.`);
  return t;
}

/**
 * TF Object Detection API outputs: `detection_boxes [1,K,4]` normalized `ymin,xmin,ymax,xmax`,
 * `detection_scores [1,K]`, `detection_classes [1,K]` (float, 1-based), `num_detections [1]`.
 */
export function decodeTfod(boxes: TensorData, scores: TensorData, classes: TensorData, num?: TensorData): Candidates {
  const k = scores.data.length;
  const n = num ? Math.min(k, Math.max(0, Math.round(numberAt(num, 0)))) : k;
  const c = candidates(n);
  for (let i = 0; i < n; i++) {
    c.boxes[i * 4] = numberAt(boxes, i * 4 + 1);
    c.boxes[i * 4 + 1] = numberAt(boxes, i * 4);
    c.boxes[i * 4 + 2] = numberAt(boxes, i * 4 + 3);
    c.boxes[i * 4 + 3] = numberAt(boxes, i * 4 + 2);
    c.scores[i] = numberAt(scores, i);
    c.classIds[i] = Math.round(numberAt(classes, i));
  }
  return c;
}

/**
 * Datature's packed output `[1,N,C]`: per row `ymin,xmin,ymax,xmax` (normalized), `score`, `class`
 * (1-based; 0 = padding), …, and a validity flag in the last column (0 = padding). Padding rows are
 * dropped; no NMS has been applied.
 */
export function decodeDatature(packed: TensorData): Candidates {
  const cols = packed.dims[packed.dims.length - 1];
  if (!(cols >= 7)) throw new BusToolsError('BAD_MODEL', `Expected a Datature output [1,N,C] with C >= 7 columns but received dims [${packed.dims.join(',')}]`);
  const rows = packed.data.length / cols;
  const c = candidates(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const cls = Math.round(numberAt(packed, o + 5));
    if (numberAt(packed, o + cols - 1) === 0 || cls <= 0) continue;
    c.boxes[n * 4] = numberAt(packed, o + 1);
    c.boxes[n * 4 + 1] = numberAt(packed, o);
    c.boxes[n * 4 + 2] = numberAt(packed, o + 3);
    c.boxes[n * 4 + 3] = numberAt(packed, o + 2);
    c.scores[n] = numberAt(packed, o + 4);
    c.classIds[n] = cls;
    n++;
  }
  return trim(c, n);
}

/**
 * torchvision outputs: `boxes [n,4]` xyxy in model-input pixels, `scores [n]`, `labels [n]` (int64,
 * 1-based). Boxes are divided by the input size to normalize them.
 */
export function decodeTorchvision(boxes: TensorData, scores: TensorData, labels: TensorData, inputWidth: number, inputHeight: number): Candidates {
  const n = scores.data.length;
  const c = candidates(n);
  for (let i = 0; i < n; i++) {
    c.boxes[i * 4] = numberAt(boxes, i * 4) / inputWidth;
    c.boxes[i * 4 + 1] = numberAt(boxes, i * 4 + 1) / inputHeight;
    c.boxes[i * 4 + 2] = numberAt(boxes, i * 4 + 2) / inputWidth;
    c.boxes[i * 4 + 3] = numberAt(boxes, i * 4 + 3) / inputHeight;
    c.scores[i] = numberAt(scores, i);
    c.classIds[i] = Math.round(numberAt(labels, i));
  }
  return c;
}

/** Decodes the outputs of a model run according to its layout (see the decode* functions). */
export function decodeOutputs(layout: ModelLayout, outputs: Record<string, TensorData>, inputWidth: number, inputHeight: number): Candidates {
  const o = layout.outputs;
  switch (layout.name) {
    case 'tfod':
      return decodeTfod(need(outputs, o.boxes, 'boxes'), need(outputs, o.scores, 'scores'), need(outputs, o.classes, 'classes'), o.num ? outputs[o.num] : undefined);
    case 'datature':
      return decodeDatature(need(outputs, o.packed, 'packed detections'));
    case 'torchvision':
      return decodeTorchvision(need(outputs, o.boxes, 'boxes'), need(outputs, o.scores, 'scores'), need(outputs, o.labels, 'labels'), inputWidth, inputHeight);
  }
}

export interface PostprocessOptions {
  /** Keep detections with score >= threshold (0–1). */
  threshold: number;
  /** Original image width and height in pixels. */
  width: number;
  height: number;
  /** Run class-wise NMS (for models without NMS in the graph). */
  nms: boolean;
  /** IoU above which NMS drops the lower-scored box of a class; default 0.5 (torchvision's). */
  iouThreshold?: number;
  /** At most this many detections, best first; default 100. */
  maxDetections?: number;
  /** Name for a class id; default `class N`. */
  labelFor?: (classId: number) => string;
}

/**
 * Thresholds, de-duplicates (NMS when asked), scales normalized boxes to `width x height` pixels,
 * clips them to the image, drops empty ones and returns them best first.
 *
 * Thresholding before NMS gives the same kept set above the threshold as NMS first: a box is only
 * ever suppressed by a higher-scored one.
 * @example
 *   candidatesToDetections({ boxes: Float32Array.of(0.1, 0.2, 0.5, 0.6), scores: Float32Array.of(0.9),
 *     classIds: Int32Array.of(1) }, { threshold: 0.5, width: 200, height: 100, nms: false })
 *   // → [{ xyxy: [20, 20, 100, 60], score: 0.9, classId: 1, label: 'class 1' }]
 */
export function candidatesToDetections(c: Candidates, options: PostprocessOptions): Detection[] {
  const { threshold, width, height } = options;
  const labelFor = options.labelFor ?? ((id: number) => `class ${id}`);
  let idx: number[] = [];
  for (let i = 0; i < c.scores.length; i++) if (c.scores[i] >= threshold) idx.push(i);
  if (options.nms && idx.length > 1) {
    const boxes = new Float32Array(idx.length * 4);
    idx.forEach((i, j) => boxes.set(c.boxes.subarray(i * 4, i * 4 + 4), j * 4));
    const keep = nmsClasswise(boxes, idx.map((i) => c.scores[i]), idx.map((i) => c.classIds[i]), options.iouThreshold ?? 0.5);
    idx = keep.map((k) => idx[k]);
  } else {
    idx.sort((a, b) => c.scores[b] - c.scores[a] || a - b);
  }
  const out: Detection[] = [];
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  for (const i of idx) {
    if (out.length >= (options.maxDetections ?? 100)) break;
    const xyxy: Xyxy = [
      clip(c.boxes[i * 4] * width, width),
      clip(c.boxes[i * 4 + 1] * height, height),
      clip(c.boxes[i * 4 + 2] * width, width),
      clip(c.boxes[i * 4 + 3] * height, height),
    ];
    if (xyxy[2] <= xyxy[0] || xyxy[3] <= xyxy[1]) continue;
    out.push({ xyxy, score: c.scores[i], classId: c.classIds[i], label: labelFor(c.classIds[i]) });
  }
  return out;
}
