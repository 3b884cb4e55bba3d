/**
 * Outputs are never half-written: files go to a temporary name beside the target and are renamed
 * into place; folders are built beside the target and swapped in whole.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { BusToolsError, describeError } from './errors.js';

const tmpName = (path: string, tag: string) => join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${Date.now().toString(36)}`);

/** Writes `content` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = tmpName(path, 'tmp');
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw new BusToolsError('WRITE_FAILED', `${path}: cannot be written (${describeError(cause)})`, { file: path, cause });
  }
}

/**
 * Builds a folder at `path` atomically: `build` fills a fresh temporary folder beside it, which then
 * replaces `path`. If `build` throws, nothing at `path` changes.
 */
export async function writeFolderAtomic(path: string, build: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = tmpName(path, 'partial');
  mkdirSync(dirname(path), { recursive: true });
  mkdirSync(tmp);
  try {
    await build(tmp);
    if (existsSync(path)) {
      const old = tmpName(path, 'old');
      renameSync(path, old);
      renameSync(tmp, path);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** True when `child` is `parent` or lies inside it. */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Refuses output paths that would touch the inputs or clobber something unasked.
 * @param kind `file` or `folder`: what the command will write at `out`.
 */
export function checkOutputPath(out: string, inputRoot: string, kind: 'file' | 'folder', force: boolean, flag = '-o'): void {
  if (isInside(out, inputRoot)) {
    throw new BusToolsError('OUTPUT_OVERLAPS_INPUT', `${flag} ${out} lies inside the dataset ${inputRoot}; bus-tools never writes into its inputs. Choose a folder outside it.`, { file: out });
  }
  if (isInside(inputRoot, out)) {
    throw new BusToolsError('OUTPUT_OVERLAPS_INPUT', `${flag} ${out} contains the dataset ${inputRoot}; writing there would replace your inputs. Choose a new folder outside the dataset.`, { file: out });
  }
  if (!existsSync(out)) return;
  const st = statSync(out);
  if (kind === 'folder' && !st.isDirectory()) {
    throw new BusToolsError('OUTPUT_EXISTS', `${flag} ${out} is an existing file; the export needs a folder. Choose a new folder name.`, { file: out });
  }
  if (kind === 'file' && st.isDirectory()) {
    throw new BusToolsError('OUTPUT_EXISTS', `${flag} ${out} is a folder; give a file name such as ${join(out, 'annotations.csv')}.`, { file: out });
  }
  if (!force) {
    throw new BusToolsError('OUTPUT_EXISTS', `${flag} ${out} already exists; pass --force to replace it, or choose another name.`, { file: out });
  }
}
