/**
 * What every Datature upload folder has: the images (copied, never the masks), the annotation
 * file(s) in the chosen format, and UPLOAD.md saying which import option to choose and in which
 * order. The writers are in stream.ts.
 */
import { constants, copyFileSync, linkSync } from 'node:fs';
import type { ExportFormat } from '../constants.js';
import { BusToolsError, describeError } from '../errors.js';
import type { AnnotatedImage, Category } from '../dataset/types.js';
import { FORMATS } from '../formats/index.js';

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
  /** Annotation files written (one for CSV and COCO; for VOC and YOLO one per image, and classes.txt). */
  annotationFiles: number;
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

const exists = (err: unknown) => (err as NodeJS.ErrnoException).code === 'EEXIST';

/**
 * Copies `from` to `to` (a copy-on-write clone where the filesystem can), or hard-links it when `link`
 * is set and both are on one filesystem. Never replaces a file: returns false, writing nothing, when
 * `to` exists (how upload folders find two images of one name without keeping every name).
 * @throws BusToolsError `WRITE_FAILED` naming `from` and `into`.
 */
export function copyOrLink(from: string, to: string, link: boolean | undefined, into: string): boolean {
  try {
    if (link) {
      try {
        linkSync(from, to);
        return true;
      } catch (err) {
        if (exists(err)) return false;
        // another filesystem: copy
      }
    }
    copyFileSync(from, to, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    return true;
  } catch (cause) {
    if (exists(cause)) return false;
    throw new BusToolsError('WRITE_FAILED', `${from}: cannot be copied into ${into} (${describeError(cause)})`, { file: from, cause });
  }
}
