#!/usr/bin/env node
/**
 * `npm run bench:eval`: COCO bbox evaluation speed on a generated case the size of a large evaluation:
 * 5,000 images, ~8k ground-truth boxes, ~11k detections, two categories (benign, malignant).
 *
 * The case is seeded (same numbers every run). It times `evaluateCocoBbox` (COCOeval's evaluate +
 * accumulate + summarize, plus per-category AP/AP50 for every category) from the built
 * `@bus-tools/core`, so run `npx tsc -b` first. It prints the median of several runs and the
 * statistics, so a change in speed that is really a change in numbers shows.
 *
 * Options: --runs N (default 9), --json (machine-readable line), --write DIR (also writes gt.json and
 * dets.json there, to time other evaluators on the same case).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { evaluateCocoBbox, parseCocoGroundTruth, parseCocoResults, mulberry32 } from '@bus-tools/core';
import { benchArgs } from './args.js';

const { args, opt } = benchArgs();
const RUNS = Number(opt('--runs', 9));


export function makeCase(seed = 20240601, nImages = 5000) {
  const rand = mulberry32(seed);
  const round1 = (v) => Math.round(v * 10) / 10;
  const images = [];
  const annotations = [];
  const dets = [];
  for (let id = 1; id <= nImages; id++) {
    const width = 500 + Math.floor(rand() * 300);
    const height = 400 + Math.floor(rand() * 200);
    images.push({ id, file_name: `img (${id}).png`, width, height });
    // 0–3 lesions, mean ≈ 1.65
    const u = rand();
    const n = u < 0.08 ? 0 : u < 0.45 ? 1 : u < 0.82 ? 2 : 3;
    for (let j = 0; j < n; j++) {
      const w = 8 + rand() * 220;
      const h = 8 + rand() * 180;
      const x = rand() * (width - w);
      const y = rand() * (height - h);
      const cat = rand() < 0.6 ? 1 : 2;
      const bbox = [round1(x), round1(y), round1(w), round1(h)];
      annotations.push({ id: annotations.length + 1, image_id: id, category_id: cat, bbox, area: Math.round(w * h * 0.8), iscrowd: rand() < 0.01 ? 1 : 0 });
      // found 85% of the time, with a jittered box; sometimes with the wrong class
      if (rand() < 0.85) {
        const jx = (rand() - 0.5) * 0.3 * w;
        const jy = (rand() - 0.5) * 0.3 * h;
        const s = 0.8 + rand() * 0.4;
        const dcat = rand() < 0.15 ? 3 - cat : cat;
        dets.push({ image_id: id, category_id: dcat, bbox: [round1(x + jx), round1(y + jy), round1(w * s), round1(h * s)], score: Math.round(rand() * 1e4) / 1e4 });
      }
    }
    // false positives, mean ≈ 0.88 per image
    const nFp = Math.floor(rand() * 2.68);
    for (let j = 0; j < nFp; j++) {
      const w = 10 + rand() * 150;
      const h = 10 + rand() * 150;
      dets.push({ image_id: id, category_id: rand() < 0.5 ? 1 : 2, bbox: [round1(rand() * (width - w)), round1(rand() * (height - h)), round1(w), round1(h)], score: Math.round(rand() * 0.7 * 1e4) / 1e4 });
    }
  }
  const categories = [
    { id: 1, name: 'benign' },
    { id: 2, name: 'malignant' },
  ];
  return { gt: { images, annotations, categories }, dets };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const { gt, dets } = makeCase();
const gtText = JSON.stringify(gt);
const detsText = JSON.stringify(dets);
if (opt('--write')) {
  mkdirSync(opt('--write'), { recursive: true });
  writeFileSync(join(opt('--write'), 'gt.json'), gtText);
  writeFileSync(join(opt('--write'), 'dets.json'), detsText);
}

const evalTimes = [];
const withParseTimes = [];
let ev;
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  const g = parseCocoGroundTruth(JSON.parse(gtText), 'gt.json');
  const d = parseCocoResults(JSON.parse(detsText), 'dets.json');
  const t1 = performance.now();
  ev = evaluateCocoBbox(g, d);
  const t2 = performance.now();
  evalTimes.push(t2 - t1);
  withParseTimes.push(t2 - t0);
}

const result = {
  images: gt.images.length,
  gt: gt.annotations.length,
  dets: dets.length,
  runs: RUNS,
  evaluate_ms_median: Number(median(evalTimes).toFixed(1)),
  evaluate_ms_first: Number(evalTimes[0].toFixed(1)),
  with_json_parse_ms_median: Number(median(withParseTimes).toFixed(1)),
  AP: ev.stats.AP,
  AP50: ev.stats.AP50,
  per_category: ev.perCategory.map((c) => ({ category_id: c.categoryId, AP: c.AP, AP50: c.AP50 })),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  load_average_1min: Number(os.loadavg()[0].toFixed(2)),
};
if (args.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  console.log(`bench:eval  ${result.images} images, ${result.gt} ground-truth boxes, ${result.dets} detections, 2 categories`);
  console.log(`  evaluate (overall + per-category), median of ${RUNS}: ${result.evaluate_ms_median} ms  (first run ${result.evaluate_ms_first} ms)`);
  console.log(`  including JSON.parse and validation of both files:  ${result.with_json_parse_ms_median} ms`);
  console.log(`  AP ${ev.stats.AP.toFixed(4)}  AP50 ${ev.stats.AP50.toFixed(4)}  ` + ev.perCategory.map((c) => `${c.name} AP ${c.AP.toFixed(4)}`).join('  '));
  console.log(`  ${result.node} on ${result.cpu}, ${result.cores} cores, load average ${result.load_average_1min} (other work on the machine slows every figure)`);
}
