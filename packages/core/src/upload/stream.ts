/**
 * The upload folder writer: one image at a time, so that memory stays flat however many images a
 * dataset has. Each image is copied and its annotation rows or files written as it arrives; the
 * files are those the format's all-at-once writer (`FORMATS[format].write`) makes from the same
 * images in the same order. COCO needs every image before the annotations, so its annotations go
 * to a side file that is appended at the end. Two images of one upload name are found by the copy
 * itself (a file of that name is already in images/), two that would share a VOC or YOLO file
 * (x.png, x.jpg) by that file's write; a side file of names and paths, read only then, names the
 * earlier image. `writeUploadFolder` is the same writer for a list in memory.
 */
import { closeSync, createReadStream, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { openFileAtomic, type AtomicFileWriter } from '../atomic-stream.js';
import { assertOutsideInput, assertReplaceable, writeFolderAtomic } from '../atomic.js';
import type { AnnotatedImage, Category } from '../dataset/types.js';
import { BusToolsError, describeError } from '../errors.js';
import { datatureCsvHeader, datatureCsvRows } from '../formats/datature-csv.js';
import { cocoCategoryIds, cocoEntries, toCoco, type CocoAnnotation, type CocoDataset, type CocoImage } from '../formats/coco.js';
import { toVoc, vocFileName } from '../formats/voc.js';
import { toYolo, toYoloClasses, yoloFileName } from '../formats/yolo.js';
import { checkArgument, isPath, isRecord } from '../validate.js';
import { assertUniqueUploadNames, copyOrLink, uploadInstructions, uploadNameClashError, type UploadFolderOptions, type UploadFolderResult } from './folder.js';

/** One entry of a JSON array as `JSON.stringify(…, null, 1)` lays it out two levels down. */
const arrayEntry = (value: unknown) => `  ${JSON.stringify(value, null, 1).replaceAll('\n', '\n  ')}`;

/**
 * COCO JSON as `JSON.stringify(toCoco(images, categories), null, 1)` writes it, built from entries
 * handed over one at a time: `head` holds `info`, `tail` the categories.
 */
export class CocoJsonWriter {
  private readonly main: AtomicFileWriter;
  private readonly side: AtomicFileWriter;
  private readonly tail: string;
  private images = 0;
  private annotations = 0;

  constructor(path: string, categories: readonly Category[], info?: CocoDataset['info']) {
    const skeleton = toCoco([], categories);
    if (info) skeleton.info = info;
    const text = JSON.stringify(skeleton, null, 1);
    const [head, rest] = text.split('"images": []');
    this.tail = rest.split('"annotations": []')[1];
    this.main = openFileAtomic(path);
    this.side = openFileAtomic(`${path}.annotations`);
    this.main.write(`${head}"images": [`);
  }

  /** The id the next image gets by default (1, 2, …), and the id of the next annotation. */
  get nextIds(): { image: number; annotation: number } {
    return { image: this.images + 1, annotation: this.annotations + 1 };
  }

  /**
   * Adds one image with its annotations. Their ids are written as given: take them from `nextIds`
   * (a shard gives its images the ids of the whole dataset instead; see merge/upload.ts).
   */
  addImage(image: CocoImage, annotations: readonly CocoAnnotation[]): void {
    this.main.write(`${++this.images > 1 ? ',' : ''}\n${arrayEntry(image)}`);
    for (const a of annotations) this.side.write(`${++this.annotations > 1 ? ',' : ''}\n${arrayEntry(a)}`);
  }

  /** Appends the annotations and the categories and renames the file into place. */
  commit(): void {
    this.main.write(this.images ? '\n ],\n "annotations": [' : '],\n "annotations": [');
    this.side.commit();
    const fd = openSync(this.side.path, 'r');
    try {
      const chunk = Buffer.alloc(1 << 16);
      const text = new StringDecoder('utf8'); // a chunk may end inside a character
      for (let n; (n = readSync(fd, chunk)) > 0; ) this.main.write(text.write(chunk.subarray(0, n)));
      this.main.write(text.end());
    } finally {
      closeSync(fd);
      rmSync(this.side.path, { force: true });
    }
    this.main.write(`${this.annotations ? '\n ]' : ']'}${this.tail}\n`);
    this.main.commit();
  }

  abort(): void {
    this.main.abort();
    this.side.abort();
    rmSync(this.side.path, { force: true });
  }
}

/**
 * Writes an upload folder at `dir` atomically from images that `produce` hands to `add` one at a
 * time (awaited in order). Same files as `writeUploadFolder(dir, images, categories, options)`.
 * `cocoId` sets an image's COCO id (a shard keeps the ids of the whole dataset; see merge/upload.ts).
 *
 * @example
 *   await streamUploadFolder('busi-upload', categories, { format: 'coco' }, (add) =>
 *     extractBoxes(dataset, { onImage: add }).then(() => undefined));
 * @throws BusToolsError `NAME_COLLISION` (after reading, before anything is in place), `WRITE_FAILED`.
 */
export async function streamUploadFolder(
  dir: string,
  categories: readonly Category[],
  options: UploadFolderOptions,
  produce: (add: (image: AnnotatedImage, cocoId?: number) => void) => Promise<void>,
): Promise<UploadFolderResult> {
  // Clashes: the output file two images would share (`images/x.png`, or `annotations/x.xml` for
  // x.png and x.jpg), and the image that came second.
  const clashes: Array<{ output: string; path: string }> = [];
  let images = 0;
  let boxes = 0;
  let annotationFiles = 0;
  // The same rule as writeUploadFolder: an existing, non-empty folder only with `force`.
  assertReplaceable(dir, 'folder', options.force ?? false, 'the upload folder');
  await writeFolderAtomic(dir, async (tmp) => {
    mkdirSync(join(tmp, 'images'));
    const made = new Set<string>();
    const subfolder = (name: string) => {
      if (!made.has(name)) mkdirSync(join(tmp, name), { recursive: true });
      made.add(name);
    };
    let csv: AtomicFileWriter | undefined;
    let coco: CocoJsonWriter | undefined;
    // Upload name and image path of each image, one JSON array a line: read only to name clashes.
    let sources: AtomicFileWriter | undefined;
    // A per-image annotation file, never replacing one: false when another image wrote it already.
    const writeOnce = (file: string, text: string) => {
      try {
        writeFileSync(join(tmp, file), text, { flag: 'wx' });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw new BusToolsError('WRITE_FAILED', `${join(tmp, file)}: cannot be written (${describeError(err)})`, { file: join(tmp, file), cause: err });
      }
    };
    const categoryIds = cocoCategoryIds(categories);
    const add = (img: AnnotatedImage, cocoId?: number) => {
      if (!img.path) throw new BusToolsError('INVALID_PARAMETER', `${img.fileName}: no image file to copy`);
      if (!copyOrLink(img.path, join(tmp, 'images', img.fileName), options.link, 'the upload folder')) clashes.push({ output: `images/${img.fileName}`, path: img.path });
      sources!.write(`${JSON.stringify([img.fileName, img.path])}\n`);
      images++;
      boxes += img.boxes.length;
      if (csv) csv.write(datatureCsvRows(img, options.format === 'datature-csv-wh' ? 'width-height' : 'four-corner'));
      else if (coco) {
        const next = coco.nextIds;
        const entries = cocoEntries(img, cocoId ?? next.image, next.annotation, categoryIds, categories);
        coco.addImage(entries.image, entries.annotations);
      } else {
        const file = annotationFileOf(options.format, img.fileName)!;
        subfolder(file.slice(0, file.indexOf('/')));
        if (writeOnce(file, options.format === 'voc' ? toVoc(img) : toYolo(img, categories))) annotationFiles++;
        else clashes.push({ output: file, path: img.path });
      }
      options.onProgress?.(images, images);
    };
    try {
      sources = openFileAtomic(join(tmp, '.sources.jsonl'));
      if (options.format === 'datature-csv-wh' || options.format === 'datature-csv-4c') {
        csv = openFileAtomic(join(tmp, 'annotations.csv'));
        csv.write(datatureCsvHeader(options.format === 'datature-csv-wh' ? 'width-height' : 'four-corner'));
      } else if (options.format === 'coco') coco = new CocoJsonWriter(join(tmp, 'annotations.json'), categories);
      await produce(add);
      if (clashes.length) {
        sources.commit();
        throw uploadNameClashError(await describeClashes(sources.path, clashes, options.format));
      }
      if (csv) csv.commit();
      else if (coco) coco.commit();
      else if (options.format === 'yolo') writeFileSync(join(tmp, 'classes.txt'), toYoloClasses(categories));
      if (csv || coco || options.format === 'yolo') annotationFiles++;
    } finally {
      csv?.abort();
      coco?.abort();
      sources?.abort();
      if (sources) rmSync(sources.path, { force: true });
    }
    writeFileSync(join(tmp, 'UPLOAD.md'), uploadInstructions(options.format, images, boxes, categories));
  });
  return { dir, images, boxes, annotationFiles };
}

/** The per-image annotation file of `fileName` in a VOC or YOLO upload folder; none for the others. */
function annotationFileOf(format: UploadFolderOptions['format'], fileName: string): string | undefined {
  if (format === 'voc') return `annotations/${vocFileName(fileName)}`;
  if (format === 'yolo') return `labels/${yoloFileName(fileName)}`;
  return undefined;
}

/**
 * `"name": first path and clashing path` for each clash (the name: the image's upload name, or the
 * annotation file two images would share), the first paths read from the side file.
 */
async function describeClashes(sourcesFile: string, clashes: ReadonlyArray<{ output: string; path: string }>, format: UploadFolderOptions['format']): Promise<string[]> {
  const first = new Map<string, string | undefined>(clashes.map((c) => [c.output, undefined]));
  const lines = createInterface({ input: createReadStream(sourcesFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const [name, path] = JSON.parse(line) as [string, string];
    for (const output of [`images/${name}`, annotationFileOf(format, name)]) {
      if (output !== undefined && first.has(output) && first.get(output) === undefined) first.set(output, path);
    }
  }
  return clashes.map((c) => `"${c.output.startsWith('images/') ? c.output.slice('images/'.length) : c.output}": ${first.get(c.output) ?? '?'} and ${c.path}`);
}

/**
 * Writes an upload folder at `dir` atomically (built beside it, then swapped in).
 * Every image must have `path` set. Inputs are only read: `dir` may not be, contain or lie inside
 * a folder the images come from, and an existing `dir` that is not empty is replaced only with
 * `force`. Both are checked before anything is written.
 *
 * @example
 *   const { images, categories } = await extractBoxes(await discoverDataset(root));
 *   await writeUploadFolder('busi-upload', images, categories, { format: 'datature-csv-wh' });
 * @throws BusToolsError `OUTPUT_EXISTS`, `OUTPUT_OVERLAPS_INPUT`, `NAME_COLLISION`, `WRITE_FAILED`.
 */
export async function writeUploadFolder(
  dir: string,
  images: readonly AnnotatedImage[],
  categories: readonly Category[],
  options: UploadFolderOptions,
): Promise<UploadFolderResult> {
  checkArgument('writeUploadFolder', dir, isPath, 'an output folder path such as "busi-upload"');
  checkArgument('writeUploadFolder', images, Array.isArray, 'an array of images such as extractBoxes(…) returns in `images`');
  checkArgument('writeUploadFolder', categories, Array.isArray, 'an array of categories such as extractBoxes(…) returns in `categories`');
  checkArgument('writeUploadFolder', options, isRecord, 'an options object such as { format: "datature-csv-wh" }');
  assertUniqueUploadNames(images);
  for (const from of new Set(images.flatMap((img) => (img.path ? [dirname(img.path)] : [])))) {
    assertOutsideInput(dir, from, { flag: 'the upload folder', input: 'the image folder' });
  }
  const { onProgress } = options;
  return streamUploadFolder(dir, categories, { ...options, onProgress: onProgress && ((done) => onProgress(done, images.length)) }, async (add) => {
    for (const img of images) add(img);
  });
}
