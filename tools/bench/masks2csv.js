#!/usr/bin/env node
/**
 * `npm run bench`: masks2csv on the real BUSI data, as whole processes, next to
 *   - decode only: the same masks found, read and decoded (inflate + unfilter), nothing else;
 *   - inflate only: read + zlib of each mask's IDAT (the floor: the least work any decoder must do);
 *   - decode only with sharp: the same masks decoded by sharp, the usual Node way (context only);
 *   - a plain Python/OpenCV script doing the same job (tools/bench/masks2csv_opencv.py).
 * Rounds interleave the commands so machine noise hits all alike; medians and ratios are printed,
 * and the OpenCV output is checked to be identical to ours.
 *
 * `--baseline DIR` also runs masks2csv from another built checkout (e.g. the commit before a change) in the
 * same rounds, checks its CSV is identical and prints the ratio: a before/after figure from one run.
 *
 *   npm run bench [-- --rounds 11] [-- --baseline ../old-checkout] [-- DATASET_ROOT]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './args.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { args, opt } = benchArgs();
const rounds = Number(opt('--rounds', 11));
const baselineDir = opt('--baseline');
const baseline = baselineDir ? resolve(baselineDir) : undefined;
const dataset = resolve(args[0] ?? join(ROOT, '../shared/busi'));
if (!existsSync(dataset)) {
  console.error(`bench: ${dataset} not found; pass the BUSI folder (the one holding Dataset_BUSI_with_GT)`);
  process.exit(1);
}
const python = '/usr/bin/python3';
const haveOpenCv = spawnSync(python, ['-c', 'import cv2'], { stdio: 'ignore' }).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'bus-bench-'));
const ours = join(tmp, 'ours.csv');

const commands = [
  { name: 'bus-tools masks2csv', cmd: process.execPath, argv: [join(ROOT, 'packages/cli/bin/bus-tools.js'), 'masks2csv', dataset, '-o', ours, '--force'] },
  ...(baseline ? [{ name: 'baseline masks2csv', cmd: process.execPath, argv: [join(baseline, 'packages/cli/bin/bus-tools.js'), 'masks2csv', dataset, '-o', join(tmp, 'baseline.csv'), '--force'] }] : []),
  { name: 'decode only (same masks)', cmd: process.execPath, argv: [join(ROOT, 'tools/bench/decode-only.js'), dataset] },
  { name: 'inflate only (floor)', cmd: process.execPath, argv: [join(ROOT, 'tools/bench/decode-only.js'), dataset, '--inflate-only'] },
  { name: 'decode only with sharp (context)', cmd: process.execPath, argv: [join(ROOT, 'tools/bench/decode-only.js'), dataset, '--sharp'] },
  { name: 'node -e 0 (startup)', cmd: process.execPath, argv: ['-e', '0'] },
];
if (haveOpenCv) commands.push({ name: 'Python/OpenCV script', cmd: python, argv: [join(ROOT, 'tools/bench/masks2csv_opencv.py'), dataset], stdout: join(tmp, 'opencv.csv') });

const inprocess = ['extract', 'decode'].map((mode) => ({
  name: `in-process ${mode}`,
  cmd: process.execPath,
  argv: [join(ROOT, 'tools/bench/masks2csv-inprocess.js'), mode, dataset],
  reportsOwnTime: true,
}));
commands.push(...inprocess);

const times = new Map(commands.map((c) => [c.name, []]));
for (let r = 0; r < rounds + 1; r++) {
  for (const c of commands) {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(c.cmd, c.argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 0) throw new Error(`${c.name} failed: ${res.stderr}`);
    if (c.stdout) writeFileSync(c.stdout, res.stdout);
    if (r > 0) times.get(c.name).push(c.reportsOwnTime ? Number(res.stdout) : ms); // round 0 warms the file cache
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const csv = readFileSync(ours, 'utf8');
const masks = Number(spawnSync(process.execPath, [join(ROOT, 'tools/bench/decode-only.js'), dataset], { encoding: 'utf8' }).stdout.split(' ')[0]);
const boxes = csv.trim().split('\n').length - 1;
const med = Object.fromEntries([...times].map(([k, v]) => [k, median(v)]));
const base = med['decode only (same masks)'];
console.log(`masks2csv on ${dataset}: ${masks} benign/malignant mask files → ${boxes} boxes; ${rounds} rounds, medians of whole-process wall time\n`);
console.log('| command | median | min–max | vs decode only |');
console.log('|---|---:|---:|---:|');
for (const [name, v] of times) {
  if (name.startsWith('in-process')) continue;
  console.log(`| ${name} | ${med[name].toFixed(0)} ms | ${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} ms | ${(med[name] / base).toFixed(2)}× |`);
}
const ourMs = med['bus-tools masks2csv'];
const ex = med['in-process extract'];
const de = med['in-process decode'];
console.log(`\nin-process, after module loading (fresh process each): extract ${ex.toFixed(0)} ms (${((ex / masks) * 1000).toFixed(0)} µs/mask) vs decode only ${de.toFixed(0)} ms (${((de / masks) * 1000).toFixed(0)} µs/mask): ${(ex / de).toFixed(2)}×`);
console.log(`per mask file: ${((ourMs / masks) * 1000).toFixed(0)} µs whole process, ${(((ourMs - med['node -e 0 (startup)']) / masks) * 1000).toFixed(0)} µs without Node's own startup`);
if (baseline) {
  const same = readFileSync(join(tmp, 'baseline.csv'), 'utf8') === csv;
  console.log(`this checkout / baseline (${baseline}): ${(ourMs / med['baseline masks2csv']).toFixed(3)}× (${same ? 'identical CSV output' : 'OUTPUT DIFFERS'})`);
}
if (haveOpenCv) {
  const cv = readFileSync(join(tmp, 'opencv.csv'), 'utf8');
  console.log(`OpenCV / bus-tools: ${(med['Python/OpenCV script'] / ourMs).toFixed(2)}× (${cv === csv ? 'identical CSV output' : 'OUTPUT DIFFERS'})`);
} else console.log('OpenCV reference skipped: /usr/bin/python3 cannot import cv2 (apt-get install python3-opencv)');
rmSync(tmp, { recursive: true, force: true });
