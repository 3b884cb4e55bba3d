/**
 * What the evaluator reads: COCO ground truth (`images`, `annotations`, `categories`) and COCO
 * detection results, checked at the boundary so the evaluator itself can trust its input.
 *
 * Kept apart from the annotation formats in `formats/` on purpose: evaluation needs COCO's own
 * fields (`id`, `iscrowd`, `area`) untouched, because they change the numbers.
 */
import { BusToolsError } from '../errors.js';

export interface EvalImage {
  id: number;
  file_name?: string;
  width?: number;
  height?: number;
}

export interface EvalAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** `[x, y, w, h]` in pixels. */
  bbox: readonly number[];
  /** Lesion area in square pixels (decides small/medium/large); `w * h` when absent. */
  area?: number;
  /** Crowd regions are ignored, never missed; 0 when absent. */
  iscrowd?: number | boolean;
}

export interface EvalCategory {
  id: number;
  name: string;
}

/** A COCO ground-truth file as the evaluator needs it. */
export interface EvalGroundTruth {
  images: EvalImage[];
  annotations: EvalAnnotation[];
  categories: EvalCategory[];
}

/** One entry of a COCO results file (`predict` adds `file_name` and `label`). */
export interface CocoResult {
  image_id: number;
  category_id: number;
  /** `[x, y, w, h]` in pixels of the original image. */
  bbox: readonly number[];
  score: number;
  file_name?: string;
  label?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBox = (v: unknown): v is number[] => Array.isArray(v) && v.length === 4 && v.every(isNum);

function bad(file: string | undefined, what: string, fix: string): BusToolsError {
  const where = file ?? 'COCO input';
  return new BusToolsError('BAD_COCO', `${where}: ${what}. ${fix}`, file === undefined ? {} : { file });
}

/**
 * Checks that `json` is COCO ground truth and returns it typed. `file` names the source in errors.
 * Missing `area` and `iscrowd` are allowed (they default to `w * h` and 0).
 *
 * @example parseCocoGroundTruth(JSON.parse(text), 'gt.json').annotations.length
 */
export function parseCocoGroundTruth(json: unknown, file?: string): EvalGroundTruth {
  const fix = 'Expected COCO ground truth: {"images": [{"id", "file_name", …}], "annotations": [{"id", "image_id", "category_id", "bbox": [x, y, w, h]}], "categories": [{"id", "name"}]}';
  if (!isRecord(json)) throw bad(file, 'is not a JSON object', fix);
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(json[key])) throw bad(file, `has no "${key}" list`, fix);
  }
  const images = json.images as unknown[];
  images.forEach((im, i) => {
    if (!isRecord(im) || !isNum(im.id)) throw bad(file, `images[${i}] has no numeric "id"`, fix);
  });
  const annotations = json.annotations as unknown[];
  annotations.forEach((a, i) => {
    if (!isRecord(a)) throw bad(file, `annotations[${i}] is not an object`, fix);
    for (const key of ['id', 'image_id', 'category_id'] as const) {
      if (!isNum(a[key])) throw bad(file, `annotations[${i}] has no numeric "${key}"`, fix);
    }
    if (!isBox(a.bbox)) throw bad(file, `annotations[${i}] has no "bbox" of 4 numbers [x, y, w, h]`, fix);
    if (a.area !== undefined && !isNum(a.area)) throw bad(file, `annotations[${i}] has a non-numeric "area"`, fix);
  });
  const categories = json.categories as unknown[];
  categories.forEach((c, i) => {
    if (!isRecord(c) || !isNum(c.id)) throw bad(file, `categories[${i}] has no numeric "id"`, fix);
  });
  return json as unknown as EvalGroundTruth;
}

/**
 * Checks that `json` is a COCO results list (`[{image_id, category_id, bbox, score}, …]`) and returns
 * it typed. An empty list is valid. `file` names the source in errors.
 */
export function parseCocoResults(json: unknown, file?: string): CocoResult[] {
  const fix = 'Expected a COCO results list: [{"image_id", "category_id", "bbox": [x, y, w, h], "score"}, …] (what `bus-tools predict --format coco` writes)';
  if (!Array.isArray(json)) throw bad(file, 'is not a JSON list of detections', fix);
  json.forEach((r, i) => {
    if (!isRecord(r)) throw bad(file, `entry ${i} is not an object`, fix);
    if (!isNum(r.category_id)) throw bad(file, `entry ${i} has no numeric "category_id"`, fix);
    if (!isNum(r.image_id)) throw bad(file, `entry ${i} has no numeric "image_id"`, fix);
    if (!isBox(r.bbox)) throw bad(file, `entry ${i} has no "bbox" of 4 numbers [x, y, w, h]`, fix);
    if (!isNum(r.score)) throw bad(file, `entry ${i} has no numeric "score"`, fix);
  });
  return json as CocoResult[];
}

/**
 * Throws like pycocotools' `loadRes` ("Results do not correspond to current coco set") when a result
 * names an image the ground truth does not list.
 */
export function assertResultsMatchImages(gt: EvalGroundTruth, results: readonly CocoResult[], file?: string): void {
  const ids = new Set(gt.images.map((im) => im.id));
  const unknown = results.find((r) => !ids.has(r.image_id));
  if (unknown) {
    throw new BusToolsError(
      'BAD_PREDICTIONS',
      `${file ?? 'results'}: a detection names image_id ${unknown.image_id}${unknown.file_name ? ` (${unknown.file_name})` : ''}, which the ground truth does not list. Evaluate predictions made on the same images as the ground truth.`,
      file === undefined ? {} : { file },
    );
  }
}
