/**
 * Every bad input bus-tools is known to meet — files, options, the environment, library calls — with
 * the answer a user should get: the exit code (or the error code a library call raises) and the gist
 * of the message. `reliability.test.ts` runs them all; with BUS_TOOLS_UPDATE_DOCS=1
 * (`npm run docs:reliability`) it also writes the table in docs/reliability.md from what they printed.
 *
 * Each case works in its own folder `w.dir`; `{w}` in `args` stands for it.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { discoverDataset, extractBoxes, writeUploadFolder } from '@bus-tools/core';
import { cudaProviderStatus, openDetector } from '@bus-tools/infer';
import { MODELS, SAMPLE_BUSI } from '../../fixtures/index.js';
import { pngClaiming } from '../../fixtures/png-encode.js';

export interface Work {
  dir: string;
  /** Called after the case ran (close a server, …). */
  cleanup: Array<() => void | Promise<void>>;
}

export interface Case {
  /** What is wrong, in a user's words. */
  input: string;
  group: 'file' | 'option' | 'environment' | 'library';
  /** Builds the bad input in `w.dir`; may return more placeholders for `args` (`{port}`). */
  setup?: (w: Work) => void | Record<string, string> | Promise<void | Record<string, string>>;
  /** A CLI run: `bus-tools …args` with `{w}` replaced by the case's folder. */
  args?: string[];
  /** A library call, shown as `shown`. */
  call?: { shown: string; run: (w: Work) => Promise<unknown> };
  /** When set and it returns a reason, the case cannot run on this machine: skipped, saying why. */
  skipWhen?: () => string | undefined;
  /** The answer: exit code (CLI), the error code, and what the message must say. */
  expect: { exit?: number; code?: string; says: RegExp };
}

const MODEL = join(MODELS, 'retinanet-tfod.onnx');
const IMG = 'benign (1).png';

/** The sample dataset, copied to `{w}/data`. */
function data(w: Work): string {
  const dir = join(w.dir, 'data');
  cpSync(SAMPLE_BUSI, dir, { recursive: true });
  return dir;
}
const file = (w: Work, name: string) => join(w.dir, 'data', name.startsWith('malignant') ? 'malignant' : 'benign', name);
const cut = (path: string, keep: number) => writeFileSync(path, readFileSync(path).subarray(0, keep));


function listenOn(w: Work): Promise<number> {
  return new Promise((resolve) => {
    const server: Server = createServer().listen(0, '127.0.0.1', () => {
      w.cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
      resolve((server.address() as { port: number }).port);
    });
  });
}

