#!/usr/bin/env node
/**
 * `npm run bench:serve`: latency of `POST /api/detect` on loopback at 1 and 4 concurrent clients,
 * next to bare model time on the same image, in the same run, with the same detector.
 *
 * - bare detect: `detector.detect(image)` on the image decoded and resized beforehand (what the
 *   model costs: preprocess → run → postprocess), one call at a time, then 4 at a time;
 * - serve: `createDetectServer` with that detector, listening on 127.0.0.1 (any free port), and
 *   clients that each send one request at a time, as the page does (multipart field `image`), and
 *   at 1 client also as a raw body. Everything the server does is in the time: HTTP, multipart,
 *   magic-byte and header checks, decoding, the model, JSON.
 *
 * Bounded: each measurement stops after --requests requests or --seconds seconds, whichever comes
 * first, after --warmup unmeasured ones. Only loopback; nothing else is contacted.
 *
 *   npm run bench:serve [-- --model m.onnx] [-- --image scan.png] [-- --requests 100] [-- --seconds 20]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDetectServer, decodeBufferForModel, openDetector } from '@bus-tools/infer';
import { benchArgs } from './args.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { opt } = benchArgs();
const model = opt('--model', undefined);
const imagePath = resolve(opt('--image', join(ROOT, 'fixtures/sample-busi/malignant/malignant (1).png')));
const maxRequests = Math.min(1000, Number(opt('--requests', 100)));
const maxSeconds = Math.min(120, Number(opt('--seconds', 20)));
const warmup = Math.min(50, Number(opt('--warmup', 5)));
if (!(maxRequests > 0 && maxSeconds > 0)) {
  console.error('bench:serve: --requests and --seconds must be positive');
  process.exit(2);
}

const bytes = readFileSync(imagePath);
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Runs `once` from `clients` loops until maxRequests are done or maxSeconds pass; latencies in ms. */
async function measure(clients, once) {
  for (let i = 0; i < warmup; i++) await once();
  const times = [];
  let started = 0;
  let failures = 0;
  const end = now() + maxSeconds * 1000;
  const t0 = now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (started < maxRequests && now() < end) {
        started++;
        const t = now();
        const ok = await once();
        if (ok === false) failures++;
        else times.push(now() - t);
      }
    }),
  );
  const wall = (now() - t0) / 1000;
  return { n: times.length, failures, p50: percentile(times, 50), p95: percentile(times, 95), perSecond: times.length / wall };
}

const detector = await openDetector({ ...(model ? { model } : {}), sessions: 'auto', threshold: 0.05 });
const image = await decodeBufferForModel(bytes, detector.inputWidth, detector.inputHeight);
const server = await createDetectServer({ detector, host: '127.0.0.1', port: 0, minThreshold: 0.05, threshold: 0.5 });
const url = await server.listen();
if (!/^http:\/\/127\.0\.0\.1:\d+\/$/.test(url)) throw new Error(`bench:serve: refusing to load ${url}: loopback only`);

const post = (kind) => async () => {
  let body;
  if (kind === 'multipart') {
    body = new FormData();
    body.append('image', new Blob([bytes]), basename(imagePath));
  } else body = bytes;
  const r = await fetch(`${url}api/detect`, { method: 'POST', body });
  await r.arrayBuffer();
  return r.status === 200;
};

const rows = [];
try {
  rows.push(['bare detector.detect, 1 at a time', await measure(1, () => detector.detect(image))]);
  rows.push(['bare detector.detect, 4 at a time', await measure(4, () => detector.detect(image))]);
  rows.push(['POST /api/detect multipart, 1 client', await measure(1, post('multipart'))]);
  rows.push(['POST /api/detect raw body, 1 client', await measure(1, post('raw'))]);
  rows.push(['POST /api/detect multipart, 4 clients', await measure(4, post('multipart'))]);
} finally {
  await server.close();
  await detector.close();
}

const [w, h] = [image.width, image.height];
console.log(`bench:serve: ${detector.isDefaultModel ? `bundled model (${basename(detector.model)})` : basename(detector.model)}, ${detector.layout.name} ${detector.inputWidth}x${detector.inputHeight} on ${detector.deviceNote}`);
console.log(`image: ${basename(imagePath)} ${w}x${h}, ${bytes.length} bytes; ${maxRequests} requests or ${maxSeconds} s per line after ${warmup} warm-up; ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; Node ${process.version}`);
console.log('');
console.log('| what | requests | p50 ms | p95 ms | per second | failed |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, r] of rows) console.log(`| ${name} | ${r.n} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${r.failures} |`);
const bare = rows[0][1].p50;
const served = rows[2][1].p50;
console.log('');
console.log(`p50 at 1 client: ${served.toFixed(1)} ms = model ${bare.toFixed(1)} ms + ${(served - bare).toFixed(1)} ms (goal: within model + 30 ms: ${served - bare <= 30 ? 'met' : 'NOT met'})`);
