/**
 * Datature's two CSV bounding-box layouts. Both have a header row and one row per box; images are
 * matched by file name.
 *
 * - `width-height` ("CSV Width Height - Bounding Box"): `filename,xmin,ymin,width,height,label`
 * - `four-corner`  ("CSV Four Corner - Bounding Box"):   `filename,xmin,ymin,xmax,ymax,label`,
 *   with `xmax = xmin + width` (pixel edges, like `xyxy`).
 *
 * Reading checks the header, so a Width-Height file can never be read (or imported) as Four-Corner,
 * the mistake a widely read BUSI tutorial makes. A trailing `score` column (predictions) is read too.
 */
import { xywhToXyxy, xyxyToXywh, type Detection } from '../box.js';
import { BusToolsError, describeError } from '../errors.js';
import type { AnnotatedImage } from '../dataset/types.js';
import { lazy } from '../lazy.js';

export type DatatureCsvLayout = 'width-height' | 'four-corner';

export const DATATURE_CSV_HEADER: Record<DatatureCsvLayout, readonly string[]> = {
  'width-height': ['filename', 'xmin', 'ymin', 'width', 'height', 'label'],
  'four-corner': ['filename', 'xmin', 'ymin', 'xmax', 'ymax', 'label'],
};

/**
 * One row per box, RFC 4180 quoting (file names with commas, quotes or spaces are safe).
 * Images without boxes have no row (upload them as images; they carry no annotation).
 *
 * @example
 *   toDatatureCsv([{ fileName: 'benign (1).png', width: 562, height: 471,
 *     boxes: [{ xyxy: [288, 134, 339, 160], label: 'benign' }] }]);
 *   // 'filename,xmin,ymin,width,height,label\nbenign (1).png,288,134,51,26,benign\n'
 */
export function toDatatureCsv(images: readonly AnnotatedImage[], layout: DatatureCsvLayout = 'width-height'): string {
  const rows: Array<Array<string | number>> = [[...DATATURE_CSV_HEADER[layout]]];
  for (const img of images) rows.push(...csvRows(img, layout));
  return lazy.csvStringify().stringify(rows, { record_delimiter: 'unix' });
}

function csvRows(img: AnnotatedImage, layout: DatatureCsvLayout): Array<Array<string | number>> {
  return img.boxes.map((b) => {
    const [x, y, w, h] = xyxyToXywh(b.xyxy);
    const label = b.label ?? img.label ?? '';
    return layout === 'width-height' ? [img.fileName, x, y, w, h, label] : [img.fileName, x, y, b.xyxy[2], b.xyxy[3], label];
  });
}

/** The header line of `toDatatureCsv`, for writing a CSV one image at a time. */
export function datatureCsvHeader(layout: DatatureCsvLayout = 'width-height'): string {
  return `${DATATURE_CSV_HEADER[layout].join(',')}\n`;
}

/**
 * The rows of one image, or of several in order, exactly as `toDatatureCsv` writes them ('' for no boxes):
 * `datatureCsvHeader(layout)` followed by every image's rows is `toDatatureCsv(images, layout)`.
 */
export function datatureCsvRows(images: AnnotatedImage | readonly AnnotatedImage[], layout: DatatureCsvLayout = 'width-height'): string {
  // Several images in one call: csv-stringify's set-up costs more than a few rows.
  const rows = Array.isArray(images) ? images.flatMap((img: AnnotatedImage) => csvRows(img, layout)) : csvRows(images as AnnotatedImage, layout);
  return rows.length ? lazy.csvStringify().stringify(rows, { record_delimiter: 'unix' }) : '';
}

/**
 * Parses either Datature CSV layout (told apart by the header). Image sizes are unknown (0).
 * Boxes keep file order; images appear in order of first row.
 * @throws BusToolsError `BAD_CSV` naming `file`, the row and the problem.
 */
export function fromDatatureCsv(text: string, file = 'CSV'): { layout: DatatureCsvLayout; images: AnnotatedImage[] } {
  let rows: string[][];
  try {
    rows = lazy.csvParse().parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true });
  } catch (cause) {
    throw new BusToolsError('BAD_CSV', `${file}: not valid CSV (${describeError(cause)})`, { file, cause });
  }
  if (rows.length === 0) throw new BusToolsError('BAD_CSV', `${file}: empty file; expected a header row such as ${DATATURE_CSV_HEADER['width-height'].join(',')}`, { file });
  const header = rows[0].map((h) => h.toLowerCase());
  const layout = (Object.keys(DATATURE_CSV_HEADER) as DatatureCsvLayout[]).find((l) =>
    DATATURE_CSV_HEADER[l].every((h, i) => header[i] === h),
  );
  if (!layout || (header.length > 6 && !(header.length === 7 && header[6] === 'score'))) {
    throw new BusToolsError(
      'BAD_CSV',
      `${file}: header "${rows[0].join(',')}" is not a Datature bounding-box CSV. Expected "${DATATURE_CSV_HEADER['width-height'].join(',')}" (Width-Height) or "${DATATURE_CSV_HEADER['four-corner'].join(',')}" (Four-Corner), optionally followed by ",score".`,
      { file },
    );
  }
  const byName = new Map<string, AnnotatedImage>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    const nums = row.slice(1, 5).map(Number);
    const score = row.length > 6 ? Number(row[6]) : undefined;
    if (nums.some((n) => !Number.isFinite(n)) || (score !== undefined && !Number.isFinite(score))) {
      throw new BusToolsError('BAD_CSV', `${file}: row ${r + 1} has a non-numeric coordinate or score: ${row.join(',')}`, { file });
    }
    const xyxy = layout === 'width-height' ? xywhToXyxy([nums[0], nums[1], nums[2], nums[3]]) : ([nums[0], nums[1], nums[2], nums[3]] as Detection['xyxy']);
    if (xyxy[2] < xyxy[0] || xyxy[3] < xyxy[1]) {
      const hint = layout === 'four-corner' ? ' (is this a Width-Height file with a Four-Corner header?)' : '';
      throw new BusToolsError('BAD_CSV', `${file}: row ${r + 1} has a negative box size${hint}: ${row.join(',')}`, { file });
    }
    const fileName = row[0];
    let img = byName.get(fileName);
    if (!img) {
      img = { fileName, width: 0, height: 0, boxes: [] };
      byName.set(fileName, img);
    }
    const det: Detection = { xyxy, label: row[5] };
    if (score !== undefined) det.score = score;
    img.boxes.push(det);
  }
  return { layout, images: [...byName.values()] };
}
