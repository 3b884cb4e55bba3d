/**
 * Masks → boxes for a discovered dataset.
 *
 * Box modes:
 * - `component` (default): one box per 8-connected lesion component of each mask file;
 * - `mask`: one box per mask file, the union of its kept components (`--min-area 0` reproduces the
 *   well-known tutorial, which boxes every pixel of the file);
 * - `image`: one box per image, the union of all of its masks.
 * Components smaller than `minArea` pixels are specks: dropped (and counted) in every mode, so a
 * 2-pixel speck next to a lesion can neither become a box nor widen one.
 */
import { readFileSync } from 'node:fs';
import { unionXyxy, type Detection } from '../box.js';
import { BOX_MODES, DEFAULT_MIN_AREA, type BoxMode } from '../constants.js';
import { BusToolsError, assertIntegerInRange, assertOneOf, describeError } from '../errors.js';
import { readImageSize } from '../image.js';
import { naturalCompare } from '../natural.js';
import { components, unionRuns, type Component, type MaskRuns } from '../mask/runs.js';
import { decodeMaskPng } from '../png/decode.js';
import { assertShard, inShard, shardDataset, type Shard } from '../shard.js';
import type { Dataset, DatasetImage } from './discover.js';
import type { AnnotatedImage, Category, Problem } from './types.js';

export interface ExtractOptions {
  /** How boxes are formed, see the module comment. Default `component`. */
  boxes?: BoxMode;
  /** Components with fewer pixels are specks and dropped. Default `DEFAULT_MIN_AREA`; 0 keeps all. */
  minArea?: number;
  /** Classes that get boxes, in category-id order. Default `['benign', 'malignant']`. */
  classes?: readonly string[];
  /** Also return `normal` images (as images without boxes). Default false. */
  includeNormal?: boolean;
  /** Called after each image with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Only the images of this shard (see shard.ts); default all. */
  shard?: Shard;
  /**
   * Called with each image as soon as its boxes are known, in dataset order, and awaited. When it is
   * given, images are handed over instead of collected (`images` of the result is empty), so memory
   * does not grow with the number of images. `position`: the image's index in the whole dataset's
   * list (the same with or without a shard, so shards can be put back in the order of one run).
   */
  onImage?: (image: AnnotatedImage, position: number) => void | Promise<void>;
}

export interface ExtractStats {
  /** Images returned (with or without boxes). */
  images: number;
  /** Mask files decoded. */
  masks: number;
  boxes: number;
  /** Components under `minArea` that were dropped. */
  specksDropped: number;
  /** Images left out because one of their files was bad (see `problems`). */
  skipped: number;
}

export interface ExtractResult {
  images: AnnotatedImage[];
  categories: Category[];
  problems: Problem[];
  stats: ExtractStats;
}

/** Splits a mask's components into kept ones and specks. */
function keep(comps: Component[], minArea: number): { kept: Component[]; specks: number } {
  const kept = comps.filter((c) => c.area >= minArea);
  return { kept, specks: comps.length - kept.length };
}

function unionBox(comps: Component[], label: string, classId: number): Detection | undefined {
  const xyxy = unionXyxy(comps.map((c) => c.xyxy));
  return xyxy && { xyxy, label, classId, area: comps.reduce((n, c) => n + c.area, 0) };
}

/**
 * Boxes for one image's decoded masks (all the image's size), in the given mode. Pure: exported
 * for tests and for tools that decode masks themselves.
 */
export function boxesFromMasks(
  masks: readonly MaskRuns[],
  mode: BoxMode,
  minArea: number,
  label: string,
  classId: number,
): { boxes: Detection[]; specks: number } {
  const boxes: Detection[] = [];
  let specks = 0;
  const sources = mode === 'image' ? (masks.length ? [unionRuns(masks)] : []) : masks;
  for (const m of sources) {
    const k = keep(components(m), minArea);
    specks += k.specks;
    if (mode === 'component') {
      for (const c of k.kept) boxes.push({ xyxy: c.xyxy, label, classId, area: c.area });
    } else {
      const box = unionBox(k.kept, label, classId);
      if (box) boxes.push(box);
    }
  }
  return { boxes, specks };
}

/**
 * Decodes every mask of `dataset` and turns it into boxes. Bad files are reported in `problems`
 * and their image is left out; everything else is processed. Inputs are only read.
 *
 * @example
 *   const { images, stats } = await extractBoxes(await discoverDataset('Dataset_BUSI_with_GT'));
 *   images[0].boxes[0]; // { xyxy: [288, 134, 339, 160], label: 'benign', classId: 1, area: 1057 }
 */
