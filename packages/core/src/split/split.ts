/**
 * `splitDataset`: a leakage-safe train/val/test split written as one folder: `manifest.csv`
 * (`image,part,group`) and, per part, a complete upload folder in the chosen format.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputPath, writeFolderAtomic } from '../atomic.js';
import type { ExportFormat } from '../constants.js';
import { lazy } from '../lazy.js';
import { assertKnownClasses, DEFAULT_CLASSES, discoverDataset, extractBoxes, type AnnotatedImage, type ExtractOptions, type Problem } from '../dataset/index.js';
import { writeUploadFolder } from '../upload/stream.js';
import { naturalCompare, naturalSortBy } from '../natural.js';
import { fingerprintImages, findDuplicates, type DuplicateOptions } from '../lint/index.js';
import { planSplit, SPLIT_PARTS, type PlannedItem, type SplitPart, type SplitPlanOptions } from './plan.js';

export interface SplitOptions extends SplitPlanOptions, DuplicateOptions, Pick<ExtractOptions, 'boxes' | 'minArea' | 'classes' | 'includeNormal'> {
  /** Upload format of each part. Default `datature-csv-wh`. */
  format?: ExportFormat;
  /** Hard-link images instead of copying. */
  link?: boolean;
  /** Replace `outDir` if it exists and is not empty. Default false: `OUTPUT_EXISTS`. */
  force?: boolean;
  concurrency?: number;
  onProgress?: (phase: 'hashing' | 'masks' | 'writing', done: number, total: number) => void;
}

export interface SplitSummary {
  output: string;
  format: ExportFormat;
  seed: number;
  /** Images per class and part (`excluded` = label conflicts left out). */
  counts: Record<string, Record<SplitPart | 'excluded', number>>;
  /** Duplicate groups of 2+ images kept together, and how many of them were label conflicts. */
  groups: number;
  conflictGroups: number;
  /** Images that could not be read, with why (left out of every part). */
  problems: Problem[];
  manifest: PlannedItem[];
}

/** The manifest text: header `image,part,group`, one row per image in natural order of `image`. */
export function toManifestCsv(items: readonly PlannedItem[]): string {
  const rows = naturalSortBy([...items], (i) => i.id).map((i) => [i.id, i.part, i.unit]);
  return lazy.csvStringify().stringify([['image', 'part', 'group'], ...rows], { record_delimiter: 'unix' });
}

/**
 * Splits the dataset at `root` into `outDir` (written atomically: built beside it, then swapped in).
 * Before anything is read: `outDir` must lie outside the dataset and not contain it, an existing
 * non-empty `outDir` needs `force`; after discovery, `classes` must pass `assertKnownClasses`.
 * Images are grouped by exact and near-duplicate detection (as `lintDataset`), the groups planned
 * with `planSplit`, and each part exported with `writeUploadFolder`.
 *
 * @example
 *   const s = await splitDataset('Dataset_BUSI_with_GT', 'busi-split', { val: 0.2, test: 0.1, seed: 7 });
 *   s.counts.benign; // { train: 244, val: 70, test: 35, excluded: 0 }
 * @throws BusToolsError `OUTPUT_OVERLAPS_INPUT`, `OUTPUT_EXISTS`, `UNKNOWN_CLASS`, and what
 *   `discoverDataset` throws.
 */
export async function splitDataset(root: string, outDir: string, options: SplitOptions): Promise<SplitSummary> {
  const format = options.format ?? 'datature-csv-wh';
  checkOutputPath(outDir, root, 'folder', options.force ?? false);
  const dataset = await discoverDataset(root);
  assertKnownClasses(dataset, options.classes);
  const classes = options.classes ?? DEFAULT_CLASSES;
  const inSplit = dataset.images.filter((img) => classes.includes(img.label) || (options.includeNormal && img.label === 'normal'));
  const { fingerprints, failures } = await fingerprintImages(inSplit, {
    concurrency: options.concurrency,
    onProgress: (d, t) => options.onProgress?.('hashing', d, t),
  });
  const problems: Problem[] = failures.map((f) => ({ file: f.path, code: f.code, severity: 'error', message: `${f.message}; left out of the split.` }));
  const dup = findDuplicates(fingerprints, options);
  const groupOf = new Map<number, string>();
  dup.groups.forEach((g, k) => g.members.forEach((i) => groupOf.set(i, `dup${k + 1}`)));

  const extracted = await extractBoxes(
    { ...dataset, images: inSplit, problems: [] },
    { boxes: options.boxes, minArea: options.minArea, classes, requireClasses: false, includeNormal: options.includeNormal, onProgress: (d, t) => options.onProgress?.('masks', d, t) },
  );
  for (const p of extracted.problems) if (!problems.some((q) => q.file === p.file)) problems.push(p);
  const annotated = new Map<string, AnnotatedImage>();
  for (const img of extracted.images) if (img.path) annotated.set(img.path, img);

  const items = inSplit
    .map((img, i) => ({ img, i }))
    .filter(({ img, i }) => fingerprints[i] !== undefined && annotated.has(img.path))
    .map(({ img, i }) => ({ id: img.relPath, label: img.label, group: groupOf.get(i) }));
  const planned = planSplit(items, { val: options.val, test: options.test, seed: options.seed, conflicts: options.conflicts });
  const byId = new Map(inSplit.map((img) => [img.relPath, img]));

  const counts: Record<string, Record<SplitPart | 'excluded', number>> = {};
  for (const p of planned) {
    counts[p.label] ??= { train: 0, val: 0, test: 0, excluded: 0 };
    counts[p.label][p.part]++;
  }
  const parts = SPLIT_PARTS.filter((p) => p === 'train' || (p === 'val' ? options.val > 0 : (options.test ?? 0) > 0));
  let written = 0;
  await writeFolderAtomic(outDir, async (tmp) => {
    writeFileSync(join(tmp, 'manifest.csv'), toManifestCsv(planned));
    for (const part of parts) {
      const images = planned.filter((p) => p.part === part).map((p) => annotated.get(byId.get(p.id)!.path)!);
      await writeUploadFolder(join(tmp, part), images, extracted.categories, {
        format,
        link: options.link,
        onProgress: () => options.onProgress?.('writing', ++written, planned.length),
      });
    }
  });
  const conflictGroups = dup.groups.filter((g) => new Set(g.members.map((i) => inSplit[i].label)).size > 1).length;
  problems.sort((a, b) => naturalCompare(a.file, b.file));
  return { output: outDir, format, seed: options.seed, counts, groups: dup.groups.length, conflictGroups, problems, manifest: planned };
}
