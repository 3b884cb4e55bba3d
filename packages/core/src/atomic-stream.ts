/**
 * An output file written as the work goes, still atomically: text is appended to a temporary file
 * beside the target (buffered, 64 KiB at a time, outside the JavaScript heap) and renamed into place
 * by `commit()`. Until then
 * the target is untouched; `abort()` (or a failed write) removes the temporary file.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BusToolsError, describeError } from './errors.js';

const FLUSH_AT = 64 * 1024;

export interface AtomicFileWriter {
  /** The file that `commit()` creates or replaces. */
  readonly path: string;
  /** Appends text. */
  write(text: string): void;
  /** Flushes, closes and renames the temporary file onto `path`. */
  commit(): void;
  /** Closes and removes the temporary file; `path` stays as it was. Safe to call twice. */
  abort(): void;
}

/**
 * Opens `path` for streamed, atomic writing.
 * @example
 *   const out = openFileAtomic('boxes.csv');
 *   try { out.write('filename,…\n'); for (const row of rows) out.write(row); out.commit(); } finally { out.abort(); }
 * @throws BusToolsError `WRITE_FAILED` naming the file.
 */
export function openFileAtomic(path: string): AtomicFileWriter {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  const fail = (cause: unknown) => new BusToolsError('WRITE_FAILED', `${path}: cannot be written (${describeError(cause)})`, { file: path, cause });
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
  } catch (cause) {
    throw fail(cause);
  }
  // Text is encoded into a buffer outside the JavaScript heap as it arrives, so pending output is not
  // a growing string the collector has to keep copying.
  const buffer = Buffer.allocUnsafe(FLUSH_AT);
  let used = 0;
  const close = () => {
    if (fd === undefined) return;
    const f = fd;
    fd = undefined;
    closeSync(f);
  };
  const writeOut = (bytes: Uint8Array) => {
    if (fd === undefined) throw fail(new Error('already closed'));
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    } catch (cause) {
      close();
      rmSync(tmp, { force: true });
      throw fail(cause);
    }
  };
  const flush = () => {
    if (used === 0) return;
    writeOut(buffer.subarray(0, used));
    used = 0;
  };
  let done = false;
  return {
    path,
    write(text) {
      // At most 3 bytes of UTF-8 per UTF-16 unit: text that may not fit is flushed first, and text
      // longer than the buffer goes out on its own.
      if (used + text.length * 3 > buffer.length) flush();
      if (text.length * 3 > buffer.length) writeOut(Buffer.from(text, 'utf8'));
      else used += buffer.write(text, used, 'utf8');
    },
    commit() {
      flush();
      try {
        close();
        renameSync(tmp, path);
        done = true;
      } catch (cause) {
        rmSync(tmp, { force: true });
        throw fail(cause);
      }
    },
    abort() {
      if (done) return;
      done = true;
      used = 0;
      try {
        close();
      } finally {
        rmSync(tmp, { force: true });
      }
    },
  };
}
