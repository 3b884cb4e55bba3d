/**
 * Merging the upload folders that `export --shard` writes into the folder one export would have
 * written. The format is read from the shards' files:
 *
 * - CSV (`annotations.csv`): rows put in dataset order (the dataset is listed again, see csv.ts);
 * - COCO (`annotations.json`): a shard keeps each image's position in the whole dataset as its id;
 *   the merge sorts the images by it and numbers them 1, 2, … in that order, then numbers the
 *   annotations 1, 2, … image by image (each image's annotations in their order): the ids one run
 *   gives. `info` comes from the first shard; the categories must agree;
 * - Pascal VOC (`annotations/*.xml`) and YOLO (`labels/*.txt`, `classes.txt`): one file per image,
 *   copied.
 * Images are copied (or hard-linked with `link`); UPLOAD.md is written again with the totals.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFolderAtomic } from '../atomic.js';
import type { ExportFormat } from '../constants.js';
import type { Category } from '../dataset/types.js';
import { BusToolsError, describeError } from '../errors.js';
import { DATATURE_CSV_HEADER } from '../formats/datature-csv.js';
import type { CocoAnnotation, CocoDataset } from '../formats/coco.js';
import { copyOrLink, uploadInstructions, type UploadFolderResult } from '../upload/folder.js';
import { CocoJsonWriter } from '../upload/stream.js';
import { mergeCsvParts } from './csv.js';

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${path}: cannot be read (${describeError(cause)})`, { file: path, cause });
  }
};

/** The format of an upload folder, from the files in it. */
export function uploadFolderFormat(dir: string): ExportFormat {
  if (existsSync(join(dir, 'annotations.json'))) return 'coco';
  if (existsSync(join(dir, 'classes.txt'))) return 'yolo';
  if (existsSync(join(dir, 'annotations.csv'))) {
    const header = readText(join(dir, 'annotations.csv')).split('\n', 1)[0];
    return header === DATATURE_CSV_HEADER['four-corner'].join(',') ? 'datature-csv-4c' : 'datature-csv-wh';
  }
  if (existsSync(join(dir, 'UPLOAD.md'))) return 'voc';
  throw new BusToolsError('INVALID_PARAMETER', `${dir}: not an upload folder written by \`bus-tools export\` (no UPLOAD.md or annotations)`, { file: dir });
}

/** Totals and classes from the first line of a shard's UPLOAD.md. */
function uploadSummary(dir: string): { images: number; boxes: number; categories: Category[] } {
  const text = readText(join(dir, 'UPLOAD.md'));
  const m = /Made by bus-tools: (\d+) images, (\d+) boxes, classes (.*)\.\n/.exec(text);
  if (!m) throw new BusToolsError('INVALID_PARAMETER', `${dir}/UPLOAD.md: not the one \`bus-tools export\` writes`, { file: join(dir, 'UPLOAD.md') });
  const categories = [...m[3].matchAll(/(.+?) \((\d+)\)(?:, |$)/g)].map((c) => ({ id: Number(c[2]), name: c[1] }));
  return { images: Number(m[1]), boxes: Number(m[2]), categories };
}

export interface MergeUploadOptions {
  /** The dataset the shards were exported from: needed for CSV formats, to order the rows. */
  dataset?: string;
  link?: boolean;
}

/**
 * Merges shard upload folders `dirs` into `out` (written atomically).
 * @throws BusToolsError `INVALID_PARAMETER` when the shards differ in format or classes, or a CSV
 *   merge has no `dataset`; `NAME_COLLISION` when two shards hold an image of one name.
 */
