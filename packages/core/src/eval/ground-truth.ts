/**
 * Ground truth for evaluation from what people have on disk:
 *
 * - a dataset folder (BUSI layout): boxes from the masks, as `masks2csv` makes them; normal images
 *   are included as images without lesions;
 * - a COCO `.json`: as is (`id`, `area`, `iscrowd` change the numbers, so they are kept);
 * - a Datature `.csv` (Width-Height or Four-Corner): image sizes read from the image files, which
 *   are looked for by base name under `images` (class subfolders included); normalized coordinates
 *   (every value of every box within 0…1) are scaled to pixels.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { BUSI_CATEGORIES, type AnnotatedImage, type Category, type Problem } from '../dataset/types.js';
import { discoverDataset, relativePath } from '../dataset/discover.js';
import { walkFiles, type WalkedFile } from '../fs/walk.js';
import { extractBoxes, type ExtractOptions } from '../dataset/extract.js';
import { BusToolsError, describeError } from '../errors.js';
import { fromDatatureCsv } from '../formats/datature-csv.js';
import { readImageSize } from '../image.js';
import { parseCocoGroundTruth, type EvalGroundTruth } from './coco-input.js';
import { groundTruthFromImages } from './evaluate.js';

export interface LoadGroundTruthOptions extends Pick<ExtractOptions, 'boxes' | 'minArea'> {
  /** Image folder: sizes for a CSV ground truth (required there), thumbnails and `--model` for a COCO one. */
  images?: string;
  /** Called after each mask image is read (dataset folders). */
  onProgress?: (done: number, total: number) => void;
}

export interface LoadedGroundTruth {
  gt: EvalGroundTruth;
  kind: 'dataset' | 'coco' | 'csv';
  /** Image id → image file (absolute), where known: thumbnails, predicting with a model. */
  paths: Map<number, string>;
  /** Image id → path relative to the dataset or images folder (`benign/benign (1).png`), where known. */
  relPaths: Map<number, string>;
  /** The folder the images are in (dataset or `images` folder), else the ground-truth file. */
  root: string;
  /** Files skipped or worth a look, each named. */
  problems: Problem[];
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${file}: cannot be read (${describeError(cause)}); check the ${what} path`, { file, cause });
  }
}

/** Every file under `dir` by base name (first one in sorted order wins), for finding `benign (1).png` in class folders. */
function indexFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let files: WalkedFile[];
  try {
    files = walkFiles(dir); // the one walker: links followed, each file once, hidden names skipped
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${dir}: cannot list the --images folder (${describeError(cause)})`, { file: dir, cause });
  }
  for (const f of files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))) {
    const name = basename(f.relPath);
    if (!out.has(name)) out.set(name, f.path);
  }
  return out;
}

const relativePaths = (root: string, paths: ReadonlyMap<number, string>) => new Map([...paths].map(([id, p]) => [id, relativePath(root, p)]));

/**
 * Reads ground truth from a dataset folder, a COCO `.json` or a Datature `.csv` (see the module
 * comment). Image ids are the COCO file's, else 1…n in dataset / CSV order.
 *
 * @example
 * const { gt, paths } = await loadGroundTruth('Dataset_BUSI_with_GT');
 * const fromCsv = await loadGroundTruth('busi.csv', { images: 'Dataset_BUSI_with_GT' });
 */
export async function loadGroundTruth(source: string, options: LoadGroundTruthOptions = {}): Promise<LoadedGroundTruth> {
  const abs = resolve(source);
  let st;
  try {
    st = statSync(abs);
  } catch (cause) {
    throw new BusToolsError('INPUT_NOT_FOUND', `${abs}: not found; --gt takes a dataset folder, a COCO .json or a Datature .csv`, { file: abs, cause });
  }
  if (st.isDirectory()) return loadDatasetGroundTruth(abs, options);
  const ext = extname(abs).toLowerCase();
  if (ext === '.json') return loadCocoGroundTruth(abs, options);
  if (ext === '.csv') return loadCsvGroundTruth(abs, options);
  throw new BusToolsError('INVALID_PARAMETER', `${abs}: --gt expects a dataset folder, a COCO .json or a Datature .csv, not a ${ext || 'file without extension'}`, { file: abs });
}

