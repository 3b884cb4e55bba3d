/**
 * Finding the images to predict on: a file, a folder, or a glob pattern. Folders and patterns are
 * walked with core's `eachFile`, so predict sees what every other command sees: symbolic links
 * followed, each real file once, no loops.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { BusToolsError, describeError, eachFile } from '@bus-tools/core';

// The pattern matcher is fast-glob's own (micromatch, resolved from fast-glob's folder so it is the
// copy fast-glob depends on): patterns mean what they meant when fast-glob walked them. Loaded only
// when the input is a pattern.
const require = createRequire(import.meta.url);
type Matcher = (path: string) => boolean;
const loadMatcher = (): ((pattern: string, options: object) => Matcher) =>
  (createRequire(require.resolve('fast-glob'))('micromatch') as { matcher: (pattern: string, options: object) => Matcher }).matcher;

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

const GLOB_CHARS = /[*?[\]{}()!]/;

/** A pattern's folder (its leading segments without glob characters) and the rest, matched below it. */
function splitPattern(pattern: string): { base: string; rest: string } {
  const parts = pattern.split('/');
  const i = parts.findIndex((part) => GLOB_CHARS.test(part));
  return { base: resolve(parts.slice(0, i).join('/') || (pattern.startsWith('/') ? '/' : '.')), rest: parts.slice(i).join('/') };
}

/**
 * Walks `root` (at most `maxDepth` folder levels), keeping images that `keep` accepts, in natural
 * order of their relative paths; masks are counted, not kept.
 */
function collect(root: string, input: string, keep: (relPath: string) => boolean, maxDepth?: number): { files: string[]; masksSkipped: number } {
  // Files come one at a time; only the paths of the images kept are held.
  const files: string[] = [];
  let masksSkipped = 0;
  try {
    for (const f of eachFile(root, { maxDepth })) {
      if (!isImage(f.relPath) || !keep(f.relPath)) continue;
      if (MASK_FILE.test(f.relPath)) masksSkipped++;
      else files.push(f.path);
    }
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `--input ${input}: cannot be read (${describeError(cause)}). Check the folder's permissions.`, { file: root, cause });
  }
  return { files, masksSkipped };
}

function listPattern(input: string): ImageList {
  const { base: root, rest } = splitPattern(input);
  const match = loadMatcher()(rest, { dot: false, posix: true });
  let found = { files: [] as string[], masksSkipped: 0 };
  if (statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    found = collect(root, input, match, rest.includes('**') ? undefined : rest.split('/').length);
  }
  const { files, masksSkipped } = found;
  if (files.length === 0) {
    throw new BusToolsError('NO_IMAGES', `--input ${input}: the pattern matches no images (${IMAGE_EXTENSIONS.join(', ')}${masksSkipped ? `; ${masksSkipped} mask files are not predicted on` : ''}).`, { file: root });
  }
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
  const { files, masksSkipped } = collect(abs, input, () => true);
  if (files.length === 0) {
    throw new BusToolsError(
      'NO_IMAGES',
      `--input ${input}: no images found (looked for ${IMAGE_EXTENSIONS.join(', ')} in it and its subfolders${masksSkipped ? `; ${masksSkipped} mask files are not predicted on` : ''}).`,
      { file: abs },
    );
  }
  return { root: abs, files, masksSkipped };
}