export async function mergeUploadFolders(dirs: readonly string[], out: string, options: MergeUploadOptions = {}): Promise<UploadFolderResult> {
  const format = uploadFolderFormat(dirs[0]);
  const summaries = dirs.map((d) => {
    if (uploadFolderFormat(d) !== format) throw new BusToolsError('INVALID_PARAMETER', `${d}: its format is ${uploadFolderFormat(d)}, ${dirs[0]}'s is ${format}; merge shards of one export`, { file: d });
    return uploadSummary(d);
  });
  const categories = summaries[0].categories;
  for (const [k, s] of summaries.entries()) {
    if (JSON.stringify(s.categories) !== JSON.stringify(categories)) throw new BusToolsError('INVALID_PARAMETER', `${dirs[k]}: classes differ from ${dirs[0]}'s; merge shards of one export`, { file: dirs[k] });
  }
  if (format.startsWith('datature-csv') && !options.dataset) {
    throw new BusToolsError('INVALID_PARAMETER', 'Expected --dataset (the dataset the shards were exported from) for merging CSV upload folders but received none: the CSV rows are put in its order');
  }
  const images = summaries.reduce((n, s) => n + s.images, 0);
  const boxes = summaries.reduce((n, s) => n + s.boxes, 0);
  let annotationFiles = 0;
  await writeFolderAtomic(out, async (tmp) => {
    mkdirSync(join(tmp, 'images'));
    for (const [k, dir] of dirs.entries()) {
      copyTree(join(dir, 'images'), join(tmp, 'images'), options.link, (name) => {
        // The name is in the merged folder already: it came from an earlier shard.
        const prev = dirs.slice(0, k).find((d) => existsSync(join(d, 'images', name))) ?? '?';
        throw new BusToolsError('NAME_COLLISION', `"${name}" is in ${prev} and ${dir}: two images of one upload name`, { file: join(dir, 'images', name) });
      });
    }
    if (format === 'coco') {
      mergeCoco(dirs.map((d) => join(d, 'annotations.json')), join(tmp, 'annotations.json'), categories);
      annotationFiles++;
    } else if (format.startsWith('datature-csv')) {
      const text = await mergeCsvParts(dirs.map((d) => join(d, 'annotations.csv')), options.dataset as string);
      writeFileSync(join(tmp, 'annotations.csv'), text);
      annotationFiles++;
    } else {
      const sub = format === 'voc' ? 'annotations' : 'labels';
      if (format === 'yolo') {
        writeFileSync(join(tmp, 'classes.txt'), readText(join(dirs[0], 'classes.txt')));
        annotationFiles++;
      }
      for (const dir of dirs) {
        if (!existsSync(join(dir, sub))) continue;
        mkdirSync(join(tmp, sub), { recursive: true });
        annotationFiles += copyTree(join(dir, sub), join(tmp, sub), false, (name) => {
          throw new BusToolsError('NAME_COLLISION', `${sub}/${name} is in more than one shard (${dirs.join(', ')})`, { file: join(dir, sub, name) });
        });
      }
    }
    writeFileSync(join(tmp, 'UPLOAD.md'), uploadInstructions(format, images, boxes, categories));
  });
  return { dir: out, images, boxes, annotationFiles };
}

/** Copies the files of `from` into `to`; `onClash` for a name `to` has already. Returns the count. */
function copyTree(from: string, to: string, link: boolean | undefined, onClash: (name: string) => void): number {
  let n = 0;
  for (const name of readdirSync(from)) {
    if (!copyOrLink(join(from, name), join(to, name), link, to)) onClash(name);
    n++;
  }
  return n;
}

/** COCO shards → one COCO file, numbered as one run numbers it (see the module comment). */
function mergeCoco(files: readonly string[], out: string, categories: readonly Category[]): void {
  const parsed = files.map((file) => {
    try {
      return JSON.parse(readText(file)) as CocoDataset;
    } catch (cause) {
      if (cause instanceof BusToolsError) throw cause;
      throw new BusToolsError('BAD_COCO', `${file}: not valid JSON (${describeError(cause)})`, { file, cause });
    }
  });
  const entries: Array<{ image: CocoDataset['images'][number]; annotations: CocoAnnotation[] }> = [];
  for (const [k, d] of parsed.entries()) {
    if (!Array.isArray(d.images) || !Array.isArray(d.annotations)) throw new BusToolsError('BAD_COCO', `${files[k]}: not a COCO dataset`, { file: files[k] });
    const byImage = new Map<number, CocoAnnotation[]>();
    for (const a of d.annotations) {
      const list = byImage.get(a.image_id);
      if (list) list.push(a);
      else byImage.set(a.image_id, [a]);
    }
    for (const image of d.images) entries.push({ image, annotations: byImage.get(image.id) ?? [] });
  }
  entries.sort((a, b) => a.image.id - b.image.id);
  const writer = new CocoJsonWriter(out, categories, parsed[0].info);
  try {
    for (const e of entries) {
      // Numbered as one run numbers them: images 1…n in dataset order, annotations 1…m.
      const next = writer.nextIds;
      writer.addImage({ ...e.image, id: next.image }, e.annotations.map((a, k) => ({ ...a, id: next.annotation + k, image_id: next.image })));
    }
    writer.commit();
  } finally {
    writer.abort();
  }
}