async function loadDatasetGroundTruth(root: string, options: LoadGroundTruthOptions): Promise<LoadedGroundTruth> {
  const dataset = await discoverDataset(root);
  const result = await extractBoxes(dataset, {
    ...(options.boxes === undefined ? {} : { boxes: options.boxes }),
    ...(options.minArea === undefined ? {} : { minArea: options.minArea }),
    classes: BUSI_CATEGORIES.map((c) => c.name),
    // The model's classes, whether or not the dataset has images of each.
    requireClasses: false,
    includeNormal: true,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const gt = groundTruthFromImages(result.images, result.categories);
  const paths = new Map<number, string>();
  result.images.forEach((im, i) => im.path && paths.set(i + 1, im.path));
  return { gt, kind: 'dataset', paths, relPaths: relativePaths(root, paths), root, problems: result.problems };
}

function loadCocoGroundTruth(file: string, options: LoadGroundTruthOptions): LoadedGroundTruth {
  const text = readText(file, '--gt');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new BusToolsError('BAD_COCO', `${file}: not valid JSON (${describeError(cause)}); --gt expects a COCO ground-truth file`, { file, cause });
  }
  const gt = parseCocoGroundTruth(json, file);
  const paths = new Map<number, string>();
  const root = options.images ? resolve(options.images) : file;
  if (options.images) {
    const files = indexFiles(root);
    for (const im of gt.images) {
      const p = im.file_name && files.get(basename(im.file_name));
      if (p) paths.set(im.id, p);
    }
  }
  return { gt, kind: 'coco', paths, relPaths: options.images ? relativePaths(root, paths) : new Map(), root, problems: [] };
}

async function loadCsvGroundTruth(file: string, options: LoadGroundTruthOptions): Promise<LoadedGroundTruth> {
  if (!options.images) {
    throw new BusToolsError('INVALID_PARAMETER', `${file}: a Datature CSV has no image sizes; add --images <folder with the images> (class subfolders are searched)`, { file });
  }
  const imagesDir = resolve(options.images);
  const { images } = fromDatatureCsv(readText(file, '--gt'), file);
  const files = indexFiles(imagesDir);
  const categories: Category[] = BUSI_CATEGORIES.map((c) => ({ ...c }));
  const problems: Problem[] = [];
  const normalized = images.length > 0 && images.every((im) => im.boxes.every((b) => b.xyxy.every((v) => v >= 0 && v <= 1)));
  const kept: AnnotatedImage[] = [];
  for (const im of images) {
    const path = files.get(basename(im.fileName));
    if (!path) {
      const n = im.boxes.length;
      problems.push({ file, code: 'IMAGE_NOT_FOUND', message: `${file}: "${im.fileName}" is not in ${imagesDir}; its ${n} ${n === 1 ? 'box' : 'boxes'} left out`, severity: 'error' });
      continue;
    }
    const { width, height } = await readImageSize(path);
    for (const b of im.boxes) {
      const label = b.label ?? '';
      let cat = categories.find((c) => c.name === label);
      if (!cat) categories.push((cat = { id: categories.length + 1, name: label }));
      b.classId = cat.id;
      if (normalized) b.xyxy = [b.xyxy[0] * width, b.xyxy[1] * height, b.xyxy[2] * width, b.xyxy[3] * height];
    }
    kept.push({ ...im, path, width, height });
  }
  const gt = groundTruthFromImages(kept, categories);
  const paths = new Map<number, string>();
  kept.forEach((im, i) => paths.set(i + 1, im.path!));
  return { gt, kind: 'csv', paths, relPaths: relativePaths(imagesDir, paths), root: imagesDir, problems };
}
