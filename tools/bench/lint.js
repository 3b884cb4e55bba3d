#!/usr/bin/env node
/**
 * `npm run bench:lint`: lint speed on ../shared/busi (decoding + hashing, and pairing, timed
 * separately) and how duplicate pairing scales with 1k / 10k / 100k synthetic 64-bit hashes.
 *
 * Uses the built @bus-tools/core (`npx tsc -b` first). Prints medians of --runs runs (default 3 for
 * the dataset, 3 for each synthetic size). Synthetic hashes are uniform random (seeded), plus 5 %
 * near copies with 0–16 flipped bits, so every size has real pairs to find. Brute force (all
 * n(n−1)/2 comparisons) is timed up to 10k and extrapolated beyond.
 *
 * Options: --runs N, --sizes 1000,10000,100000, --radius 16, --busi DIR, --json.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverDataset, fingerprintImages, findDuplicates, hamming64, lintDataset, pairsWithinRadius } from '@bus-tools/core';
import { syntheticHashes } from '../../fixtures/synthetic-hashes.js';
import { benchArgs } from './args.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const { args, opt } = benchArgs();
const RUNS = Number(opt('--runs', 3));
const SIZES = String(opt('--sizes', '1000,10000,100000')).split(',').map(Number);
const RADIUS = Number(opt('--radius', 16));
const BUSI = resolve(opt('--busi', join(HERE, '../../../shared/busi/Dataset_BUSI_with_GT')));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
const ms = (v) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;

function bruteForce({ hi, lo }, r) {
  let found = 0;
  for (let i = 0; i < hi.length; i++) for (let j = i + 1; j < hi.length; j++) if (hamming64(hi[i], lo[i], hi[j], lo[j]) <= r) found++;
  return found;
}

const report = { machine: `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, node ${process.version}`, runs: RUNS, radius: RADIUS, busi: null, scaling: [] };

if (existsSync(BUSI)) {
  const ds = await discoverDataset(BUSI);
  const hash = [];
  const pair = [];
  const whole = [];
  let groups = 0;
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    const { fingerprints } = await fingerprintImages(ds.images, { concurrency: 4 });
    hash.push(performance.now() - t);
    const dup = findDuplicates(fingerprints, { maxDistance: RADIUS });
    pair.push(dup.pairMs);
    groups = dup.groups.length;
    t = performance.now();
    await lintDataset(BUSI);
    whole.push(performance.now() - t);
  }
  report.busi = { images: ds.images.length, groups, hashMs: median(hash), pairMs: median(pair), lintMs: median(whole) };
  console.log(`BUSI (${ds.images.length} images): decode + hash ${ms(median(hash))}, pairing ${ms(median(pair))} (${groups} groups), whole lint ${ms(median(whole))}`);
} else console.log(`BUSI: ${BUSI} absent, skipped`);

for (const n of SIZES) {
  const h = syntheticHashes(n, 20240601 + n);
  const times = [];
  let res;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    res = pairsWithinRadius(h, RADIUS);
    times.push(performance.now() - t);
  }
  let bruteMs;
  let bruteNote = 'extrapolated';
  if (n <= 10000) {
    const t = performance.now();
    const found = bruteForce(h, RADIUS);
    bruteMs = performance.now() - t;
    bruteNote = 'measured';
    if (found !== res.a.length) throw new Error(`index found ${res.a.length} pairs, brute force ${found}`);
  }
  const row = { n, chunks: res.chunks, pairs: res.a.length, comparisons: res.comparisons, bruteComparisons: (n * (n - 1)) / 2, ms: median(times), bruteMs, bruteNote };
  report.scaling.push(row);
}
const last10k = report.scaling.find((r) => r.n === 10000)?.bruteMs;
for (const r of report.scaling) {
  if (r.bruteMs === undefined && last10k) r.bruteMs = (last10k * r.bruteComparisons) / ((10000 * 9999) / 2);
  console.log(
    `n=${r.n}: ${ms(r.ms)} (${r.chunks} chunks, ${r.comparisons} comparisons = ${((100 * r.comparisons) / r.bruteComparisons).toFixed(1)} % of brute force, ${r.pairs} pairs ≤ ${RADIUS}); brute force ${r.bruteMs ? ms(r.bruteMs) : '?'} (${r.bruteNote})`,
  );
}
console.log(report.machine);
if (args.includes('--json')) console.log(JSON.stringify(report));
