#!/usr/bin/env node
/**
 * Where masks2csv's and export's memory goes: the peak RSS of listing a dataset in full
 * (`discoverDataset`), of scanning it (`scanDataset`, which keeps no image) and walking its images
 * once, or of scanning it and extracting every image's boxes without keeping them (`extractBoxes`
 * with `onImage`, what masks2csv and export do), the bytes the listing keeps alive after a GC, and
 * (scan) the arrays outside the heap a scan keeps for reading its largest folder.
 *
 *   node --expose-gc tools/bench/discover-memory.js DIR [discover|scan|extract]
 *
 * DIR: a set from `node tools/make-fixtures.js --out DIR --count N --size 64`. Run `npx tsc -b` first.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [dir, mode = 'discover'] = process.argv.slice(2);
if (!dir || !['discover', 'scan', 'extract'].includes(mode)) {
  console.error('usage: node --expose-gc tools/bench/discover-memory.js DIR [discover|scan|extract]');
  process.exit(2);
}
const core = await import(join(ROOT, 'packages/core/dist/index.js'));
const liveSince = (before) => {
  globalThis.gc?.();
  return globalThis.gc ? process.memoryUsage().heapUsed - before : null;
};
globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
const listing = mode === 'discover' ? await core.discoverDataset(dir) : await core.scanDataset(dir);
const images = mode === 'discover' ? listing.images.length : listing.size;
const live = liveSince(before);
let scratchMB = null;
if (mode === 'scan') {
  for (const image of listing.images) void image;
  globalThis.gc?.();
  if (globalThis.gc) scratchMB = Math.round(process.memoryUsage().arrayBuffers / 1024 / 10.24) / 100;
}
if (mode === 'extract') await core.extractBoxes(listing, { includeNormal: true, onImage: () => {} });
console.log(
  JSON.stringify({
    mode,
    images,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
    liveBytesPerImage: live === null ? null : Math.round(live / images),
    ...(mode === 'scan' ? { arrayBuffersMB: scratchMB } : {}),
  }),
);
