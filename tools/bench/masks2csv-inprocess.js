#!/usr/bin/env node
/**
 * One in-process measurement for `npm run bench`, in a fresh process (cold JIT, as a real run):
 *   extract  discoverDataset + extractBoxes (what masks2csv does between start-up and writing)
 *   decode   discoverDataset + read and decode (inflate + unfilter) the same masks, nothing else
 * Prints the milliseconds spent after module loading.
 *
 *   node tools/bench/masks2csv-inprocess.js extract|decode DATASET_ROOT
 */
import { readFileSync } from 'node:fs';
import { decodePngRows, discoverDataset, extractBoxes } from '@bus-tools/core';

const [mode, root] = process.argv.slice(2);
const t0 = performance.now();
const dataset = await discoverDataset(root);
if (mode === 'extract') await extractBoxes(dataset);
else {
  for (const img of dataset.images) {
    if (img.label !== 'benign' && img.label !== 'malignant') continue;
    for (const m of img.masks) decodePngRows(readFileSync(m.path), m.path);
  }
}
process.stdout.write(`${(performance.now() - t0).toFixed(1)}\n`);
