#!/usr/bin/env node
/**
 * The "decode only" baseline for `npm run bench`: find the masks masks2csv reads by default (benign and
 * malignant), read each file and decode it (inflate + unfilter, no pixel classification, no boxes, no
 * output). `--inflate-only` stops after zlib: the floor, the least work any decoder must do. Imports only the decoder;
 * the masks are listed with one recursive readdirSync (no glob library to load). `--sharp` decodes
 * with sharp instead (to raw pixels, four at a time): the usual way to decode an image in Node, for
 * context; the 1.2x goal is measured against bus-tools' own decoder.
 *
 *   node tools/bench/decode-only.js DATASET_ROOT [--inflate-only | --sharp]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { decodePngRows } from '../../packages/core/dist/png/chunks.js';

const root = process.argv[2];
const inflateOnly = process.argv.includes('--inflate-only');
const withSharp = process.argv.includes('--sharp');
// `**/{benign,malignant}/*_mask*.png` below the root (BUSI nests the class folders in
// Dataset_BUSI_with_GT/), dot-files and dot-folders excluded as a glob would.
const MASK = /^(?:[^./][^/]*\/)*(?:benign|malignant)\/[^./][^/]*_mask[^/]*\.png$/;
const masks = readdirSync(root, { recursive: true })
  .filter((rel) => MASK.test(rel))
  .map((rel) => join(root, rel));
let bytes = 0;
if (withSharp) {
  const sharp = (await import('sharp')).default;
  for (let i = 0; i < masks.length; i += 4) {
    const out = await Promise.all(masks.slice(i, i + 4).map((p) => sharp(p).raw().toBuffer()));
    for (const b of out) bytes += b.length;
  }
}
for (const path of withSharp ? [] : masks) {
  const buf = readFileSync(path);
  if (inflateOnly) {
    // concatenate IDAT chunks and inflate, nothing else
    const parts = [];
    for (let pos = 8; pos + 8 <= buf.length; ) {
      const len = buf.readUInt32BE(pos);
      if (buf.toString('latin1', pos + 4, pos + 8) === 'IDAT') parts.push(buf.subarray(pos + 8, pos + 8 + len));
      pos += 12 + len;
    }
    bytes += inflateSync(Buffer.concat(parts)).length;
  } else bytes += decodePngRows(buf, path).data.length;
}
process.stdout.write(`${masks.length} masks, ${bytes} bytes decoded\n`);
