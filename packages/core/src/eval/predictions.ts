/**
 * Predictions as `bus-tools predict` writes them, lined up with the ground truth's images and
 * categories:
 *
 * - COCO results JSON: `[{file_name, image_id, category_id, label, bbox: [x, y, w, h], score}]`
 *   (`file_name` and `label` optional, so plain pycocotools results files work too);
 * - CSV: `filename,xmin,ymin,width,height,label,score`, pixels of the original image.
 *
 * Images are found by file name when the prediction has one (exactly, else by base name when that
 * is unique: predict names `benign/benign (1).png` what the dataset calls `benign (1).png`), else by
 * `image_id` (also when the ground truth has no file names). Categories by `label` when it names a ground-truth category, else by `category_id`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { xyxyToXywh, type Detection } from '../box.js';
import { BusToolsError, describeError } from '../errors.js';
import { lazy } from '../lazy.js';
import type { CocoResult, EvalGroundTruth } from './coco-input.js';
import { imageNameIndex } from './subset.js';

/** The header of predict's CSV. */
export const PREDICTIONS_CSV_HEADER = ['filename', 'xmin', 'ymin', 'width', 'height', 'label', 'score'] as const;

/**
 * Rows of predict's detections CSV (`PREDICTIONS_CSV_HEADER` order), one per result, each ending in a
 * newline; quoted as csv-stringify quotes (a name with a comma, a quote or a line break).
 * @example predictionsCsvRows([{ file_name: 'a.png', bbox: [1, 2, 30, 40], label: 'benign', score: 0.9 }])
 *   // → 'a.png,1,2,30,40,benign,0.9\n'
 */
export function predictionsCsvRows(results: readonly Required<Pick<CocoResult, 'file_name' | 'label' | 'bbox' | 'score'>>[]): string {
  if (results.length === 0) return '';
  const rows = results.map((r) => [r.file_name, ...r.bbox, r.label, r.score]);
  return lazy.csvStringify().stringify(rows, { record_delimiter: 'unix' });
}

/**
 * Predictions JSON as `bus-tools predict` writes it: a list with one detection per line (diff- and
 * grep-friendly); `[]` when there are none.
 */
export function predictionsJson(results: readonly object[]): string {
  return results.length === 0 ? '[]\n' : `[\n${results.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`;
}

/**
 * Reads one or several predictions files (COCO results `.json` or predict's `.csv`) into one list,
 * in the order given: shards of one run (see `bus-tools merge`) or parts predicted separately.
 * @throws BusToolsError `INPUT_NOT_FOUND`, `UNREADABLE`, `BAD_PREDICTIONS` or `BAD_CSV` naming the file.
 */
export function readPredictionFiles(files: readonly string[]): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (const file of files) {
    const csv = /\.csv$/i.test(file);
    if (!existsSync(file)) throw new BusToolsError('INPUT_NOT_FOUND', `${file}: not found; --pred takes the detections.json or detections.csv that \`bus-tools predict\` writes`, { file });
    if (!csv && !/\.json$/i.test(file)) throw new BusToolsError('BAD_PREDICTIONS', `${file}: --pred expects a .json (COCO results) or .csv (filename,xmin,ymin,width,height,label,score) file`, { file });
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new BusToolsError('UNREADABLE', `${file}: cannot be read (${describeError(cause)}); check the --pred path`, { file, cause });
    }
    // Appended one by one, not push(...): a file of 10⁵ detections would overflow the call stack.
    if (csv) for (const r of parsePredictionsCsv(text, file)) rows.push(r);
    else {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (cause) {
        throw new BusToolsError('BAD_PREDICTIONS', `${file}: not valid JSON (${describeError(cause)}); --pred expects predict's detections.json`, { file, cause });
      }
      for (const r of parsePredictionsJson(json, file)) rows.push(r);
    }
  }
  return rows;
}

/** A prediction before it is lined up with the ground truth: it may know its image only by name. */
export interface PredictionRow {
  file_name?: string;
  image_id?: number;
  category_id?: number;
  label?: string;
  /** `[x, y, w, h]` in original pixels. */
  bbox: readonly number[];
  score: number;
}

/**
 * Checks predictions JSON: a COCO results list whose entries name their image by `file_name`,
 * `image_id` or both, and their category by `label`, `category_id` or both. `file` names the source
 * in errors.
 */
export function parsePredictionsJson(json: unknown, file = 'predictions JSON'): PredictionRow[] {
  const fix = 'Expected a COCO results list: [{"file_name" or "image_id", "category_id" or "label", "bbox": [x, y, w, h], "score"}, …] (what `bus-tools predict` writes)';
  const fail = (what: string) => new BusToolsError('BAD_PREDICTIONS', `${file}: ${what}. ${fix}`, { file });
  if (!Array.isArray(json)) throw fail(json !== null && typeof json === 'object' && 'annotations' in json ? 'is a COCO ground-truth file, not a results list (ground truth goes to --gt)' : 'is not a JSON list of detections');
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  json.forEach((r: unknown, i) => {
    if (typeof r !== 'object' || r === null) throw fail(`entry ${i} is not an object`);
    const e = r as Record<string, unknown>;
    if (!num(e.image_id) && typeof e.file_name !== 'string') throw fail(`entry ${i} has neither "file_name" nor a numeric "image_id"`);
    if (!num(e.category_id) && typeof e.label !== 'string') throw fail(`entry ${i} has neither "label" nor a numeric "category_id"`);
    if (!(Array.isArray(e.bbox) && e.bbox.length === 4 && e.bbox.every(num))) throw fail(`entry ${i} has no "bbox" of 4 numbers [x, y, w, h]`);
    if (!num(e.score)) throw fail(`entry ${i} has no numeric "score"`);
  });
  return json as PredictionRow[];
}

