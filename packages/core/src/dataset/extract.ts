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
import { unionXyxy, type Detection } from '../box.js';
import { BOX_MODES, DEFAULT_MIN_AREA, type BoxMode } from '../constants.js';
import { BusToolsError, assertIntegerInRange, assertOneOf, describeError, errorCodeOf } from '../errors.js';
import { checkArgument, isRecord, isRecordWithIterable } from '../validate.js';
import { checkImage } from '../image.js';
import { extensionMismatch } from '../image-check.js';
import { maxPixelsOption } from '../image-limit.js';
import { naturalCompare } from '../natural.js';
import { components, unionRuns, type Component, type MaskRuns } from '../mask/runs.js';
import { readMaskFile } from '../png/mask.js';
import { assertShard, inShard, shardProblems, type Shard } from '../shard.js';
import type { DatasetImage, DatasetListing, DatasetScan } from './discover.js';
import type { AnnotatedImage, Category, Problem } from './types.js';

export interface ExtractOptions {
  /** How boxes are formed, see the module comment. Default `component`. */
  boxes?: BoxMode;
  /** Components with fewer pixels are specks and dropped. Default `DEFAULT_MIN_AREA`; 0 keeps all. */
  minArea?: number;
  /**
   * Classes that get boxes, in category-id order; each must be a class of the dataset. Default
   * `DEFAULT_CLASSES` (`benign`, `malignant`), of which the dataset must have at least one.
   */
  classes?: readonly string[];
  /** Also return `normal` images (as images without boxes). Default false. */
  includeNormal?: boolean;
  /**
   * Check `classes` against the dataset's classes with `assertKnownClasses` before any mask is read.
   * Default true; false for a fixed class list, such as a model's, that part of the data may lack.
   */
  requireClasses?: boolean;
  /**
   * Images and masks whose header declares more pixels are skipped (`IMAGE_TOO_LARGE`) without being
   * decoded. Default `DEFAULT_MAX_PIXELS` (16383 × 16383).
   */
  maxPixels?: number;
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

/** Boxes for one image's decoded masks (all the image's size), in the given mode. Pure. */
function boxesFromMasks(
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

/** The classes that get boxes when none are named. */
export const DEFAULT_CLASSES: readonly string[] = ['benign', 'malignant'];

/**
 * Throws `UNKNOWN_CLASS` when `classes` names a class `dataset` does not have (names are compared
 * exactly: `Benign` is not `benign`), or, with `classes` left out, when the dataset has none of
 * `DEFAULT_CLASSES` (a part of BUSI may lack one of them). The message lists the classes it has.
 *
 * @example
 *   assertKnownClasses(await discoverDataset('Dataset_BUSI_with_GT'), ['Benign']);
 *   // throws: --classes Benign: no such class in /data/Dataset_BUSI_with_GT; its classes are benign, malignant, normal (names are case-sensitive)
 */
export function assertKnownClasses(dataset: Pick<DatasetListing, 'root' | 'labels'>, classes?: readonly string[]): void {
  const has = `its classes are ${dataset.labels.join(', ')} (names are case-sensitive)`;
  if (classes === undefined) {
    if (DEFAULT_CLASSES.some((c) => dataset.labels.includes(c))) return;
    throw new BusToolsError('UNKNOWN_CLASS', `${dataset.root} has none of the default classes ${DEFAULT_CLASSES.join(', ')}; ${has}. Name the classes to box with --classes.`, {
      file: dataset.root,
    });
  }
  const unknown = classes.filter((c) => !dataset.labels.includes(c));
  if (unknown.length === 0) return;
  throw new BusToolsError('UNKNOWN_CLASS', `--classes ${unknown.join(',')}: no such class in ${dataset.root}; ${has}`, { file: dataset.root });
}

/**
 * Decodes every mask of `dataset` and turns it into boxes. Bad files are reported in `problems`
 * and their image is left out; everything else is processed. Inputs are only read. `dataset` is a
 * listing in full (`discoverDataset`) or a scan (`scanDataset`): with a scan and `onImage`, memory
 * holds one image at a time however large the dataset.
 * @throws BusToolsError `UNKNOWN_CLASS` (see `assertKnownClasses`, unless `requireClasses` is false),
 *   `INVALID_PARAMETER` for a bad option.
 *
 * @example
 *   const { images, stats } = await extractBoxes(await discoverDataset('Dataset_BUSI_with_GT'));
 *   images[0].boxes[0]; // { xyxy: [288, 134, 339, 160], label: 'benign', classId: 1, area: 1057 }
 */
export async function extractBoxes(dataset: DatasetListing, options: ExtractOptions = {}): Promise<ExtractResult> {
  checkArgument('extractBoxes', dataset, isRecordWithIterable('images'), 'a dataset such as discoverDataset("Dataset_BUSI_with_GT") returns');
  checkArgument('extractBoxes', options, isRecord, 'an options object such as { minArea: 50 }');
  const mode = assertOneOf('boxes', options.boxes ?? 'component', BOX_MODES);
  const minArea = assertIntegerInRange('minArea', options.minArea ?? DEFAULT_MIN_AREA, 0, 1e9);
  if (options.classes?.length === 0) throw new BusToolsError('INVALID_PARAMETER', 'Expected at least one class for classes but received none');
  if (options.requireClasses ?? true) assertKnownClasses(dataset, options.classes);
  const classes = options.classes ?? DEFAULT_CLASSES;
  const maxPixels = maxPixelsOption(options.maxPixels);
  const categories: Category[] = classes.map((name, i) => ({ id: i + 1, name }));
  const classId = new Map(categories.map((c) => [c.name, c.id]));

  const shard = assertShard(options.shard);
  const wantedLabel = (label: string) => classId.has(label) || (options.includeNormal === true && label === 'normal');
  const wanted = (img: DatasetImage) => wantedLabel(img.label) && inShard(img.relPath, shard);
  // The total for progress: counted in the list, or from a scan's counts per class (for a shard, a
  // scan lists its folders once more to count).
  let total = 0;
  const counts = Array.isArray(dataset.images) || (shard && shard.count > 1) ? undefined : (dataset as Partial<DatasetScan>).counts;
  if (counts) for (const [label, n] of Object.entries(counts)) total += wantedLabel(label) ? n : 0;
  else for (const img of dataset.images) if (wanted(img)) total++;
  const images: AnnotatedImage[] = [];
  const problems: Problem[] = [...shardProblems(dataset, shard)];
  const stats: ExtractStats = { images: 0, masks: 0, boxes: 0, specksDropped: 0, skipped: 0 };
  let done = 0;
  let position = -1;
  for (const img of dataset.images) {
    position++;
    if (!wanted(img)) continue;
    const result = await extractImage(img, classId.get(img.label), mode, minArea, maxPixels, problems);
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
  maxPixels: number,
  problems: Problem[],
): Promise<{ image: AnnotatedImage; masks: number; specks: number } | undefined> {
  let size;
  try {
    size = await checkImage(img.path, { maxPixels });
  } catch (err) {
    problems.push({ file: img.path, code: errorCodeOf(err, 'BAD_IMAGE'), severity: 'error', message: `${describeError(err)}; image skipped.` });
    return undefined;
  }
  const renamed = extensionMismatch(img.path, size.format);
  if (renamed) problems.push({ file: img.path, code: 'EXTENSION_MISMATCH', severity: 'warning', message: renamed });
  const image: AnnotatedImage = { fileName: img.fileName, path: img.path, label: img.label, width: size.width, height: size.height, boxes: [] };
  if (classId === undefined) return { image, masks: 0, specks: 0 }; // normal image, included without boxes

  const decoded: MaskRuns[] = [];
  for (const mask of img.masks) {
    let runs: MaskRuns;
    try {
      const read = readMaskFile(mask.path, { maxPixels });
      runs = read.runs;
      if (read.extensionWarning) problems.push({ file: mask.path, code: 'EXTENSION_MISMATCH', severity: 'warning', message: read.extensionWarning });
    } catch (err) {
      problems.push({
        file: mask.path,
        code: errorCodeOf(err, 'UNREADABLE'),
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
