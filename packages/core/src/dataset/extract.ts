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
import { readFile } from 'node:fs/promises';
import type { Detection } from '../box.js';
import { BusToolsError, assertIntegerInRange, assertOneOf, describeError } from '../errors.js';
import { readImageSize } from '../image.js';
import { naturalCompare } from '../natural.js';
import { components, unionRuns, type Component, type MaskRuns } from '../mask/runs.js';
import { decodeMaskPngAsync } from '../png/decode.js';
import type { Dataset, DatasetImage } from './discover.js';
import type { AnnotatedImage, Category, Problem } from './types.js';

export const BOX_MODES = ['component', 'mask', 'image'] as const;
export type BoxMode = (typeof BOX_MODES)[number];

/**
 * Default speck threshold in pixels. On BUSI, stray components are 1–8 pixels and real lesions at
 * least 569, so 50 keeps every lesion and drops every speck with a wide margin either side.
 */
export const DEFAULT_MIN_AREA = 50;

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
  if (comps.length === 0) return undefined;
  let [x1, y1, x2, y2] = comps[0].xyxy;
  let area = 0;
  for (const c of comps) {
    x1 = Math.min(x1, c.xyxy[0]);
    y1 = Math.min(y1, c.xyxy[1]);
    x2 = Math.max(x2, c.xyxy[2]);
    y2 = Math.max(y2, c.xyxy[3]);
    area += c.area;
  }
  return { xyxy: [x1, y1, x2, y2], label, classId, area };
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

  const selected = dataset.images.filter((img) => classId.has(img.label) || (options.includeNormal && img.label === 'normal'));
  const images: AnnotatedImage[] = [];
  const problems: Problem[] = [...dataset.problems];
  const stats: ExtractStats = { images: 0, masks: 0, boxes: 0, specksDropped: 0, skipped: 0 };

  // Reading and decompression of the next images overlap with the row scanning of this one: file
  // I/O and zlib run on libuv's thread pool, the scan on this thread. Results come back in order.
  const jobs: Array<Promise<LoadedImage>> = [];
  let next = 0;
  const launch = () => {
    if (next < selected.length) {
      const img = selected[next++];
      jobs.push(loadImage(img, classId.has(img.label)));
    }
  };
  for (let k = 0; k < IN_FLIGHT; k++) launch();
  for (let done = 1; done <= selected.length; done++) {
    const loaded = await (jobs.shift() as Promise<LoadedImage>);
    launch();
    problems.push(...loaded.problems);
    if (loaded.image) {
      const { image, runs } = loaded;
      if (runs) {
        const { boxes, specks } = boxesFromMasks(runs, mode, minArea, image.label as string, classId.get(image.label as string) as number);
        image.boxes = boxes;
        stats.masks += runs.length;
        stats.specksDropped += specks;
        if (boxes.length === 0) {
          problems.push({
            file: image.path as string,
            code: 'NO_LESION',
            severity: 'warning',
            message: `${image.path}: class "${image.label}" but its masks contain no lesion${minArea > 0 ? ` of ${minArea}+ pixels` : ''}; kept without boxes. Check the mask.`,
          });
        }
      }
      images.push(image);
      stats.boxes += image.boxes.length;
    } else stats.skipped++;
    options.onProgress?.(done, selected.length);
  }
  stats.images = images.length;
  problems.sort((a, b) => naturalCompare(a.file, b.file));
  return { images, categories, problems, stats };
}

/** Images read and decoded ahead of the one being turned into boxes. */
const IN_FLIGHT = 8;

interface LoadedImage {
  /** Undefined when the image was skipped (see `problems`). */
  image?: AnnotatedImage;
  /** Decoded masks, all of the image's size; undefined for images that get no boxes (normal). */
  runs?: MaskRuns[];
  problems: Problem[];
}

/** Reads an image's size and decodes its masks; any bad file skips the image with a Problem. */
async function loadImage(img: DatasetImage, wantBoxes: boolean): Promise<LoadedImage> {
  let size;
  try {
    size = await readImageSize(img.path);
  } catch (err) {
    return { problems: [{ file: img.path, code: errorCode(err, 'BAD_IMAGE'), severity: 'error', message: `${describeError(err)}; image skipped.` }] };
  }
  const image: AnnotatedImage = { fileName: img.fileName, path: img.path, label: img.label, width: size.width, height: size.height, boxes: [] };
  if (!wantBoxes) return { image, problems: [] }; // normal image, included without boxes

  const decoded = await Promise.all(
    img.masks.map(async (mask): Promise<MaskRuns | Problem> => {
      try {
        if (!/\.png$/i.test(mask.path)) {
          throw new BusToolsError('UNSUPPORTED_MASK', `${mask.path}: masks must be PNG (a lossy format blurs the lesion edge); convert it to PNG`, { file: mask.path });
        }
        let buf: Buffer;
        try {
          buf = await readFile(mask.path);
        } catch (cause) {
          throw new BusToolsError('UNREADABLE', `${mask.path}: cannot be read (${describeError(cause)})`, { file: mask.path, cause });
        }
        return await decodeMaskPngAsync(buf, mask.path);
      } catch (err) {
        return {
          file: mask.path,
          code: errorCode(err, 'UNREADABLE'),
          severity: 'error',
          message: `${describeError(err)}; image "${img.fileName}" skipped so it is not uploaded with lesions missing.`,
        };
      }
    }),
  );
  const failed = decoded.filter((d): d is Problem => 'code' in d);
  if (failed.length) return { problems: failed };
  const runs = decoded as MaskRuns[];
  const mismatch = img.masks.flatMap((mask, k) =>
    runs[k].width !== size.width || runs[k].height !== size.height
      ? [
          {
            file: mask.path,
            code: 'SIZE_MISMATCH',
            severity: 'error' as const,
            message: `${mask.path}: mask is ${runs[k].width}×${runs[k].height} but its image is ${size.width}×${size.height}; image "${img.fileName}" skipped. Re-export the mask at the image's size.`,
          },
        ]
      : [],
  );
  if (mismatch.length) return { problems: mismatch };
  return { image, runs, problems: [] };
}

function errorCode(err: unknown, fallback: string): string {
  return err instanceof BusToolsError ? err.code : fallback;
}