/**
 * Parses predict's CSV (`filename,xmin,ymin,width,height,label,score`); numbers are kept exactly as
 * written. `file` names the source in errors.
 *
 * @example parsePredictionsCsv('filename,xmin,ymin,width,height,label,score\na.png,1,2,30,40,benign,0.9\n', 'p.csv')
 * // [{ file_name: 'a.png', label: 'benign', bbox: [1, 2, 30, 40], score: 0.9 }]
 */
export function parsePredictionsCsv(text: string, file = 'predictions CSV'): PredictionRow[] {
  let rows: string[][];
  try {
    rows = lazy.csvParse().parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
  } catch (cause) {
    throw new BusToolsError('BAD_CSV', `${file}: not valid CSV (${describeError(cause)})`, { file, cause });
  }
  const want = PREDICTIONS_CSV_HEADER.join(',');
  if (rows.length === 0 || rows[0].map((h) => h.toLowerCase()).join(',') !== want) {
    throw new BusToolsError(
      'BAD_CSV',
      `${file}: header "${rows[0]?.join(',') ?? ''}" is not a predictions CSV. Expected "${want}" (what \`bus-tools predict\` writes); ground-truth CSVs go to --gt.`,
      { file },
    );
  }
  const out: PredictionRow[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== PREDICTIONS_CSV_HEADER.length) {
      throw new BusToolsError('BAD_CSV', `${file}: row ${r + 1} has ${row.length} fields, expected ${PREDICTIONS_CSV_HEADER.length}: ${row.join(',')}`, { file });
    }
    const nums = [row[1], row[2], row[3], row[4], row[6]].map((v) => (v === '' ? NaN : Number(v)));
    if (nums.some((n) => !Number.isFinite(n))) {
      throw new BusToolsError('BAD_CSV', `${file}: row ${r + 1} has a non-numeric box or score: ${row.join(',')}`, { file });
    }
    out.push({ file_name: row[0], label: row[5], bbox: nums.slice(0, 4), score: nums[4] });
  }
  return out;
}

/**
 * Prediction rows from detections in the central `Detection` shape (pixel-edge `xyxy`, `score`,
 * `classId`, `label`), e.g. straight from `@bus-tools/infer`'s `predictImages`. Each image names
 * itself by `imageId` (a ground-truth id) or `fileName`.
 *
 * @example rowsFromDetections([{ imageId: 3, detections: [{ xyxy: [10, 20, 40, 60], score: 0.9, classId: 2, label: 'malignant' }] }])
 * // [{ image_id: 3, category_id: 2, label: 'malignant', bbox: [10, 20, 30, 40], score: 0.9 }]
 */
export function rowsFromDetections(images: readonly { imageId?: number; fileName?: string; detections: readonly Detection[] }[]): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (const im of images) {
    for (const d of im.detections) {
      const row: PredictionRow = { bbox: xyxyToXywh(d.xyxy), score: d.score ?? 0 };
      if (im.imageId !== undefined) row.image_id = im.imageId;
      else if (im.fileName !== undefined) row.file_name = im.fileName;
      if (d.classId !== undefined) row.category_id = d.classId;
      if (d.label !== undefined) row.label = d.label;
      rows.push(row);
    }
  }
  return rows;
}

export interface AlignedPredictions {
  results: CocoResult[];
  /** Predictions whose image the ground truth does not have, by image name (or `#id`) and count. */
  unknownImages: Map<string, number>;
  /** Predictions whose label/category the ground truth does not have, by label (or `#id`) and count. */
  unknownCategories: Map<string, number>;
}

/**
 * Lines predictions up with the ground truth's image ids and category ids (see the module comment).
 * Predictions that match no image or no category are left out and counted, never guessed.
 *
 * @example
 * const { results, unknownImages } = alignPredictions(gt, rows);
 * evaluateCocoBbox(gt, results);
 */
export function alignPredictions(gt: EvalGroundTruth, rows: readonly PredictionRow[]): AlignedPredictions {
  const findImage = imageNameIndex(gt);
  const hasNames = gt.images.some((im) => im.file_name !== undefined);
  const ids = new Set(gt.images.map((im) => im.id));
  const catByName = new Map(gt.categories.map((c) => [c.name.toLowerCase(), c.id]));
  const catIds = new Set(gt.categories.map((c) => c.id));
  const unknownImages = new Map<string, number>();
  const unknownCategories = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const results: CocoResult[] = [];
  for (const row of rows) {
    let imageId: number | undefined;
    if (row.file_name !== undefined && hasNames) {
      imageId = findImage(row.file_name);
    } else if (row.image_id !== undefined && ids.has(row.image_id)) {
      imageId = row.image_id;
    }
    if (imageId === undefined) {
      bump(unknownImages, row.file_name ?? `#${row.image_id}`);
      continue;
    }
    let categoryId = row.label === undefined ? undefined : catByName.get(row.label.toLowerCase());
    if (categoryId === undefined && row.category_id !== undefined && catIds.has(row.category_id)) categoryId = row.category_id;
    if (categoryId === undefined) {
      bump(unknownCategories, row.label ?? `#${row.category_id}`);
      continue;
    }
    const r: CocoResult = { image_id: imageId, category_id: categoryId, bbox: row.bbox, score: row.score };
    if (row.file_name !== undefined) r.file_name = row.file_name;
    if (row.label !== undefined) r.label = row.label;
    results.push(r);
  }
  return { results, unknownImages, unknownCategories };
}
