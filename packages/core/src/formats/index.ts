/**
 * The upload formats, each described once: its name on the command line, the option to pick in
 * Datature, where its files go in an upload folder, and how to read them back.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATATURE_OPTIONS, type ExportFormat } from '../constants.js';
import { BusToolsError } from '../errors.js';
import { readImageSize } from '../image.js';
import { naturalSortBy } from '../natural.js';
import type { AnnotatedImage, Category } from '../dataset/types.js';
import { fromCoco, toCoco } from './coco.js';
import { fromDatatureCsv, toDatatureCsv, type DatatureCsvLayout } from './datature-csv.js';
import { fromVoc, toVoc, vocFileName } from './voc.js';
import { fromYolo, toYolo, toYoloClasses, yoloFileName } from './yolo.js';

export * from './coco.js';
export * from './datature-csv.js';
export * from './voc.js';
export * from './yolo.js';

/** A file of an upload folder, path relative to the folder. */
export interface OutputFile {
  path: string;
  content: string;
}

export interface FormatSpec {
  name: ExportFormat;
  /** The import option's name in Datature. */
  datatureOption: string;
  /** One line for `--help` and UPLOAD.md. */
  summary: string;
  /** What to select when uploading the annotations. */
  annotationUpload: string;
  write(images: readonly AnnotatedImage[], categories: readonly Category[]): OutputFile[];
  /** Reads an upload folder written by `write` (sizes from the annotations; 0 where a format has none). */
  read(dir: string): Promise<AnnotatedImage[]>;
}

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${path}: cannot be read`, { file: path, cause });
  }
};

/** Reads `annotations.csv` of an upload folder, insisting on the layout its format promises. */
function readCsvFolder(dir: string, layout: DatatureCsvLayout): AnnotatedImage[] {
  const path = join(dir, 'annotations.csv');
  const r = fromDatatureCsv(readText(path), path);
  if (r.layout !== layout) throw new BusToolsError('BAD_CSV', `${path}: expected the ${layout} layout but found ${r.layout}`, { file: path });
  return r.images;
}

export const FORMATS: Record<ExportFormat, FormatSpec> = {
  'datature-csv-wh': {
    name: 'datature-csv-wh',
    datatureOption: DATATURE_OPTIONS['datature-csv-wh'],
    summary: 'annotations.csv with filename,xmin,ymin,width,height,label (the layout BUSI users publish)',
    annotationUpload: 'annotations.csv',
    write: (images) => [{ path: 'annotations.csv', content: toDatatureCsv(images, 'width-height') }],
    read: async (dir) => readCsvFolder(dir, 'width-height'),
  },
  'datature-csv-4c': {
    name: 'datature-csv-4c',
    datatureOption: DATATURE_OPTIONS['datature-csv-4c'],
    summary: 'annotations.csv with filename,xmin,ymin,xmax,ymax,label (xmax = xmin + width)',
    annotationUpload: 'annotations.csv',
    write: (images) => [{ path: 'annotations.csv', content: toDatatureCsv(images, 'four-corner') }],
    read: async (dir) => readCsvFolder(dir, 'four-corner'),
  },
  coco: {
    name: 'coco',
    datatureOption: DATATURE_OPTIONS.coco,
    summary: 'annotations.json (COCO: image sizes, categories, bbox [x,y,w,h], area = lesion pixels)',
    annotationUpload: 'annotations.json',
    write: (images, categories) => [{ path: 'annotations.json', content: `${JSON.stringify(toCoco(images, categories), null, 1)}\n` }],
    read: async (dir) => {
      const path = join(dir, 'annotations.json');
      let json: unknown;
      try {
        json = JSON.parse(readText(path));
      } catch (cause) {
        if (cause instanceof BusToolsError) throw cause;
        throw new BusToolsError('BAD_COCO', `${path}: not valid JSON`, { file: path, cause });
      }
      return fromCoco(json, path).images;
    },
  },
  voc: {
    name: 'voc',
    datatureOption: DATATURE_OPTIONS.voc,
    summary: 'annotations/<image>.xml, one Pascal VOC file per image (1-based coordinates)',
    annotationUpload: 'every file in annotations/',
    write: (images) => images.map((img) => ({ path: `annotations/${vocFileName(img.fileName)}`, content: toVoc(img) })),
    read: async (dir) => {
      const sub = join(dir, 'annotations');
      return readdirSync(sub)
        .filter((f) => f.endsWith('.xml'))
        .map((f) => fromVoc(readText(join(sub, f)), join(sub, f)));
    },
  },
  yolo: {
    name: 'yolo',
    datatureOption: DATATURE_OPTIONS.yolo,
    summary: 'labels/<image>.txt (class cx cy w h, normalized) and classes.txt',
    annotationUpload: 'classes.txt and every file in labels/',
    write: (images, categories) => [
      { path: 'classes.txt', content: toYoloClasses(categories) },
      ...images.map((img) => ({ path: `labels/${yoloFileName(img.fileName)}`, content: toYolo(img, categories) })),
    ],
    read: async (dir) => {
      // Label files carry no image size: take it from the images in the folder.
      const classes = readText(join(dir, 'classes.txt')).split(/\r?\n/).filter(Boolean);
      const out: AnnotatedImage[] = [];
      for (const fileName of naturalSortBy(readdirSync(join(dir, 'images')), (f) => f)) {
        const { width, height } = await readImageSize(join(dir, 'images', fileName));
        const path = join(dir, 'labels', yoloFileName(fileName));
        out.push({ fileName, width, height, boxes: fromYolo(readText(path), width, height, classes, path) });
      }
      return out;
    },
  },
};