export const CASES: Case[] = [
  // ---- files -------------------------------------------------------------------------------------
  { group: 'file', input: 'dataset folder does not exist', args: ['masks2csv', '{w}/nope'], expect: { exit: 2, code: 'INPUT_NOT_FOUND', says: /no such folder/ } },
  { group: 'file', input: 'dataset path is a file', setup: (w) => writeFileSync(join(w.dir, 'x.png'), 'x'), args: ['export', '{w}/x.png', '-o', '{w}/out'], expect: { exit: 2, code: 'NOT_A_FOLDER', says: /is a file, not a folder/ } },
  { group: 'file', input: 'folder of images without masks', setup: (w) => { mkdirSync(join(w.dir, 'photos')); cpSync(join(SAMPLE_BUSI, 'benign', IMG), join(w.dir, 'photos', IMG)); }, args: ['masks2csv', '{w}/photos'], expect: { exit: 2, code: 'NOT_A_DATASET', says: /no masks/ } },
  { group: 'file', input: 'empty folder', setup: (w) => mkdirSync(join(w.dir, 'empty')), args: ['lint', '{w}/empty'], expect: { exit: 1, code: 'NO_IMAGES', says: /no images found/ } },
  { group: 'file', input: 'truncated image', setup: (w) => { data(w); cut(file(w, IMG), 600); }, args: ['export', '{w}/data', '-o', '{w}/out'], expect: { exit: 3, code: 'BAD_IMAGE', says: /benign \(1\)\.png/ } },
  { group: 'file', input: 'truncated image', setup: (w) => { data(w); cut(file(w, IMG), 600); }, args: ['masks2csv', '{w}/data', '-o', '{w}/out.csv'], expect: { exit: 3, code: 'BAD_IMAGE', says: /benign \(1\)\.png/ } },
  { group: 'file', input: 'truncated image', setup: (w) => { data(w); cut(file(w, IMG), 600); }, args: ['lint', '{w}/data'], expect: { exit: 1, code: 'BAD_IMAGE', says: /benign \(1\)\.png/ } },
  { group: 'file', input: 'truncated image', setup: (w) => { data(w); cut(file(w, IMG), 600); }, args: ['predict', '-i', '{w}/data', '-o', '{w}/out', '-m', MODEL, '--device', 'cpu'], expect: { exit: 3, code: 'BAD_IMAGE', says: /benign \(1\)\.png/ } },
  { group: 'file', input: 'truncated mask', setup: (w) => { data(w); cut(file(w, 'benign (1)_mask.png'), 100); }, args: ['masks2csv', '{w}/data', '-o', '{w}/out.csv'], expect: { exit: 3, code: 'BAD_IMAGE', says: /benign \(1\)_mask\.png/ } },
  { group: 'file', input: 'a JPEG named .png', setup: async (w) => { data(w); writeFileSync(file(w, IMG), await sharp(join(SAMPLE_BUSI, 'benign', IMG)).jpeg().toBuffer()); }, args: ['export', '{w}/data', '-o', '{w}/out'], expect: { exit: 0, says: /JPEG/ } },
  { group: 'file', input: 'a JPEG named .png', setup: async (w) => { data(w); writeFileSync(file(w, IMG), await sharp(join(SAMPLE_BUSI, 'benign', IMG)).jpeg().toBuffer()); }, args: ['lint', '{w}/data', '--fail-on', 'error'], expect: { exit: 0, code: 'EXTENSION_MISMATCH', says: /JPEG/ } },
  { group: 'file', input: 'a text file named .png', setup: (w) => { data(w); writeFileSync(file(w, IMG), 'not an image'); }, args: ['masks2csv', '{w}/data', '-o', '{w}/out.csv'], expect: { exit: 3, code: 'UNSUPPORTED_FORMAT', says: /benign \(1\)\.png/ } },
  { group: 'file', input: 'mask of 20000×20000 pixels (header)', setup: (w) => { data(w); writeFileSync(file(w, 'benign (1)_mask.png'), pngClaiming(20000, 20000)); }, args: ['masks2csv', '{w}/data', '-o', '{w}/out.csv'], expect: { exit: 3, code: 'IMAGE_TOO_LARGE', says: /20000x20000/ } },
  { group: 'file', input: 'image of 20000×20000 pixels (header)', setup: (w) => { mkdirSync(join(w.dir, 'in')); writeFileSync(join(w.dir, 'in', 'big.png'), pngClaiming(20000, 20000)); }, args: ['predict', '-i', '{w}/in', '-o', '{w}/out', '-m', MODEL, '--device', 'cpu'], expect: { exit: 3, code: 'IMAGE_TOO_LARGE', says: /20000x20000/ } },
  { group: 'file', input: 'mask of another size than its image', setup: async (w) => { data(w); writeFileSync(file(w, 'benign (1)_mask.png'), await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer()); }, args: ['masks2csv', '{w}/data', '-o', '{w}/out.csv'], expect: { exit: 3, code: 'SIZE_MISMATCH', says: /benign \(1\)_mask\.png/ } },
  { group: 'file', input: 'directory symlink loop in the dataset', setup: (w) => { data(w); symlinkSync('..', join(w.dir, 'data', 'benign', 'loop')); }, args: ['lint', '{w}/data', '--fail-on', 'none', '--json'], expect: { exit: 0, says: /"images": 11,/ } },
  { group: 'file', input: 'glob through a symlink loop', setup: (w) => { mkdirSync(join(w.dir, 'in')); cpSync(join(SAMPLE_BUSI, 'benign', IMG), join(w.dir, 'in', IMG)); symlinkSync('..', join(w.dir, 'in', 'loop')); }, args: ['predict', '-i', '{w}/in/**/*.png', '-o', '{w}/out', '-m', MODEL, '--device', 'cpu', '--json'], expect: { exit: 0, says: /"predicted": 1,/ } },
  { group: 'file', input: 'model file is not ONNX', setup: (w) => writeFileSync(join(w.dir, 'm.onnx'), 'not a model'), args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '-m', '{w}/m.onnx'], expect: { exit: 1, code: 'BAD_MODEL', says: /not an ONNX model/ } },
  { group: 'file', input: 'model file does not exist', args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '-m', '{w}/nope.onnx'], expect: { exit: 2, code: 'INPUT_NOT_FOUND', says: /no such file/ } },
  { group: 'file', input: 'ground truth is not JSON', setup: (w) => writeFileSync(join(w.dir, 'gt.json'), '{'), args: ['eval', '--gt', '{w}/gt.json', '--pred', '{w}/gt.json'], expect: { exit: 1, code: 'BAD_COCO', says: /not valid JSON/ } },
  { group: 'file', input: 'predictions CSV with the wrong header', setup: (w) => writeFileSync(join(w.dir, 'p.csv'), 'a,b\n1,2\n'), args: ['eval', '--gt', SAMPLE_BUSI, '--pred', '{w}/p.csv'], expect: { exit: 1, code: 'BAD_CSV', says: /not a predictions CSV/ } },
  {
    group: 'file',
    input: 'predictions for some of the ground-truth images',
    setup: (w) => writeFileSync(join(w.dir, 'p.json'), JSON.stringify([{ file_name: IMG, category_id: 1, bbox: [100, 60, 80, 90], score: 0.9 }])),
    args: ['eval', '--gt', SAMPLE_BUSI, '--pred', '{w}/p.json'],
    expect: { exit: 0, says: /only 1 of 11 ground-truth images have detections/ },
  },
  // ---- outputs ----------------------------------------------------------------------------------
  { group: 'file', input: 'output folder exists', setup: (w) => mkdirSync(join(w.dir, 'out')), args: ['export', SAMPLE_BUSI, '-o', '{w}/out'], expect: { exit: 0, says: /export:/ } },
  { group: 'file', input: 'output folder exists and is not empty', setup: (w) => { mkdirSync(join(w.dir, 'out')); writeFileSync(join(w.dir, 'out', 'keep.txt'), 'x'); }, args: ['export', SAMPLE_BUSI, '-o', '{w}/out'], expect: { exit: 2, code: 'OUTPUT_EXISTS', says: /pass --force/ } },
  { group: 'file', input: 'output file exists', setup: (w) => writeFileSync(join(w.dir, 'b.csv'), 'x'), args: ['masks2csv', SAMPLE_BUSI, '-o', '{w}/b.csv'], expect: { exit: 2, code: 'OUTPUT_EXISTS', says: /--force/ } },
  { group: 'file', input: 'detections from an earlier run', setup: (w) => { mkdirSync(join(w.dir, 'out')); writeFileSync(join(w.dir, 'out', 'detections.json'), '[]'); }, args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '-m', MODEL], expect: { exit: 2, code: 'OUTPUT_EXISTS', says: /--force/ } },
  { group: 'file', input: '-o inside the dataset', setup: (w) => { data(w); }, args: ['export', '{w}/data', '-o', '{w}/data/upload'], expect: { exit: 2, code: 'OUTPUT_OVERLAPS_INPUT', says: /inside/ } },
  { group: 'file', input: '-o inside the dataset through a symlink', setup: (w) => { data(w); symlinkSync(join(w.dir, 'data'), join(w.dir, 'link')); }, args: ['export', '{w}/data', '-o', '{w}/link/upload'], expect: { exit: 2, code: 'OUTPUT_OVERLAPS_INPUT', says: /inside/ } },
  { group: 'file', input: 'HTML report exists', setup: (w) => writeFileSync(join(w.dir, 'r.html'), 'x'), args: ['eval', '--gt', SAMPLE_BUSI, '--pred', '{w}/r.html', '--report', '{w}/r.html'], expect: { exit: 2, code: 'OUTPUT_EXISTS', says: /--force/ } },
  // ---- options ----------------------------------------------------------------------------------
  { group: 'option', input: '--threshold 2', args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '--threshold', '2'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /Expected number between 0 and 1 for --threshold but received 2/ } },
  { group: 'option', input: '--threshold 2', args: ['eval', '--gt', SAMPLE_BUSI, '--pred', 'p.json', '--threshold', '2'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /for --threshold but received 2/ } },
  { group: 'option', input: '--sessions 0', args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '--sessions', '0'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /for --sessions but received 0/ } },
  { group: 'option', input: '--width abc', args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '--width', 'abc'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /for --width but received "abc"/ } },
  { group: 'option', input: '--val abc', args: ['split', SAMPLE_BUSI, '-o', '{w}/out', '--val', 'abc'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /for --val but received "abc"/ } },
  { group: 'option', input: '--min-area -1', args: ['masks2csv', SAMPLE_BUSI, '--min-area', '-1'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /for --min-area but received -1/ } },
  { group: 'option', input: '--classes Benign (no such class)', args: ['masks2csv', SAMPLE_BUSI, '--classes', 'Benign', '-o', '{w}/b.csv'], expect: { exit: 2, code: 'UNKNOWN_CLASS', says: /benign, malignant, normal/ } },
  { group: 'option', input: '--classes Benign (no such class)', args: ['export', SAMPLE_BUSI, '--classes', 'Benign', '-o', '{w}/out'], expect: { exit: 2, code: 'UNKNOWN_CLASS', says: /benign, malignant, normal/ } },
  { group: 'option', input: '--boxes polygon', args: ['masks2csv', SAMPLE_BUSI, '--boxes', 'polygon'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /Choices: "component", "mask", "image"/ } },
  { group: 'option', input: '--device gpu', args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '--device', 'gpu'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /Choices: "auto", "cuda", "cpu"/ } },
  { group: 'option', input: 'an option that takes a value, without one', args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '--detections-json'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /--detections-json needs a value/ } },
  { group: 'option', input: 'an unknown option', args: ['masks2csv', SAMPLE_BUSI, '--frobnicate'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /Unknown argument: frobnicate/ } },
  { group: 'option', input: 'an unknown command', args: ['foo'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /Unknown command "foo"\. The commands are: masks2csv/ } },
  { group: 'option', input: 'a command without its dataset', args: ['lint'], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /lint needs <dataset>/ } },
  { group: 'option', input: '--pred and --model together', args: ['eval', '--gt', SAMPLE_BUSI, '--pred', 'p.json', '--model', MODEL], expect: { exit: 2, code: 'INVALID_PARAMETER', says: /not both/ } },
  // ---- environment ------------------------------------------------------------------------------
  {
    group: 'environment',
    input: '--device cuda without CUDA libraries',
    skipWhen: () => (cudaProviderStatus().missing.length === 0 ? `the CUDA provider libraries are installed in ${cudaProviderStatus().dir}` : undefined),
    args: ['predict', '-i', SAMPLE_BUSI, '-o', '{w}/out', '-m', MODEL, '--device', 'cuda'], expect: { exit: 1, code: 'CUDA_UNAVAILABLE', says: /CUDA/ } },
  {
    group: 'environment',
    input: 'serve: the port is taken',
    setup: async (w) => ({ port: String(await listenOn(w)) }),
    args: ['serve', '-m', MODEL, '--device', 'cpu', '--port', '{port}'],
    expect: { exit: 1, code: 'PORT_IN_USE', says: /is in use/ },
  },
  { group: 'environment', input: 'output under a path that is a file', setup: (w) => writeFileSync(join(w.dir, 'f'), 'x'), args: ['masks2csv', SAMPLE_BUSI, '-o', '{w}/f/b.csv'], expect: { exit: 1, code: 'WRITE_FAILED', says: /f\/b\.csv/ } },
  // ---- library ----------------------------------------------------------------------------------
  {
    group: 'library',
    input: 'openDetector given a path instead of options',
    call: { shown: "openDetector('model.onnx')", run: () => openDetector('model.onnx' as never) },
    expect: { code: 'INVALID_PARAMETER', says: /openDetector expects an options object/ },
  },
  {
    group: 'library',
    input: 'writeUploadFolder into an existing folder',
    setup: (w) => { mkdirSync(join(w.dir, 'out')); writeFileSync(join(w.dir, 'out', 'keep.txt'), 'x'); },
    call: {
      shown: "writeUploadFolder('out', images, categories, { format: 'coco' })",
      run: async (w) => {
        const { images, categories } = await extractBoxes(await discoverDataset(SAMPLE_BUSI));
        return writeUploadFolder(join(w.dir, 'out'), images, categories, { format: 'coco' });
      },
    },
    expect: { code: 'OUTPUT_EXISTS', says: /force/ },
  },
  {
    group: 'library',
    input: 'extractBoxes with minArea -1',
    call: { shown: 'extractBoxes(dataset, { minArea: -1 })', run: async () => extractBoxes(await discoverDataset(SAMPLE_BUSI), { minArea: -1 }) },
    expect: { code: 'INVALID_PARAMETER', says: /minArea/ },
  },
];
