/**
 * A small dataset of the ways copies of BUSI arrive broken, built in a temporary folder from
 * fixtures/sample-busi: every command must give each file below the same verdict.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { SAMPLE_BUSI } from '../../../../fixtures/index.js';
import { pngClaiming } from '../../../../fixtures/png-encode.js';

/** File (relative to the dataset root) → the code every command reports for it. */
export const VERDICTS: Record<string, string> = {
  'benign/benign (2).png': 'BAD_IMAGE', // truncated image
  'benign/benign (3)_mask.png': 'BAD_IMAGE', // truncated mask
  'benign/benign (4).png': 'EXTENSION_MISMATCH', // a JPEG named .png: read, with a warning
  'benign/benign (5).png': 'IMAGE_TOO_LARGE', // header claims 20000 x 20000
  'benign/benign (6)_mask.png': 'IMAGE_TOO_LARGE', // mask header claims 20000 x 20000
  'benign/benign (7).png': 'UNSUPPORTED_FORMAT', // text
  'malignant/malignant (2)_mask.png': 'UNSUPPORTED_MASK', // a JPEG mask named .png
};

/** The codes that are verdicts on one file's content (other findings, e.g. duplicates, are left aside). */
export const VERDICT_CODES = new Set(['BAD_IMAGE', 'EXTENSION_MISMATCH', 'IMAGE_TOO_LARGE', 'UNSUPPORTED_FORMAT', 'UNSUPPORTED_MASK', 'UNREADABLE']);

/** Images that are sound (with sound masks) and must reach the upload. */
/** file (relative to `root`, `/`-separated) → code, for the verdict codes among `problems`. */
export function verdictsOf(root: string, problems: ReadonlyArray<{ file: string; code: string }>): Record<string, string> {
  return Object.fromEntries(problems.filter((p) => VERDICT_CODES.has(p.code)).map((p) => [relative(root, p.file).split('\\').join('/'), p.code]));
}

export const SOUND = ['benign (1).png', 'benign (4).png', 'malignant (1).png'];

/** Builds the dataset; returns its root. */
export async function makeBrokenDataset(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'bus-broken-'));
  for (const d of ['benign', 'malignant']) mkdirSync(join(root, d));
  const image = readFileSync(join(SAMPLE_BUSI, 'benign/benign (1).png'));
  const mask = readFileSync(join(SAMPLE_BUSI, 'benign/benign (1)_mask.png'));
  const put = (rel: string, bytes: Uint8Array) => writeFileSync(join(root, rel), bytes);
  for (const n of [1, 2, 3, 4, 5, 6, 7]) {
    put(`benign/benign (${n}).png`, image);
    put(`benign/benign (${n})_mask.png`, mask);
  }
  for (const n of [1, 2]) {
    for (const f of [`malignant (${n}).png`, `malignant (${n})_mask.png`]) copyFileSync(join(SAMPLE_BUSI, 'malignant', f), join(root, 'malignant', f));
  }
  put('benign/benign (2).png', image.subarray(0, image.length - 100));
  put('benign/benign (3)_mask.png', mask.subarray(0, mask.length - 20));
  put('benign/benign (4).png', await sharp(image).jpeg().toBuffer());
  put('benign/benign (5).png', pngClaiming(20000, 20000));
  put('benign/benign (6)_mask.png', pngClaiming(20000, 20000));
  put('benign/benign (7).png', Buffer.from('this is a PNG image, honest\n'));
  put('malignant/malignant (2)_mask.png', await sharp(join(SAMPLE_BUSI, 'malignant/malignant (2)_mask.png')).jpeg().toBuffer());
  return root;
}
