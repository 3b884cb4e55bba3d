/**
 * An upload folder written one image at a time, so that memory stays flat however many images a
 * dataset has: each image is copied and its annotation rows or files written as it arrives. The
 * folder's files are byte for byte those `writeUploadFolder` writes for the same images in the same
 * order. COCO needs every image before the annotations, so its annotations go to a side file that is
 * appended at the end; only one file name and path per image are kept (to refuse name clashes).
 */
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFileAtomic, type AtomicFileWriter } from '../atomic-stream.js';
import { assertReplaceable, writeFolderAtomic } from '../atomic.js';
import type { AnnotatedImage, Category } from '../dataset/types.js';
import { BusToolsError } from '../errors.js';
import { datatureCsvHeader, datatureCsvRows } from '../formats/datature-csv.js';
import { toCoco, type CocoAnnotation, type CocoDataset, type CocoImage } from '../formats/coco.js';
import { toVoc, vocFileName } from '../formats/voc.js';
import { toYolo, toYoloClasses, yoloFileName } from '../formats/yolo.js';
import { copyOrLink, uploadInstructions, uploadNameClashError, type UploadFolderOptions, type UploadFolderResult } from './folder.js';

/** One entry of a JSON array as `JSON.stringify(…, null, 1)` lays it out two levels down. */
const arrayEntry = (value: unknown) => JSON.stringify(value, null, 1).replace(/^/gm, '  ');

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

  /**
   * Adds one image with the id `id` (default: the next, from 1); its annotations get the image's id
   * and ids that follow the earlier annotations'.
   */
  addImage(image: CocoImage, annotations: readonly CocoAnnotation[], imageId?: number): void {
    const id = imageId ?? this.images + 1;
    this.main.write(`${++this.images > 1 ? ',' : ''}\n${arrayEntry({ ...image, id })}`);
    for (const a of annotations) this.side.write(`${++this.annotations > 1 ? ',' : ''}\n${arrayEntry({ ...a, id: this.annotations, image_id: id })}`);
  }

  /** Appends the annotations and the categories and renames the file into place. */
  commit(): void {
    this.main.write(this.images ? '\n ],\n "annotations": [' : '],\n "annotations": [');
    this.side.commit();
    const fd = openSync(this.side.path, 'r');
    try {
      const chunk = Buffer.alloc(1 << 16);
      for (let n; (n = readSync(fd, chunk)) > 0; ) this.main.write(chunk.toString('utf8', 0, n));
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
  const seen = new Map<string, string>(); // upload name → image path: one small record per image
  const clashes: string[] = [];
  let images = 0;
  let boxes = 0;
  const annotationFiles: string[] = [];
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
    if (options.format === 'datature-csv-wh' || options.format === 'datature-csv-4c') {
      csv = openFileAtomic(join(tmp, 'annotations.csv'));
      csv.write(datatureCsvHeader(options.format === 'datature-csv-wh' ? 'width-height' : 'four-corner'));
    } else if (options.format === 'coco') coco = new CocoJsonWriter(join(tmp, 'annotations.json'), categories);
    const add = (img: AnnotatedImage, cocoId?: number) => {
      if (!img.path) throw new BusToolsError('INVALID_PARAMETER', `${img.fileName}: no image file to copy`);
      const prev = seen.get(img.fileName);
      if (prev !== undefined) clashes.push(`"${img.fileName}": ${prev} and ${img.path}`);
      else seen.set(img.fileName, img.path);
      images++;
      boxes += img.boxes.length;
      copyOrLink(img.path, join(tmp, 'images', img.fileName), options.link, 'the upload folder');
      if (csv) csv.write(datatureCsvRows(img, options.format === 'datature-csv-wh' ? 'width-height' : 'four-corner'));
      else if (coco) {
        const one = toCoco([img], categories);
        coco.addImage(one.images[0], one.annotations, cocoId);
      } else if (options.format === 'voc') {
        const file = `annotations/${vocFileName(img.fileName)}`;
        subfolder('annotations');
        writeFileSync(join(tmp, file), toVoc(img));
        annotationFiles.push(file);
      } else {
        const file = `labels/${yoloFileName(img.fileName)}`;
        subfolder('labels');
        writeFileSync(join(tmp, file), toYolo(img, categories));
        annotationFiles.push(file);
      }
      options.onProgress?.(images, images);
    };
    try {
      await produce(add);
      if (clashes.length) throw uploadNameClashError(clashes);
      if (csv) {
        csv.commit();
        annotationFiles.push('annotations.csv');
      } else if (coco) {
        coco.commit();
        annotationFiles.push('annotations.json');
      } else if (options.format === 'yolo') {
        writeFileSync(join(tmp, 'classes.txt'), toYoloClasses(categories));
        annotationFiles.unshift('classes.txt');
      }
    } finally {
      csv?.abort();
      coco?.abort();
    }
    writeFileSync(join(tmp, 'UPLOAD.md'), uploadInstructions(options.format, images, boxes, categories));
  });
  return { dir, images, boxes, annotationFiles };
}

