#!/usr/bin/env node
/**
 * Generates BUSI-style synthetic data: ultrasound-like speckle images with hypoechoic lesions and
 * their masks, laid out as Kaggle's Dataset_BUSI_with_GT (benign/, malignant/, normal/).
 *
 *   node tools/make-fixtures.js                       # the curated sample in fixtures/sample-busi
 *   node tools/make-fixtures.js --out DIR --count 300 --seed 7 [--size 320]
 *                                                     # a random training/benchmark set
 *   node tools/make-fixtures.js --out /tmp/busi-20k --count 20000 --size 64
 *                                                     # a large set for bench:memory (small images
 *                                                     # keep it quick to make: ~20 s per 1000)
 *
 * The curated sample covers every case the tools must get right: several masks per image, a mask
 * nested inside another, specks that would widen a box, 1-bit / 8-bit / 16-bit gray, RGB and RGBA
 * masks, a lesion on the image border, natural sorting (2 before 10) and normal images with all-zero
 * RGB masks. Next to it, `sample-busi-expected.json` lists the boxes each lesion mask must give,
 * computed here from the drawn pixels (independently of the decoder under test).
 *
 * Needs the built core (`npm run build`).
 */
import { mkdirSync, rmSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { mulberry32 } from '@bus-tools/core';
import { encodeMaskPng } from '../fixtures/png-encode.js';

const HERE = dirname(fileURLToPath(import.meta.url));


/** A lesion outline: an ellipse whose radius is modulated (smooth for benign, spiculated for malignant). */
function makeLesion(rand, { cx, cy, rx, ry, malignant }) {
  const theta = rand() * Math.PI;
  const waves = malignant
    ? [{ a: 0.12 + 0.1 * rand(), k: 7 + Math.floor(rand() * 5), p: rand() * 6.28 }, { a: 0.06, k: 3, p: rand() * 6.28 }]
    : [{ a: 0.04 + 0.03 * rand(), k: 3, p: rand() * 6.28 }];
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  return {
    cx, cy, rx, ry, malignant,
    inside(x, y) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (dx * cos + dy * sin) / rx;
      const v = (-dx * sin + dy * cos) / ry;
      const phi = Math.atan2(v, u);
      let r = 1;
      for (const w of waves) r += w.a * Math.sin(w.k * phi + w.p);
      return u * u + v * v < r * r;
    },
  };
}

/** Speckle image: layered tissue, depth attenuation, Rayleigh speckle, dark lesions with posterior effects. */
function renderImage(rand, width, height, lesions) {
  const out = Buffer.alloc(width * height * 3);
  const layers = [0.15 + 0.1 * rand(), 0.35 + 0.1 * rand(), 0.6 + 0.1 * rand()].map((f) => f * height);
  const phase = rand() * 6.28;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const wobble = 6 * Math.sin(x / 37 + phase);
      let tissue = 0.55;
      if (y + wobble < layers[0]) tissue = 0.75;
      else if (y + wobble < layers[1]) tissue = 0.45;
      else if (y + wobble < layers[2]) tissue = 0.65;
      tissue *= 1 - 0.45 * (y / height); // attenuation with depth
      for (const l of lesions) {
        if (l.inside(x, y)) tissue *= l.malignant ? 0.18 : 0.28;
        else if (Math.abs(x + 0.5 - l.cx) < l.rx * 0.8 && y > l.cy + l.ry) tissue *= l.malignant ? 0.7 : 1.25; // shadow / enhancement
      }
      const u = Math.max(1e-6, rand());
      const speckle = Math.sqrt(-2 * Math.log(u)) * 0.8; // Rayleigh, mean ≈ 1
      const v = Math.max(0, Math.min(255, Math.round(255 * tissue * speckle * 0.9)));
      out[3 * (y * width + x)] = v;
      out[3 * (y * width + x) + 1] = v;
      out[3 * (y * width + x) + 2] = v;
    }
  }
  return out;
}

function rasterize(width, height, lesion) {
  const px = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (lesion.inside(x, y)) px[y * width + x] = 1;
  return px;
}

/** Bounding box `[x, y, w, h]` (inclusive pixels) and pixel count of the set pixels. */
function bboxOf(px, width, height) {
  let x1 = Infinity, y1 = Infinity, x2 = -1, y2 = -1, area = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!px[y * width + x]) continue;
      area++;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
    }
  }
  return { bbox: [x1, y1, x2 - x1 + 1, y2 - y1 + 1], area };
}

