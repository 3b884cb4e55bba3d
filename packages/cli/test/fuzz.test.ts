/**
 * Property tests (fast-check): damaged files and random option values give a named error or a
 * correct result — never a crash, a hang or a partial output.
 *
 * - masks and images, truncated at a random byte or with random bytes flipped, through the library
 *   (`discoverDataset` + `extractBoxes`, `predictImages`) and the CLI (`export`);
 * - random values for numeric options through the CLI (`masks2csv`, `predict`).
 *
 * "Named" means: a problem or error whose code is one of bus-tools' codes (ERROR_CODES for errors,
 * LINT_CODES for per-file findings) and whose message names the file.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { ERROR_CODES, LINT_CODES, discoverDataset, extractBoxes, readImageRgb } from '@bus-tools/core';
import { openDetector, predictImages, type Detector } from '@bus-tools/infer';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';
import { runCli } from './helpers.js';

const KNOWN_CODES = new Set([...Object.keys(ERROR_CODES), ...Object.keys(LINT_CODES)]);
/** Each case must finish within this (a hang fails the property, not the whole suite's timeout). */
const CASE_MS = 10_000;

const IMAGE = 'benign (1).png';
const MASK = 'benign (1)_mask.png';
const original = {
  image: readFileSync(join(SAMPLE_BUSI, 'benign', IMAGE)),
  mask: readFileSync(join(SAMPLE_BUSI, 'benign', MASK)),
};

