/**
 * Outputs are never half-written: files go to a temporary name beside the target and are renamed
 * into place; folders are built beside the target and swapped in whole.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  try {
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(tmp);
  } catch (cause) {
    throw new BusToolsError('WRITE_FAILED', `${path}: cannot be created (${describeError(cause)})`, { file: path, cause });
  }
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

/** True when `child` is `parent` or lies inside it, comparing the paths as written (see `realPathOf`). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The real path of `path`, every symbolic link resolved, for a path that may not exist yet: the real
 * path of its nearest existing ancestor, then the rest as written.
 *
 * @example
 *   // with `out` a link to /data/busi:
 *   realPathOf('out/new/boxes.csv'); // '/data/busi/new/boxes.csv'
 */
export function realPathOf(path: string): string {
  const abs = resolve(path);
  let rest = '';
  for (let dir = abs; ; ) {
    try {
      return join(realpathSync(dir), rest);
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return abs;
      rest = rest ? join(basename(dir), rest) : basename(dir);
      dir = parent;
    }
  }
}

/**
 * Refuses an output `out` that lies inside the input `input` or is it, and, unless `mayContain`, one
 * that contains it. Real paths are compared (`realPathOf`), so a symbolic link in either path does
 * not get past the check. Every command checks its outputs with this.
 *
 * @param options.flag how the output was given, for the message (`-o`, `--report`).
 * @param options.input what `input` is, for the message: `the dataset` or `the input folder`.
 * @throws BusToolsError `OUTPUT_OVERLAPS_INPUT`.
 * @example
 *   assertOutsideInput('busi/boxes.csv', 'busi');
 *   // throws: -o busi/boxes.csv lies inside the dataset busi; bus-tools never writes into its inputs. Choose a folder outside it.
 */
export function assertOutsideInput(out: string, input: string, options: { flag?: string; input?: string; mayContain?: boolean } = {}): void {
  const { flag = '-o', input: what = 'the dataset' } = options;
  const realOut = realPathOf(out);
  const realInput = realPathOf(input);
  const via = (p: string, real: string) => (resolve(p) === real ? '' : ` (${real})`);
  if (isInside(realOut, realInput)) {
    throw new BusToolsError(
      'OUTPUT_OVERLAPS_INPUT',
      `${flag} ${out}${via(out, realOut)} lies inside ${what} ${input}${via(input, realInput)}; bus-tools never writes into its inputs. Choose a folder outside it.`,
      { file: out },
    );
  }
  if (!options.mayContain && isInside(realInput, realOut)) {
    throw new BusToolsError(
      'OUTPUT_OVERLAPS_INPUT',
      `${flag} ${out}${via(out, realOut)} contains ${what} ${input}${via(input, realInput)}; writing there would replace your inputs. Choose a new folder outside it.`,
      { file: out },
    );
  }
}

/**
 * Refuses to replace an existing output without `force`: a folder that holds anything (an empty
 * one is fine), any existing file, or a thing of the other kind whatever `force` says.
 * @param kind `file` or `folder`: what will be written at `out`.
 * @throws BusToolsError `OUTPUT_EXISTS`.
 */
export function assertReplaceable(out: string, kind: 'file' | 'folder', force: boolean, flag = '-o'): void {
  let st;
  try {
    st = statSync(out);
  } catch {
    return; // nothing there yet
  }
  if (kind === 'folder' && !st.isDirectory()) {
    throw new BusToolsError('OUTPUT_EXISTS', `${flag} ${out} is an existing file; the export needs a folder. Choose a new folder name.`, { file: out });
  }
  if (kind === 'file' && st.isDirectory()) {
    throw new BusToolsError('OUTPUT_EXISTS', `${flag} ${out} is a folder; give a file name such as ${join(out, 'annotations.csv')}.`, { file: out });
  }
  if (force || (kind === 'folder' && readdirSync(out).length === 0)) return;
  throw new BusToolsError('OUTPUT_EXISTS', `${flag} ${out} already exists; pass --force to replace it, or choose another name.`, { file: out });
}

/**
 * Refuses output paths that would touch the inputs (`assertOutsideInput`) or replace something
 * unasked (`assertReplaceable`).
 * @param kind `file` or `folder`: what the command will write at `out`.
 */
export function checkOutputPath(out: string, inputRoot: string, kind: 'file' | 'folder', force: boolean, flag = '-o'): void {
  assertOutsideInput(out, inputRoot, { flag });
  assertReplaceable(out, kind, force, flag);
}
