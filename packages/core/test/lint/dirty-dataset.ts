/**
 * A small dataset with one instance of (nearly) every problem lint reports, built in a temporary
 * folder from fixtures/sample-busi so the sample itself stays as its tests expect it.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeMaskPng } from '@bus-tools/core';
import { SAMPLE_BUSI } from '../../../../fixtures/index.js';
import { encodeMaskPng } from '../../../../fixtures/png-encode.js';

/** Binary pixels of a sample mask (for reusing a lesion under another encoding). */
export function maskPixels(path: string): { px: Uint8Array; width: number; height: number } {
  const runs = decodeMaskPng(readFileSync(path));
  const px = new Uint8Array(runs.width * runs.height);
  for (let y = 0; y < runs.height; y++) {
    for (let i = runs.rowStart[y]; i < runs.rowStart[y + 1]; i++) px.fill(1, y * runs.width + runs.starts[i], y * runs.width + runs.ends[i]);
  }
  return { px, width: runs.width, height: runs.height };
}

/**
 * Copies the sample and adds:
 * - `benign (11)`: benign (1) rescaled to 80 % with a 20-px black frame (near-duplicate), mask likewise;
 * - `malignant (4)`: a byte copy of benign (2) and its mask (exact duplicate across classes);
 * - `benign (12)`: benign (3) with a red caliper cross and a green box drawn on it (colour overlay);
 * - `benign (13)`: a truncated image; `benign (14)`: a mask of the wrong size;
 * - `benign (15)`: an all-zero mask; `normal (3)`: a normal image whose mask marks a lesion;
 * - `benign (16)`: a mask saved with anti-aliased edges (values 255 and 128);
 * - `=benign (17)`: a name a spreadsheet would run; `malignant (5)_mask.png` without its image.
 */
export async function makeDirtyDataset(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'bus-lint-'));
  cpSync(SAMPLE_BUSI, root, { recursive: true });
  const b = (name: string) => join(root, 'benign', name);
  const s = (name: string) => join(SAMPLE_BUSI, 'benign', name);

  // near-duplicate: rescale + black frame
  const meta = await sharp(s('benign (1).png')).metadata();
  const w = Math.round(meta.width! * 0.8);
  const h = Math.round(meta.height! * 0.8);
  const frame = { top: 20, bottom: 20, left: 20, right: 20, background: '#000' };
  await sharp(s('benign (1).png')).resize(w, h).extend(frame).png().toFile(b('benign (11).png'));
  await sharp(s('benign (1)_mask.png')).greyscale().resize(w, h, { kernel: 'nearest' }).threshold(1).extend(frame).png().toFile(b('benign (11)_mask.png'));

  // exact duplicate filed under another class
  copyFileSync(s('benign (2).png'), join(root, 'malignant', 'malignant (4).png'));
  copyFileSync(s('benign (2)_mask.png'), join(root, 'malignant', 'malignant (4)_mask.png'));

  // colour overlay
  const m3 = await sharp(s('benign (3).png')).metadata();
  const svg = `<svg width="${m3.width}" height="${m3.height}"><path d="M60 40 h30 M75 25 v30" stroke="#ff2020" stroke-width="3"/><rect x="150" y="60" width="80" height="60" fill="none" stroke="#20ff20" stroke-width="2"/></svg>`;
  await sharp(s('benign (3).png')).composite([{ input: Buffer.from(svg) }]).png().toFile(b('benign (12).png'));
  copyFileSync(s('benign (3)_mask.png'), b('benign (12)_mask.png'));

  // truncated image
  const full = readFileSync(s('benign (5).png'));
  writeFileSync(b('benign (13).png'), full.subarray(0, Math.floor(full.length / 2)));
  copyFileSync(s('benign (5)_mask.png'), b('benign (13)_mask.png'));

  // mask of the wrong size
  copyFileSync(s('benign (5).png'), b('benign (14).png'));
  copyFileSync(s('benign (1)_mask.png'), b('benign (14)_mask.png'));

  // empty lesion mask
  const m5 = maskPixels(s('benign (5)_mask.png'));
  copyFileSync(s('benign (5).png'), b('benign (15).png'));
  writeFileSync(b('benign (15)_mask.png'), encodeMaskPng(new Uint8Array(m5.width * m5.height), m5.width, m5.height, 'gray1'));

  // normal image whose mask marks a lesion
  const n1 = join(SAMPLE_BUSI, 'normal', 'normal (1).png');
  const nm = await sharp(n1).metadata();
  const lesion = new Uint8Array(nm.width! * nm.height!);
  for (let y = 50; y < 80; y++) lesion.fill(1, y * nm.width! + 100, y * nm.width! + 140);
  copyFileSync(n1, join(root, 'normal', 'normal (3).png'));
  writeFileSync(join(root, 'normal', 'normal (3)_mask.png'), encodeMaskPng(lesion, nm.width!, nm.height!, 'rgb8'));

  // anti-aliased mask: the lesion at 255 with its outer ring at 128
  const m10 = maskPixels(s('benign (10)_mask.png'));
  const gray = new Uint8Array(m10.width * m10.height);
  for (let i = 0; i < gray.length; i++) {
    if (!m10.px[i]) continue;
    const x = i % m10.width;
    const edge = !m10.px[i - 1] || !m10.px[i + 1] || !m10.px[i - m10.width] || !m10.px[i + m10.width] || x === 0;
    gray[i] = edge ? 128 : 255;
  }
  copyFileSync(s('benign (10).png'), b('benign (16).png'));
  await sharp(Buffer.from(gray), { raw: { width: m10.width, height: m10.height, channels: 1 } }).png().toFile(b('benign (16)_mask.png'));

  // spreadsheet formula name, and a stray mask
  copyFileSync(s('benign (5).png'), b('=benign (17).png'));
  copyFileSync(s('benign (5)_mask.png'), b('=benign (17)_mask.png'));
  copyFileSync(join(SAMPLE_BUSI, 'malignant', 'malignant (1)_mask.png'), join(root, 'malignant', 'malignant (5)_mask.png'));
  return root;
}
