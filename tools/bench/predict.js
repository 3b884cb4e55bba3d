#!/usr/bin/env node
/**
 * `npm run bench:predict`: throughput of the whole `bus-tools predict` command over a folder of
 * real-size images, next to bare `session.run` on the same inputs, in the same run.
 *
 * - bare session.run: onnxruntime-node used directly on the same model, the input tensors decoded
 *   and resized beforehand so only inference is timed; twice: with onnxruntime's defaults (one
 *   session, a thread per core, idle threads spin) and with those defaults minus spinning. The
 *   faster is the baseline predict's throughput goal (90 % of it) is measured against;
 * - bare pool: predict's own CPU sessions (one single-threaded copy of the model per core, in worker
 *   threads, `openOnnxSession(…, { sessions: 'auto' })`) fed the same pre-decoded tensors, one per
 *   session at a time: inference alone, as predict runs it. The whole command against this line is
 *   what decoding, drawing and writing cost;
 * - bus-tools predict: the CLI as a child process (Node start, model load, listing, decode, resize,
 *   inference, drawing, JSON/CSV writing all included), default and with --all-images.
 *
 * Inputs: --count BUSI images spread over every class, linked (never copied) into a temporary
 * folder. Models: the demo RetinaNet at 320x320 (fixtures/models/retinanet-tfod.onnx, cheap: image
 * decoding weighs a lot next to it) and the same weights at 640x640 (retinanet-tfod-640.onnx, the
 * tutorial model's input size), or the --model files given. Rounds interleave the commands so machine
 * noise hits all alike; medians printed.
 *
 *   npm run bench:predict [-- --count 120] [-- --rounds 5] [-- --model m.onnx [--model …]] [-- BUSI_ROOT]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { naturalCompare } from '@bus-tools/core';
import { decodeForModel, openDetector, openOnnxSession } from '@bus-tools/infer';
import { benchArgs } from './args.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { args, opt } = benchArgs();
const count = Number(opt('--count', 120));
const rounds = Number(opt('--rounds', 5));
const threshold = opt('--threshold', '0.5');
const models = [];
for (let m; (m = opt('--model', undefined)) !== undefined; ) models.push(resolve(m));
if (models.length === 0) models.push(join(ROOT, 'fixtures/models/retinanet-tfod.onnx'), join(ROOT, 'fixtures/models/retinanet-tfod-640.onnx'));
const busi = resolve(args[0] ?? join(ROOT, '../shared/busi'), 'Dataset_BUSI_with_GT');
if (!existsSync(busi)) {
  console.error(`bench:predict: ${busi} not found; pass the folder holding Dataset_BUSI_with_GT`);
  process.exit(1);
}

// Every class, natural order, `count` images spread over the list.
const all = ['benign', 'malignant', 'normal'].flatMap((c) =>
  readdirSync(join(busi, c)).filter((n) => n.endsWith('.png') && !/_mask/.test(n)).sort(naturalCompare).map((n) => join(busi, c, n)),
);
const step = all.length / Math.min(count, all.length);
const picked = Array.from({ length: Math.min(count, all.length) }, (_, i) => all[Math.floor(i * step)]);
const tmp = mkdtempSync(join(tmpdir(), 'bus-bench-predict-'));
const input = join(tmp, 'in');
mkdirSync(input);
for (const p of picked) symlinkSync(p, join(input, p.split('/').pop()));

const sizes = picked.length;
const results = [];
for (const model of models) {
  // The same tensors predict would feed, made once.
  const det = await openDetector({ model, device: 'cpu' });
  const feeds = [];
  for (const p of picked) feeds.push(det.preprocess(await decodeForModel(p, det.inputWidth, det.inputHeight)));
  await det.close();

  const sessions = {
    defaults: await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' }),
    noSpin: await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  };
  const pool = await openOnnxSession(model, { device: 'cpu', sessions: 'auto' });
  const ortFeeds = feeds.map((f) => Object.fromEntries(Object.entries(f).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)])));
  for (const s of Object.values(sessions)) await s.run(ortFeeds[0]); // warm-up

  async function barePool() {
    const t0 = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < feeds.length) await pool.run(feeds[next++]);
    };
    await Promise.all(Array.from({ length: pool.sessions }, lane));
    return (performance.now() - t0) / 1000;
  }
  await barePool(); // warm-up

  async function bare(session) {
    const t0 = performance.now();
    for (const f of ortFeeds) await session.run(f);
    return (performance.now() - t0) / 1000;
  }

  function cli(extra) {
    const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/bus-tools.js'), 'predict', '-i', input, '-o', out, '-m', model, '-t', threshold, '--device', 'cpu', '--json', ...extra], { encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`predict failed (${r.status}): ${r.stderr}`);
    const s = JSON.parse(r.stdout);
    rmSync(out, { recursive: true, force: true });
    return { wall, loop: s.seconds, annotated: s.annotated, detections: s.detections };
  }

  const rows = { bare: [], bareNoSpin: [], barePool: [], cli: [], cliLoop: [], all: [], allLoop: [] };
  let last;
  for (let r = 0; r < rounds; r++) {
    rows.bare.push(await bare(sessions.defaults));
    rows.bareNoSpin.push(await bare(sessions.noSpin));
    rows.barePool.push(await barePool());
    last = cli([]);
    rows.cli.push(last.wall);
    rows.cliLoop.push(last.loop);
    const a = cli(['--all-images']);
    rows.all.push(a.wall);
    rows.allLoop.push(a.loop);
    process.stderr.write(`round ${r + 1}/${rounds}: bare ${rows.bare.at(-1).toFixed(2)} s / ${rows.bareNoSpin.at(-1).toFixed(2)} s, pool ${rows.barePool.at(-1).toFixed(2)} s (${pool.sessions} sessions), predict ${last.wall.toFixed(2)} s, --all-images ${a.wall.toFixed(2)} s\n`);
  }
  for (const s of Object.values(sessions)) await s.release();
  await pool.release();
  results.push({ model, rows, last, poolNote: pool.deviceNote });
}
rmSync(tmp, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ips = (s) => sizes / s;
console.log(`${sizes} BUSI images (real size, spread over benign/malignant/normal), threshold ${threshold}; ${rounds} rounds, medians; ${cpus().length} CPUs (${cpus()[0].model.trim()})\n`);
console.log('| model | what | seconds | images/s | vs best bare session.run | vs bare pool |');
console.log('|---|---|---:|---:|---:|---:|');
for (const { model, rows, last, poolNote } of results) {
  const base = Math.max(ips(median(rows.bare)), ips(median(rows.bareNoSpin)));
  const name = `${model.replace(`${ROOT}/`, '')} (${last.detections} detections, ${last.annotated} annotated)`;
  const pool = ips(median(rows.barePool));
  const pct = (secs, of) => `${Math.round((100 * ips(median(secs))) / of)}%`;
  const line = (what, secs) => `| ${name} | ${what} | ${median(secs).toFixed(2)} | ${ips(median(secs)).toFixed(1)} | ${pct(secs, base)} | ${pct(secs, pool)} |`;
  console.log(line('bare `session.run`, onnxruntime defaults (inputs pre-decoded)', rows.bare));
  console.log(line('bare `session.run`, no spinning', rows.bareNoSpin));
  console.log(line(`bare pool: predict's sessions, inference only (${poolNote.replace(/^cpu \(requested\), /, '')})`, rows.barePool));
  console.log(line('`bus-tools predict`, whole process', rows.cli));
  console.log(line('`bus-tools predict`, its image loop (first decode → last prediction)', rows.cliLoop));
  console.log(line('`bus-tools predict --all-images`, whole process', rows.all));
  console.log(line('`bus-tools predict --all-images`, its image loop', rows.allLoop));
}