/** A damage: cut the file at a fraction of its length, or set some bytes to random values. */
type Damage = { cut: number } | { flips: Array<[number, number]> };
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ cut: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
  fc.record({ flips: fc.array(fc.tuple(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
);

function damaged(bytes: Buffer, d: Damage): Buffer {
  if ('cut' in d) return bytes.subarray(0, Math.floor(bytes.length * d.cut));
  const out = Buffer.from(bytes);
  for (const [at, value] of d.flips) out[Math.floor(at * out.length)] = value;
  return out;
}

let tmp: string;
let runs = 0;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-fuzz-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A one-image dataset with `file` replaced by `bytes`. */
function datasetWith(file: 'image' | 'mask', bytes: Buffer): string {
  const dir = join(tmp, `ds-${++runs}`);
  const benign = join(dir, 'benign');
  cpSync(join(SAMPLE_BUSI, 'benign', IMAGE), join(benign, IMAGE), { recursive: true });
  cpSync(join(SAMPLE_BUSI, 'benign', MASK), join(benign, MASK));
  writeFileSync(join(benign, file === 'image' ? IMAGE : MASK), bytes);
  return dir;
}

/** `work`, or a failure naming `what` once it has run for CASE_MS: a hang fails the property. */
async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${CASE_MS} ms`)), CASE_MS);
  });
  try {
    return await Promise.race([work(), hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('damaged files give a named problem or a correct result', () => {
  test('masks through discoverDataset + extractBoxes: a problem, or the same boxes as the intact mask', async () => {
    const intact = await extractBoxes(await discoverDataset(datasetWith('mask', original.mask)));
    const expected = intact.images.find((im) => im.fileName === IMAGE)?.boxes.map((b) => b.xyxy);
    expect(expected?.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        const dir = datasetWith('mask', damaged(original.mask, d));
        const r = await timed('extractBoxes', async () => extractBoxes(await discoverDataset(dir)));
        for (const p of r.problems) {
          expect(KNOWN_CODES).toContain(p.code);
          expect(p.message).toContain(MASK);
        }
        // Either the mask was read (its image has a result) or the image was skipped with an error.
        const skipped = r.problems.some((p) => p.severity === 'error');
        const read = r.images.find((im) => im.fileName === IMAGE);
        expect(read === undefined).toBe(skipped);
        if (read) expect(read.boxes.map((b) => b.xyxy)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  // export and masks2csv check an image's structure (header, checksum of the header, the end of the
  // file) without decoding its pixels; damage inside the pixel data is named where images are decoded
  // (lint, split, predict).
  test('images through `bus-tools export`: exit 3 naming the file, or an upload that decodes, or damage lint names', async () => {
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        const dir = datasetWith('image', damaged(original.image, d));
        const out = join(tmp, `upload-${runs}`);
        const r = await timed('export', () => runCli('export', dir, '-o', out));
        expect([0, 3]).toContain(r.code);
        if (r.code === 3) expect(r.stderr).toMatch(new RegExp(`${IMAGE.replace(/[()]/g, '\\$&')}.*`));
        expect(r.stderr).not.toMatch(/internal error/);
        // Complete: the annotations file is there, and no temporary file is left beside it.
        expect(existsSync(join(out, 'annotations.csv'))).toBe(true);
        expect(readdirSync(out).filter((f) => /\.tmp|~$/.test(f))).toEqual([]);
        const copied = join(out, 'images', IMAGE);
        if (r.code !== 0) expect(existsSync(copied)).toBe(false);
        else {
          const decoded = await sharp(copied).raw().toBuffer().then(() => true, () => false);
          if (!decoded) await expect(readImageRgb(join(dir, 'benign', IMAGE))).rejects.toMatchObject({ code: 'BAD_IMAGE', message: expect.stringContaining(IMAGE) });
        }
      }),
      { numRuns: 25 },
    );
  }, 180_000);

  describe('images through predictImages', () => {
    let detector: Detector;
    beforeAll(async () => {
      detector = await openDetector({ model: join(MODELS, 'retinanet-tfod.onnx'), device: 'cpu', threshold: 0.3 });
    });
    afterAll(() => detector.close());

    test('a named problem, or detections inside the image', async () => {
      await fc.assert(
        fc.asyncProperty(damage, async (d) => {
          const file = join(tmp, `img-${++runs}.png`);
          writeFileSync(file, damaged(original.image, d));
          const r = await timed('predictImages', () => predictImages([file], { detector }));
          expect(r.images.length + r.problems.length).toBe(1);
          for (const p of r.problems) {
            expect(KNOWN_CODES).toContain(p.code);
            expect(p.message).toContain(file.split('/').pop());
          }
          for (const im of r.images) {
            for (const det of im.detections) {
              const [x0, y0, x1, y1] = det.xyxy;
              expect(0 <= x0 && x0 <= x1 && x1 <= im.width && 0 <= y0 && y0 <= y1 && y1 <= im.height).toBe(true);
            }
          }
        }),
        { numRuns: 30 },
      );
    }, 180_000);
  });
});

describe('random option values: a correct run or exit 2 naming the option, nothing written', () => {
  const typed = fc.oneof(
    fc.integer({ min: -1000, max: 100000 }).map(String),
    fc.double({ noNaN: false }).map(String),
    fc.string({ maxLength: 6 }),
    fc.constantFrom('', ' ', '1e3', '0x10', 'NaN', 'Infinity', '-0', '1.0', '007'),
  );

  test('masks2csv --min-area', async () => {
    await fc.assert(
      fc.asyncProperty(typed, async (value) => {
        const out = join(tmp, `m-${++runs}.csv`);
        const r = await timed('masks2csv', () => runCli('masks2csv', SAMPLE_BUSI, '--min-area', value, '-o', out));
        if (r.code === 2) {
          expect(r.stderr).toMatch(/^bus-tools: .*--min-area.* \[INVALID_PARAMETER\]\n/);
          expect(existsSync(out)).toBe(false);
        } else {
          expect([0, 3]).toContain(r.code);
          const n = Number(value.trim());
          expect(Number.isInteger(n) && n >= 0).toBe(true);
          expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('filename,xmin,ymin,width,height,label');
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  test('predict --threshold and --sessions', async () => {
    const input = join(SAMPLE_BUSI, 'benign', IMAGE);
    const model = join(MODELS, 'retinanet-tfod.onnx');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('--threshold', '--sessions'), typed, async (flag, value) => {
        const out = join(tmp, `p-${++runs}`);
        const r = await timed('predict', () => runCli('predict', '-i', input, '-o', out, '-m', model, '--device', 'cpu', flag, value));
        if (r.code === 2) {
          expect(r.stderr).toMatch(new RegExp(`^bus-tools: .*${flag}.* \\[INVALID_PARAMETER\\]\\n`));
          expect(existsSync(out)).toBe(false);
        } else {
          expect(r.code).toBe(0);
          expect(existsSync(join(out, 'detections.json'))).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  }, 240_000);
});
