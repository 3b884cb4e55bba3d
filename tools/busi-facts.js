#!/usr/bin/env node
/**
 * The figures in docs/busi.md that `bus-tools lint --json` does not print, measured with the built
 * `@bus-tools/core` (run `npx tsc -b` first): how masks and images are encoded, how many masks each
 * image has, the smallest lesion and the largest speck, normal images' masks, image sizes, file names.
 *
 *   node tools/busi-facts.js [DATASET]     # default ../shared/busi/Dataset_BUSI_with_GT
 *
 * Prints one JSON object. Encodings are PNG colour type and bit depth (`gray 1-bit`, `RGB 8-bit`, …).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { components, decodeMaskPng, discoverDataset, DEFAULT_MIN_AREA, readPngHeader } from '@bus-tools/core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataset = resolve(process.argv[2] ?? join(ROOT, '..', 'shared', 'busi', 'Dataset_BUSI_with_GT'));
const COLOUR = { 0: 'gray', 2: 'RGB', 3: 'palette', 4: 'gray+alpha', 6: 'RGBA' };
const encoding = (h) => `${COLOUR[h.colorType] ?? `colour type ${h.colorType}`} ${h.bitDepth}-bit`;
const count = (o, k) => (o[k] = (o[k] ?? 0) + 1);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

const ds = await discoverDataset(dataset);
const facts = {
  dataset,
  images: ds.images.length,
  imagesByClass: {},
  imageEncodings: {},
  maskEncodingsByClass: {},
  masksPerImage: {},
  normalMasks: { masks: 0, empty: 0 },
  smallestLesion: { pixels: Infinity, mask: '' },
  specks: { masks: 0, components: 0, largestPixels: 0 },
  imageSize: {},
  namesWithSpace: 0,
  namesWithParentheses: 0,
};
const widths = [];
const heights = [];
const sizes = new Set();
for (const img of ds.images) {
  count(facts.imagesByClass, img.label);
  const h = readPngHeader(readFileSync(img.path), img.path);
  count(facts.imageEncodings, encoding(h));
  widths.push(h.width);
  heights.push(h.height);
  sizes.add(`${h.width}x${h.height}`);
  if (img.fileName.includes(' ')) facts.namesWithSpace++;
  if (/[()]/.test(img.fileName)) facts.namesWithParentheses++;
  count(facts.masksPerImage, img.masks.length);
  for (const m of img.masks) {
    const buf = readFileSync(m.path);
    count((facts.maskEncodingsByClass[img.label] ??= {}), encoding(readPngHeader(buf, m.path)));
    const areas = components(decodeMaskPng(buf, m.path)).map((c) => c.area).sort((a, b) => b - a);
    if (img.label === 'normal') {
      facts.normalMasks.masks++;
      if (areas.length === 0) facts.normalMasks.empty++;
      continue;
    }
    if (areas[0] < facts.smallestLesion.pixels) facts.smallestLesion = { pixels: areas[0], mask: m.path.slice(dataset.length + 1) };
    const specks = areas.filter((a) => a < DEFAULT_MIN_AREA);
    if (specks.length > 0) facts.specks.masks++;
    facts.specks.components += specks.length;
    facts.specks.largestPixels = Math.max(facts.specks.largestPixels, ...specks);
  }
}
facts.imageSize = {
  width: { min: Math.min(...widths), median: median(widths), max: Math.max(...widths) },
  height: { min: Math.min(...heights), median: median(heights), max: Math.max(...heights) },
  distinct: sizes.size,
};
console.log(JSON.stringify(facts, null, 2));