export async function extractBoxes(dataset: Dataset, options: ExtractOptions = {}): Promise<ExtractResult> {
  const mode = assertOneOf('boxes', options.boxes ?? 'component', BOX_MODES);
  const minArea = assertIntegerInRange('minArea', options.minArea ?? DEFAULT_MIN_AREA, 0, 1e9);
  const classes = options.classes ?? ['benign', 'malignant'];
  if (classes.length === 0) throw new BusToolsError('INVALID_PARAMETER', 'Expected at least one class for classes but received none');
  const categories: Category[] = classes.map((name, i) => ({ id: i + 1, name }));
  const classId = new Map(categories.map((c) => [c.name, c.id]));

  const shard = assertShard(options.shard);
  const wanted = (img: DatasetImage) => (classId.has(img.label) || (options.includeNormal && img.label === 'normal')) && inShard(img.relPath, shard);
  let total = 0;
  for (const img of dataset.images) if (wanted(img)) total++;
  const images: AnnotatedImage[] = [];
  const problems: Problem[] = [...shardDataset(dataset, shard).problems];
  const stats: ExtractStats = { images: 0, masks: 0, boxes: 0, specksDropped: 0, skipped: 0 };
  let done = 0;
  for (let position = 0; position < dataset.images.length; position++) {
    const img = dataset.images[position];
    if (!wanted(img)) continue;
    const result = await extractImage(img, classId.get(img.label), mode, minArea, problems);
    if (result) {
      stats.images++;
      if (options.onImage) await options.onImage(result.image, position);
      else images.push(result.image);
      stats.masks += result.masks;
      stats.boxes += result.image.boxes.length;
      stats.specksDropped += result.specks;
    } else stats.skipped++;
    options.onProgress?.(++done, total);
  }
  problems.sort((a, b) => naturalCompare(a.file, b.file));
  return { images, categories, problems, stats };
}

async function extractImage(
  img: DatasetImage,
  classId: number | undefined,
  mode: BoxMode,
  minArea: number,
  problems: Problem[],
): Promise<{ image: AnnotatedImage; masks: number; specks: number } | undefined> {
  let size;
  try {
    size = await readImageSize(img.path);
  } catch (err) {
    problems.push({ file: img.path, code: errorCode(err, 'BAD_IMAGE'), severity: 'error', message: `${describeError(err)}; image skipped.` });
    return undefined;
  }
  const image: AnnotatedImage = { fileName: img.fileName, path: img.path, label: img.label, width: size.width, height: size.height, boxes: [] };
  if (classId === undefined) return { image, masks: 0, specks: 0 }; // normal image, included without boxes

  const decoded: MaskRuns[] = [];
  for (const mask of img.masks) {
    let runs: MaskRuns;
    try {
      if (!/\.png$/i.test(mask.path)) {
        throw new BusToolsError('UNSUPPORTED_MASK', `${mask.path}: masks must be PNG (a lossy format blurs the lesion edge); convert it to PNG`, { file: mask.path });
      }
      runs = decodeMaskPng(readFileSync(mask.path), mask.path);
    } catch (err) {
      problems.push({
        file: mask.path,
        code: errorCode(err, 'UNREADABLE'),
        severity: 'error',
        message: `${describeError(err)}; image "${img.fileName}" skipped so it is not uploaded with lesions missing.`,
      });
      return undefined;
    }
    if (runs.width !== size.width || runs.height !== size.height) {
      problems.push({
        file: mask.path,
        code: 'SIZE_MISMATCH',
        severity: 'error',
        message: `${mask.path}: mask is ${runs.width}×${runs.height} but its image is ${size.width}×${size.height}; image "${img.fileName}" skipped. Re-export the mask at the image's size.`,
      });
      return undefined;
    }
    decoded.push(runs);
  }
  const { boxes, specks } = boxesFromMasks(decoded, mode, minArea, img.label, classId);
  image.boxes = boxes;
  if (boxes.length === 0 && img.label !== 'normal') {
    problems.push({
      file: img.path,
      code: 'NO_LESION',
      severity: 'warning',
      message: `${img.path}: class "${img.label}" but its masks contain no lesion${minArea > 0 ? ` of ${minArea}+ pixels` : ''}; kept without boxes. Check the mask.`,
    });
  }
  return { image, masks: decoded.length, specks };
}

function errorCode(err: unknown, fallback: string): string {
  return err instanceof BusToolsError ? err.code : fallback;
}
