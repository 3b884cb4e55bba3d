#!/usr/bin/env node
/**
 * `npm run bench:memory`: peak memory (RSS) and wall time of whole `bus-tools` commands as the number
 * of images grows, to show that memory stays flat where the outputs are streamed.
 *
 * Input: a large synthetic set from `npm run fixtures -- --out DIR --count 20000 --size 64` (generate
 * it outside the repository). For each size, the first N images (and their masks) are hard-linked
 * into a temporary folder, and each command runs as a child process under /usr/bin/time -v (its
 * "Maximum resident set size": the whole process, worker threads included). Rounds interleave the
 * commands; medians printed, then the growth per 1000 images between consecutive sizes and the
 * growth from the middle size to the largest.
 *
 *   npm run bench:memory -- --set DIR [--sizes 1000,5000,20000] [--predict-sizes 500,2000,5000]
 *     [--commands masks2csv,export,lint,predict] [--rounds 1] [--cli path/to/bus-tools.js]
 *
 * `--cli` runs another build of the CLI (e.g. a checkout of an older commit) for a before/after.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './args.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { opt } = benchArgs();
const set = opt('--set');
const sizes = opt('--sizes', '1000,5000,20000').split(',').map(Number);
const predictSizes = opt('--predict-sizes', '500,2000,5000').split(',').map(Number);
const commands = opt('--commands', 'masks2csv,export,lint,predict').split(',');
const rounds = Number(opt('--rounds', 1));
const cli = resolve(opt('--cli', join(ROOT, 'packages/cli/bin/bus-tools.js')));
const model = resolve(opt('--model', join(ROOT, 'fixtures/models/retinanet-tfod.onnx')));
if (!set || !existsSync(set)) {
  console.error('bench:memory: give --set DIR, a set made by `npm run fixtures -- --out DIR --count 20000 --size 64`');
  process.exit(1);
}
if (!existsSync('/usr/bin/time')) {
  console.error('bench:memory: needs /usr/bin/time (GNU time) for the peak RSS of each child');
  process.exit(1);
}

const tmp = mkdtempSync(join(tmpdir(), 'bus-bench-memory-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** The set's images by class, listed by bus-tools itself (the built core). */
let byClass;
async function listSet() {
  const { scanDataset } = await import(join(ROOT, 'packages/core/dist/index.js'));
  const classes = new Map();
  for (const image of (await scanDataset(set)).images) {
    if (!classes.has(image.label)) classes.set(image.label, []);
    classes.get(image.label).push(image);
  }
  return [...classes.values()];
}

/** The first `n` images of the set, classes taken in turn, hard-linked with their masks. */
async function subset(n) {
  const dir = join(tmp, `set-${n}`);
  if (existsSync(dir)) return dir;
  byClass ??= await listSet();
  let taken = 0;
  for (let i = 0; taken < n; i++) {
    let any = false;
    for (const images of byClass) {
      if (i >= images.length || taken >= n) continue;
      any = true;
      const image = images[i];
      const to = join(dir, image.relPath);
      mkdirSync(dirname(to), { recursive: true });
      for (const file of [image.path, ...image.masks.map((m) => m.path)]) linkSync(file, join(dirname(to), basename(file)));
      taken++;
    }
    if (!any) throw new Error(`the set has only ${taken} images; make a larger one`);
  }
  return dir;
}

function argsFor(command, input, out) {
  switch (command) {
    case 'masks2csv':
      return ['masks2csv', input, '-o', join(out, 'boxes.csv'), '--include-normal'];
    case 'export':
      return ['export', input, '--format', 'coco', '--link', '--include-normal', '-o', join(out, 'upload')];
    case 'lint':
      return ['lint', input, '--json', '--fail-on', 'none'];
    case 'predict':
      return ['predict', '-i', input, '-o', join(out, 'pred'), '-m', model, '-t', '0.5', '--device', 'cpu'];
    default:
      throw new Error(`unknown command ${command}`);
  }
}

async function measure(command, n) {
  const input = await subset(n);
  const out = join(tmp, `out-${command}-${n}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, ...argsFor(command, input, out)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${command} on ${n} images exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)[1]);
  const [, h, m, s] = /Elapsed \(wall clock\) time.*?: (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  return { mb: kb / 1024, seconds: Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s) };
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
const results = {};
for (let round = 0; round < rounds; round++) {
  for (const command of commands) {
    for (const n of command === 'predict' ? predictSizes : sizes) {
      const r = await measure(command, n);
      ((results[command] ??= {})[n] ??= []).push(r);
      console.error(`round ${round + 1}: ${command} ${n} images: ${r.mb.toFixed(1)} MB, ${r.seconds.toFixed(1)} s`);
    }
  }
}

console.log(`\n${cli}\n`);
console.log('| command | images | peak RSS (MB) | wall (s) | RSS growth per 1k images (MB) |');
console.log('|---|---:|---:|---:|---:|');
for (const command of commands) {
  const ns = command === 'predict' ? predictSizes : sizes;
  let prev;
  for (const n of ns) {
    const mb = median(results[command][n].map((r) => r.mb));
    const s = median(results[command][n].map((r) => r.seconds));
    const growth = prev ? ((mb - prev.mb) / ((n - prev.n) / 1000)).toFixed(2) : '';
    console.log(`| ${command} | ${n} | ${mb.toFixed(1)} | ${s.toFixed(1)} | ${growth} |`);
    prev = { n, mb };
  }
  const mid = median(results[command][ns[Math.floor((ns.length - 1) / 2)]].map((r) => r.mb));
  const last = median(results[command][ns.at(-1)].map((r) => r.mb));
  console.log(`| ${command} | middle → largest | ${(((last - mid) / mid) * 100).toFixed(1)} % | | |`);
}
