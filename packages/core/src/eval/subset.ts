/**
 * Limiting the ground truth to the images that were meant to be scored: one part of a split
 * (`bus-tools split`'s `manifest.csv`), or the images the predictions name. Scoring all 780 images
 * of a dataset against predictions made on its 50 test images counts every lesion of the other 730
 * as missed; these helpers make the intended subset explicit.
 *
 * Image names are matched as predictions are: exactly, else by base name when that is unique on
 * both sides (the manifest says `benign/benign (1).png` for what a COCO file calls `benign (1).png`).
 */
import { BusToolsError, describeError } from '../errors.js';
import { lazy } from '../lazy.js';
import type { CocoResult, EvalGroundTruth } from './coco-input.js';

/** The parts a split manifest names (`excluded`: label-conflict groups left out of every part). */
export const MANIFEST_PARTS = ['train', 'val', 'test', 'excluded'] as const;
export type ManifestPart = (typeof MANIFEST_PARTS)[number];

/** One row of `manifest.csv` (`image,part,group`): the image's path relative to the dataset root. */
export interface ManifestRow {
  image: string;
  part: ManifestPart;
  group: string;
}

const baseName = (p: string) => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);

/**
 * Parses the `manifest.csv` that `bus-tools split` writes (`image,part,group`). `file` names the
 * source in errors.
 *
 * @example parseSplitManifest('image,part,group\nbenign/benign (1).png,test,dup3\n', 'manifest.csv')
 * // [{ image: 'benign/benign (1).png', part: 'test', group: 'dup3' }]
 */
export function parseSplitManifest(text: string, file = 'split manifest'): ManifestRow[] {
  let rows: string[][];
  try {
    rows = lazy.csvParse().parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true });
  } catch (cause) {
    throw new BusToolsError('BAD_CSV', `${file}: not valid CSV (${describeError(cause)})`, { file, cause });
  }
  if (rows.length === 0 || rows[0].map((h) => h.trim().toLowerCase()).join(',') !== 'image,part,group') {
    throw new BusToolsError('BAD_CSV', `${file}: header "${rows[0]?.join(',') ?? ''}" is not a split manifest. Expected "image,part,group" (the manifest.csv that \`bus-tools split\` writes).`, { file });
  }
  return rows.slice(1).map((row, i) => {
    const part = row[1] as ManifestPart;
    if (row.length !== 3 || !row[0] || !MANIFEST_PARTS.includes(part)) {
      throw new BusToolsError('BAD_CSV', `${file}: row ${i + 2} is not "image,part,group" with part one of ${MANIFEST_PARTS.join(', ')}: ${row.join(',')}`, { file });
    }
    return { image: row[0], part, group: row[2] };
  });
}

/**
 * Finds ground-truth images by name: exactly, else by a base name that is unique among the
 * ground truth's names. `extraNames` adds names an image is also known by (e.g. its path relative
 * to the dataset folder).
 */
export function imageNameIndex(gt: EvalGroundTruth, extraNames?: ReadonlyMap<number, string>): (name: string) => number | undefined {
  const byName = new Map<string, number>();
  const byBase = new Map<string, number | null>();
  const add = (name: string, id: number) => {
    byName.set(name, id);
    const b = baseName(name);
    const seen = byBase.get(b);
    byBase.set(b, seen === undefined || seen === id ? id : null);
  };
  for (const im of gt.images) if (im.file_name !== undefined) add(im.file_name, im.id);
  for (const [id, name] of extraNames ?? []) add(name, id);
  return (name) => byName.get(name) ?? byBase.get(baseName(name)) ?? undefined;
}

/** The ids of the images in `part` of a manifest, and the part's names the ground truth lacks. */
export interface PartSelection {
  imageIds: Set<number>;
  /** Manifest names in the part that match no ground-truth image. */
  missing: string[];
  /** How many images the part lists. */
  listed: number;
}

/**
 * The ground-truth images in one part of a split manifest. Throws `INVALID_PARAMETER` when the
 * part is empty or none of its images is in the ground truth (the manifest of another dataset).
 */
export function selectManifestPart(
  gt: EvalGroundTruth,
  rows: readonly ManifestRow[],
  part: ManifestPart,
  options: { file?: string; extraNames?: ReadonlyMap<number, string> } = {},
): PartSelection {
  const file = options.file ?? 'split manifest';
  if (!MANIFEST_PARTS.includes(part)) {
    throw new BusToolsError('INVALID_PARAMETER', `Expected one of ${MANIFEST_PARTS.join(', ')} for part but received ${JSON.stringify(part)}`);
  }
  const inPart = rows.filter((r) => r.part === part);
  if (inPart.length === 0) {
    const counts = MANIFEST_PARTS.map((p) => [p, rows.filter((r) => r.part === p).length] as const).filter(([, n]) => n > 0);
    throw new BusToolsError(
      'INVALID_PARAMETER',
      `${file}: no image is in part "${part}" (the manifest has ${counts.length ? counts.map(([p, n]) => `${p} ${n}`).join(', ') : 'no rows'}); choose one of those parts`,
      { file },
    );
  }
  const find = imageNameIndex(gt, options.extraNames);
  const imageIds = new Set<number>();
  const missing: string[] = [];
  for (const r of inPart) {
    const id = find(r.image);
    if (id === undefined) missing.push(r.image);
    else imageIds.add(id);
  }
  if (imageIds.size === 0) {
    throw new BusToolsError(
      'INVALID_PARAMETER',
      `${file}: none of the ${inPart.length} images in part "${part}" is in the ground truth (e.g. "${inPart[0].image}"); give the manifest that \`bus-tools split\` wrote for this dataset`,
      { file },
    );
  }
  return { imageIds, missing, listed: inPart.length };
}

/**
 * The ground truth restricted to `imageIds`: their images and annotations, ids unchanged.
 * @example limitGroundTruth(gt, new Set([3, 4])).images.map((im) => im.id) // [3, 4]
 */
export function limitGroundTruth(gt: EvalGroundTruth, imageIds: ReadonlySet<number>): EvalGroundTruth {
  return {
    images: gt.images.filter((im) => imageIds.has(im.id)),
    annotations: gt.annotations.filter((a) => imageIds.has(a.image_id)),
    categories: gt.categories,
  };
}

/** The ground-truth image ids that at least one result names. */
export function imagesWithResults(gt: EvalGroundTruth, results: readonly Pick<CocoResult, 'image_id'>[]): Set<number> {
  const ids = new Set(gt.images.map((im) => im.id));
  const out = new Set<number>();
  for (const r of results) if (ids.has(r.image_id)) out.add(r.image_id);
  return out;
}
