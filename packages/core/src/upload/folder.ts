/**
 * A complete Datature upload folder: the images (copied, never the masks), the annotation file(s)
 * in the chosen format, and UPLOAD.md saying which import option to choose and in which order.
 */
import { constants, copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertOutsideInput, assertReplaceable, writeFolderAtomic } from '../atomic.js';
import type { ExportFormat } from '../constants.js';
import { BusToolsError, describeError } from '../errors.js';
import type { AnnotatedImage, Category } from '../dataset/types.js';
import { FORMATS } from '../formats/index.js';
import { checkArgument, isPath, isRecord } from '../validate.js';

export interface UploadFolderOptions {
  format: ExportFormat;
  /** Hard-link images instead of copying them (same filesystem only; falls back to copying). */
  link?: boolean;
  /** Replace `dir` if it exists and is not empty. Default false: `OUTPUT_EXISTS`. */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface UploadFolderResult {
  dir: string;
  images: number;
  boxes: number;
  /** Files written, relative to `dir`. */
  annotationFiles: string[];
}

/**
 * Throws when two images would upload under the same file name (Datature matches by name, so one
 * would receive the other's boxes).
 */
export function assertUniqueUploadNames(images: readonly AnnotatedImage[]): void {
  const seen = new Map<string, AnnotatedImage>();
  const clashes: string[] = [];
  for (const img of images) {
    const prev = seen.get(img.fileName);
    if (prev) clashes.push(`"${img.fileName}": ${prev.path ?? '?'} and ${img.path ?? '?'}`);
    else seen.set(img.fileName, img);
  }
  if (clashes.length) throw uploadNameClashError(clashes);
}

/** The `NAME_COLLISION` error for clashes written `"name": path1 and path2`. */
export function uploadNameClashError(clashes: readonly string[]): BusToolsError {
  return new BusToolsError(
    'NAME_COLLISION',
    `${clashes.length} upload name(s) used by two images; Datature matches annotations by file name, so rename one of each pair:\n  ${clashes.join('\n  ')}`,
  );
}

/** The text of UPLOAD.md for a folder in `format`. */
export function uploadInstructions(format: ExportFormat, images: number, boxes: number, categories: readonly Category[]): string {
  const f = FORMATS[format];
  return `# Upload to Datature

Made by bus-tools: ${images} images, ${boxes} boxes, classes ${categories.map((c) => `${c.name} (${c.id})`).join(', ')}.

1. **Images first.** In your Datature project's dataset, upload every file in \`images/\`.
   Annotations are matched to images by file name, so upload the files as they are, without
   renaming them.
2. **Then the annotations.** Open the *Annotations* tab (top of the Datasets page), choose the
   import format **${f.datatureOption}**, press *Upload Annotations* and give it
   ${f.annotationUpload}.
${format === 'datature-csv-wh' ? `
   This file holds *width and height* columns (\`filename,xmin,ymin,width,height,label\`). Do not
   import it as "CSV Four Corner": that reads width as xmax and produces invalid boxes. For the
   Four-Corner option, export with \`--format datature-csv-4c\`.
` : ''}${format === 'datature-csv-4c' ? `
   This file holds *corner* columns (\`filename,xmin,ymin,xmax,ymax,label\`, xmax = xmin + width).
   Do not import it as "CSV Width Height".
` : ''}
Contents: ${f.summary}.
`;
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
  assertReplaceable(dir, 'folder', options.force ?? false, 'the upload folder');
  const spec = FORMATS[options.format];
  const files = spec.write(images, categories);
  const boxes = images.reduce((n, img) => n + img.boxes.length, 0);
  await writeFolderAtomic(dir, async (tmp) => {
    mkdirSync(join(tmp, 'images'));
    let done = 0;
    for (const img of images) {
      if (!img.path) throw new BusToolsError('INVALID_PARAMETER', `${img.fileName}: no image file to copy`);
      copyOrLink(img.path, join(tmp, 'images', img.fileName), options.link, 'the upload folder');
      options.onProgress?.(++done, images.length);
    }
    for (const f of files) {
      const target = join(tmp, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
    }
    writeFileSync(join(tmp, 'UPLOAD.md'), uploadInstructions(options.format, images.length, boxes, categories));
  });
  return { dir, images: images.length, boxes, annotationFiles: files.map((f) => f.path) };
}

/**
 * Copies `from` to `to` (a copy-on-write clone where the filesystem can), or hard-links it when `link`
 * is set and both are on one filesystem.
 * @throws BusToolsError `WRITE_FAILED` naming `from` and `into`.
 */
export function copyOrLink(from: string, to: string, link: boolean | undefined, into: string): void {
  try {
    if (link) {
      try {
        linkSync(from, to);
        return;
      } catch {
        // another filesystem: copy
      }
    }
    copyFileSync(from, to, constants.COPYFILE_FICLONE);
  } catch (cause) {
    throw new BusToolsError('WRITE_FAILED', `${from}: cannot be copied into ${into} (${describeError(cause)})`, { file: from, cause });
  }
}
