/** Finding the images to predict on: a file, a folder, or a glob pattern. */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative, resolve, sep } from 'node:path';
import { BusToolsError, naturalCompare } from '@bus-tools/core';

// fast-glob is loaded only when the input is a pattern.
const require = createRequire(import.meta.url);

/** Extensions sharp decodes that detection inputs come in. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'] as const;
/** BUSI ground-truth masks (`benign (4)_mask.png`, `benign (4)_mask_1.png`) are not images to predict on. */
export const MASK_FILE = /_mask(_\d+)?\.[a-z]+$/i;

export interface ImageList {
  /** The folder names are relative to (the file's folder for a single file). */
  root: string;
  /** Absolute paths, in natural order of their relative paths. */
  files: string[];
  /** Mask files that were left out. */
  masksSkipped: number;
}

const isImage = (name: string) => (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());

/** The folder a pattern is rooted at: its leading segments without glob characters. */
function patternBase(pattern: string): string {
  const parts = pattern.split('/');
  const i = parts.findIndex((part) => /[*?[\]{}()!]/.test(part));
  return resolve(parts.slice(0, i < 0 ? parts.length : i).join('/') || '.');
}

function listPattern(input: string): ImageList {
  const fg = require('fast-glob') as typeof import('fast-glob');
  const root = patternBase(input);
  let masksSkipped = 0;
  const files = fg
    .sync(input, { absolute: true, onlyFiles: true, dot: false, followSymbolicLinks: true })
    .filter((p) => isImage(p) && (MASK_FILE.test(p) ? (masksSkipped++, false) : true));
  if (files.length === 0) {
    throw new BusToolsError('NO_IMAGES', `--input ${input}: the pattern matches no images (${IMAGE_EXTENSIONS.join(', ')}${masksSkipped ? `; ${masksSkipped} mask files are not predicted on` : ''}).`, { file: root });
  }
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  files.sort((a, b) => naturalCompare(rel(a), rel(b)));
  return { root, files, masksSkipped };
}

/**
 * The images under `input` (a file, a folder searched recursively, or a fast-glob pattern such as
 * `scans/malignant*.png` when no file of that name exists; hidden entries skipped), without BUSI
 * mask files, in natural order (`benign (2)` before `benign (10)`). A pattern's relative paths start
 * at its folder part (`scans/`).
 * @throws BusToolsError `INPUT_NOT_FOUND`, `NO_IMAGES` (a folder or pattern without images).
 */
export function listImages(input: string): ImageList {
  const abs = resolve(input);
  let st;
  try {
    st = statSync(abs);
  } catch {
    if (/[*?[\]{}]/.test(input)) return listPattern(input);
    throw new BusToolsError('INPUT_NOT_FOUND', `--input ${input}: no such file or folder`, { file: abs });
  }
  if (st.isFile()) return { root: resolve(abs, '..'), files: [abs], masksSkipped: 0 };
  const files: string[] = [];
  let masksSkipped = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (isImage(e.name)) {
        if (MASK_FILE.test(e.name)) masksSkipped++;
        else files.push(p);
      }
    }
  };
  walk(abs);
  if (files.length === 0) {
    throw new BusToolsError(
      'NO_IMAGES',
      `--input ${input}: no images found (looked for ${IMAGE_EXTENSIONS.join(', ')} in it and its subfolders${masksSkipped ? `; ${masksSkipped} mask files are not predicted on` : ''}).`,
      { file: abs },
    );
  }
  const rel = (p: string) => relative(abs, p).split(sep).join('/');
  files.sort((a, b) => naturalCompare(rel(a), rel(b)));
  return { root: abs, files, masksSkipped };
}
