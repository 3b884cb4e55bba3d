/**
 * Lint across shards. `lint --shard I/N --fingerprints part.jsonl` writes what it learnt of each
 * image of its shard: the findings about the image alone and its fingerprint (pHash, exact-pixel
 * SHA-1, size, the 32×32 thumbnail as base64 float32, so the NCC is computed on the same numbers).
 * `mergeLintFingerprints` reads every shard's file and runs the checks across images once over all
 * of them (`finishLint`, the code `lint` itself ends with), so upload-name clashes, unusual sizes and
 * duplicates across shards are found as in one run.
 *
 * File layout, one JSON object per line: first `{ "format": "bus-tools-lint-fingerprints", "version": 1,
 * "root", "shard", "options", "structure" }`, then one `LintImageRecord` per image.
 */
import { readFileSync } from 'node:fs';
import { openFileAtomic } from '../atomic-stream.js';
import { BusToolsError, describeError } from '../errors.js';
import type { LintFinding } from '../lint/codes.js';
import type { DuplicateOptions, ImageFingerprint } from '../lint/duplicates.js';
import { finishLint, type LintImageRecord, type LintResult } from '../lint/lint.js';
import { naturalCompare, naturalSortBy } from '../natural.js';
import type { Shard } from '../shard.js';

const FORMAT = 'bus-tools-lint-fingerprints';

interface Header {
  format: typeof FORMAT;
  version: 1;
  root: string;
  shard: Shard | null;
  options: DuplicateOptions;
  structure: LintFinding[];
}

const encodeThumb = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64');
const decodeThumb = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** Writes a lint result's records as a fingerprints file (atomically). */
export function writeLintFingerprints(path: string, result: LintResult, shard: Shard | undefined, options: DuplicateOptions = {}): void {
  const out = openFileAtomic(path);
  try {
    const header: Header = { format: FORMAT, version: 1, root: result.root, shard: shard ?? null, options, structure: result.structure };
    out.write(`${JSON.stringify(header)}\n`);
    for (const r of result.records) {
      const fp = r.fingerprint ? { ...r.fingerprint, thumb: encodeThumb(r.fingerprint.thumb) } : undefined;
      out.write(`${JSON.stringify({ ...r, fingerprint: fp })}\n`);
    }
    out.commit();
  } finally {
    out.abort();
  }
}

/**
 * Reads the fingerprints files of every shard of one lint run and runs the checks across images over
 * all of them: the result one `lintDataset` over the whole dataset gives (timings aside).
 * @throws BusToolsError `INVALID_PARAMETER` when a file is not a fingerprints file, the shards were
 *   linted with different duplicate options or the same image is in two files.
 */
export function mergeLintFingerprints(files: readonly string[]): LintResult {
  let first: Header | undefined;
  const structure: LintFinding[] = [];
  const records: LintImageRecord[] = [];
  for (const file of files) {
    let lines: string[];
    try {
      lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch (cause) {
      throw new BusToolsError('UNREADABLE', `${file}: cannot be read (${describeError(cause)})`, { file, cause });
    }
    const bad = (why: string) => new BusToolsError('INVALID_PARAMETER', `${file}: ${why}; merge takes the files \`bus-tools lint --shard I/N --fingerprints FILE\` writes`, { file });
    let header: Header;
    try {
      header = JSON.parse(lines[0] ?? '') as Header;
    } catch {
      throw bad('not a lint fingerprints file');
    }
    if (header?.format !== FORMAT || header.version !== 1) throw bad('not a lint fingerprints file');
    first ??= header;
    if (JSON.stringify(header.options) !== JSON.stringify(first.options)) throw bad(`linted with other duplicate options (${JSON.stringify(header.options)}) than ${files[0]} (${JSON.stringify(first.options)})`);
    structure.push(...header.structure);
    for (const line of lines.slice(1)) {
      const r = JSON.parse(line) as LintImageRecord & { fingerprint?: ImageFingerprint & { thumb: string } };
      if (r.fingerprint) (r.fingerprint as unknown as ImageFingerprint).thumb = decodeThumb(r.fingerprint.thumb);
      records.push(r as LintImageRecord);
    }
  }
  if (!first) throw new BusToolsError('INVALID_PARAMETER', 'Expected at least one fingerprints file for merge but received none');
  naturalSortBy(records, (r) => r.relPath);
  for (let i = 1; i < records.length; i++) {
    if (records[i].relPath === records[i - 1].relPath) throw new BusToolsError('INVALID_PARAMETER', `${records[i].relPath} is in two fingerprints files; merge the shards of one run (each image is in one shard)`);
  }
  structure.sort((a, b) => naturalCompare(a.files[0] ?? '', b.files[0] ?? ''));
  return finishLint(first.root, structure, records, first.options);
}
