#!/usr/bin/env node
/**
 * Where masks2csv's and export's memory goes: the peak RSS of listing a dataset (`discoverDataset`)
 * alone, or of listing and extracting its boxes without keeping them (`extractBoxes` with `onImage`),
 * and the bytes each listed image keeps alive after a GC.
 *
 *   node --expose-gc tools/bench/discover-memory.js DIR [discover|extract]
 *
 * DIR: a set from `node tools/make-fixtures.js --out DIR --count N --size 64`. Run `npx tsc -b` first.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [dir, mode = 'discover'] = process.argv.slice(2);
if (!dir || !['discover', 'extract'].includes(mode)) {
  console.error('usage: node --expose-gc tools/bench/discover-memory.js DIR [discover|extract]');
  process.exit(2);
}
const core = await import(join(ROOT, 'packages/core/dist/index.js'));
globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
const ds = await core.discoverDataset(dir);
globalThis.gc?.();
const live = globalThis.gc ? Math.round((process.memoryUsage().heapUsed - before) / ds.images.length) : null;
if (mode === 'extract') await core.extractBoxes(ds, { includeNormal: true, onImage: () => {} });
console.log(JSON.stringify({ mode, images: ds.images.length, peakRssMB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10, liveBytesPerImage: live }));