/** The curated sample: each entry is one image; each mask one lesion, plus optional specks. */
const SAMPLE = [
  { name: 'benign (1)', size: [300, 230], masks: [{ lesion: [150, 110, 48, 30], enc: 'gray1' }] },
  { name: 'benign (2)', size: [280, 220], masks: [{ lesion: [120, 100, 40, 28], enc: 'gray1', specks: [[190, 60, 3], [60, 170, 1]] }] },
  { name: 'benign (3)', size: [320, 240], masks: [{ lesion: [90, 110, 35, 25], enc: 'gray1' }, { lesion: [230, 120, 30, 22], enc: 'gray1' }] },
  { name: 'benign (4)', size: [300, 240], masks: [{ lesion: [150, 120, 70, 50], enc: 'gray1' }, { lesion: [155, 122, 20, 14], enc: 'rgba8' }] },
  { name: 'benign (5)', size: [260, 200], masks: [{ lesion: [130, 95, 45, 30], enc: 'gray16' }] },
  { name: 'benign (10)', size: [290, 210], masks: [{ lesion: [140, 90, 50, 32], enc: 'gray8', specks: [[250, 30, 8]] }] },
  { name: 'malignant (1)', size: [310, 240], masks: [{ lesion: [160, 115, 55, 45], enc: 'rgb8', malignant: true }] },
  { name: 'malignant (2)', size: [280, 220], masks: [{ lesion: [24, 80, 40, 35], enc: 'gray1', malignant: true }] },
  { name: 'malignant (3)', size: [300, 230], masks: [{ lesion: [170, 120, 60, 40], enc: 'gray1', malignant: true, specks: [[40, 200, 2]] }] },
  { name: 'normal (1)', size: [280, 210], masks: [{ enc: 'rgb8' }] },
  { name: 'normal (2)', size: [260, 200], masks: [{ enc: 'rgb8' }] },
];

function randomSpec(rand, i, size) {
  const r = rand();
  const cls = r < 0.55 ? 'benign' : r < 0.85 ? 'malignant' : 'normal';
  const w = Math.round(size * (0.9 + 0.4 * rand()));
  const h = Math.round(size * (0.75 + 0.3 * rand()));
  if (cls === 'normal') return { name: `normal (${i})`, size: [w, h], masks: [{ enc: 'rgb8' }] };
  const rx = size * (0.08 + 0.14 * rand());
  const ry = rx * (0.55 + 0.35 * rand());
  const cx = rx + 4 + rand() * (w - 2 * rx - 8);
  const cy = ry + 4 + rand() * (h - 2 * ry - 8);
  return { name: `${cls} (${i})`, size: [w, h], masks: [{ lesion: [cx, cy, rx, ry], enc: 'gray1', malignant: cls === 'malignant' }] };
}

async function writeImageSet(root, specs, rand) {
  const expected = {};
  for (const spec of specs) {
    const cls = spec.name.split(' ')[0];
    const dir = join(root, cls);
    mkdirSync(dir, { recursive: true });
    const [width, height] = spec.size;
    const lesions = spec.masks.filter((m) => m.lesion).map((m) => {
      const [cx, cy, rx, ry] = m.lesion;
      return makeLesion(rand, { cx, cy, rx, ry, malignant: Boolean(m.malignant) });
    });
    const rgb = renderImage(rand, width, height, lesions);
    await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toFile(join(dir, `${spec.name}.png`));
    const boxes = [];
    let li = 0;
    spec.masks.forEach((m, k) => {
      const px = m.lesion ? rasterize(width, height, lesions[li++]) : new Uint8Array(width * height);
      const clean = m.lesion ? bboxOf(px, width, height) : undefined;
      for (const [sx, sy, n] of m.specks ?? []) for (let j = 0; j < n; j++) px[sy * width + sx + j] = 1; // a short horizontal speck
      const maskName = k === 0 ? `${spec.name}_mask.png` : `${spec.name}_mask_${k}.png`;
      writeFileSync(join(dir, maskName), encodeMaskPng(px, width, height, m.enc));
      if (clean) boxes.push({ mask: maskName, encoding: m.enc, bbox: clean.bbox, area: clean.area, specks: (m.specks ?? []).length });
    });
    expected[`${spec.name}.png`] = { label: cls, width, height, boxes };
  }
  return expected;
}

function parseArgs(argv) {
  const args = { out: undefined, count: undefined, seed: 20240601, size: 320 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args)) throw new Error(`unknown option ${argv[i]}; use --out DIR --count N --seed S --size PX`);
    args[key] = key === 'out' ? argv[++i] : Number(argv[++i]);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const curated = args.count === undefined;
  const out = resolve(args.out ?? join(HERE, '..', 'fixtures', 'sample-busi'));
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const rand = mulberry32(args.seed);
  const specs = curated ? SAMPLE : Array.from({ length: args.count }, (_, i) => randomSpec(rand, i + 1, args.size));
  const expected = await writeImageSet(tmp, specs, rand);
  writeFileSync(join(tmp, '..', `${out.split('/').pop()}-expected.json`), `${JSON.stringify(expected, null, 1)}\n`);
  if (existsSync(out)) rmSync(out, { recursive: true });
  renameSync(tmp, out);
  process.stderr.write(`make-fixtures: wrote ${specs.length} images to ${out} and the expected boxes beside it\n`);
}

main().catch((err) => {
  process.stderr.write(`make-fixtures: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
