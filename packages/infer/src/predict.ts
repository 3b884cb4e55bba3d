/**
 * Predicting on many images: a small pipeline in which the main thread reads, decodes and resizes
 * the next images (plain PNGs in JavaScript, other formats through sharp: see image.ts) while the
 * model runs on the current ones: on the CPU, one image per worker session at once (see backend/pool.ts).
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { assertOutsideInput, assertShard, BusToolsError, checkArgument, describeError, inShard, isPath, isPathList, isRecord, realPathOf, type Detection, type Problem, type Shard } from '@bus-tools/core';
import { openDetector, type Detector, type DetectorOptions } from './detector.js';
import { decodeForModel, writeAnnotated, type DecodedImage } from './image.js';
import { listImages } from './inputs.js';
import type { LayoutName } from './layouts.js';
import { openDetectionsWriters } from './outputs.js';

export interface ImagePrediction {
  /** Absolute path of the image. */
  path: string;
  /** The base name (`benign (1).png`): the upload name Datature and COCO ground truth match on. */
  fileName: string;
  /** Path relative to `root` (`benign/benign (1).png`), `/`-separated; the base name without `root`. */
  relativePath: string;
  /** 1-based position of the image in the input list (COCO `image_id`); with a shard, in the whole list. */
  imageId: number;
  /** Original size in pixels. */
  width: number;
  height: number;
  /** Best first, pixel-edge `xyxy` in original pixels, `classId` 1-based, `label` from the label map. */
  detections: Detection[];
}

export interface PredictOptions extends DetectorOptions {
  /** `relativePath`s are relative to this folder; default: they are base names. */
  root?: string;
  /** Images decoded ahead of the model; default 4. */
  prefetch?: number;
  /** An open detector to use instead of opening `model` (it is not closed). */
  detector?: Detector;
  /**
   * Called in input order for each predicted image, with the decoded image (its full-size pixels are
   * there for drawing). Awaited: a slow callback holds the pipeline back.
   */
  onImage?: (prediction: ImagePrediction, image: DecodedImage) => void | Promise<void>;
  /** Called after each image, predicted or skipped (`total`: the images of the shard). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Only the images of this shard (by `relativePath`, see shard.ts). Their `imageId`s stay their
   * positions in the whole list, so the shards' results merge into those of one run.
   */
  shard?: Shard;
  /** Keep every prediction in the result's `images` (default true). Off, memory stays flat however many images there are. */
  keepImages?: boolean;
}

export interface PredictResult {
  /** The model file that ran. */
  model: string;
  /** True when no model was given and the bundled BUSI model ran. */
  isDefaultModel: boolean;
  /** Predictions for the images that decoded, in input order (empty with `keepImages: false`). */
  images: ImagePrediction[];
  /** Images that were skipped (undecodable, unreadable), each with the reason. */
  problems: Problem[];
  layout: LayoutName;
  device: 'cpu' | 'cuda';
  deviceNote: string;
  inputWidth: number;
  inputHeight: number;
  threshold: number;
  /** Wall-clock seconds from the first decode to the last prediction (model loading excluded). */
  seconds: number;
  /** The images of the list that were this run's to predict: all of them, or those in `shard`. */
  considered: number;
}

/**
 * Runs a detector over `paths`. An image that cannot be decoded is reported in `problems` and
 * skipped; the run goes on. Bad options and bad models throw before any image is read.
 *
 * @example
 *   const r = await predictImages(['a.png', 'b.png'], { model: 'fixtures/models/retinanet-tfod.onnx', threshold: 0.05 });
 *   r.images[0].detections[0]; // { xyxy: [117.2, 63.9, 186.0, 153.1], score: 0.97, classId: 1, label: 'benign' }
 */
export async function predictImages(allPaths: readonly string[], options: PredictOptions): Promise<PredictResult> {
  checkArgument('predictImages', allPaths, isPathList, 'an array of image paths such as ["scan.png"]');
  checkArgument('predictImages', options, isRecord, 'an options object such as { model: "model.onnx" }');
  const shard = assertShard(options.shard);
  const detector = options.detector ?? (await openDetector({ ...options, sessions: options.sessions ?? 'auto' }));
  try {
    const { inputWidth: W, inputHeight: H } = detector;
    // Images in flight: those the sessions run or have queued, plus `prefetch` decoded ahead.
    const depth = detector.inFlight + Math.max(1, options.prefetch ?? 4);
    const relativeOf = (p: string) => (options.root ? relative(options.root, p).split(sep).join('/') : basename(p));
    // With a shard: its images, each with its position in the whole list.
    const positions: number[] = [];
    allPaths.forEach((p, i) => inShard(relativeOf(p), shard) && positions.push(i));
    const paths = shard ? positions.map((i) => allPaths[i]) : allPaths;
    type Done = { ok: true; image: DecodedImage; detections: Detection[] } | { ok: false; problem: Problem };
    const problemOf = (p: string, err: unknown): Done => ({
      ok: false,
      problem: { file: p, code: err instanceof BusToolsError ? err.code : 'BAD_IMAGE', message: describeError(err), severity: 'error' },
    });
    // decode → model → detections; a failed decode is a problem of that image, a failed run ends the job.
    const start = (p: string): Promise<Done> =>
      decodeForModel(p, W, H).then(
        async (image): Promise<Done> => ({ ok: true, image, detections: detector.postprocess(await detector.run(detector.preprocess(image)), image) }),
        (err: unknown) => problemOf(p, err),
      );

    const t0 = performance.now();
    const images: ImagePrediction[] = [];
    const problems: Problem[] = [];
    const queue: Promise<Done>[] = [];
    let next = 0;
    const fill = () => {
      while (next < paths.length && queue.length < depth) {
        const job = start(paths[next++]);
        job.catch(() => undefined); // awaited in order below; don't report it as unhandled meanwhile
        queue.push(job);
      }
    };
    try {
      fill();
      for (let i = 0; i < paths.length; i++) {
        const done = await queue.shift()!;
        fill();
        if (!done.ok) {
          problems.push(done.problem);
        } else {
          const prediction: ImagePrediction = {
            path: paths[i],
            fileName: basename(paths[i]),
            relativePath: relativeOf(paths[i]),
            imageId: (shard ? positions[i] : i) + 1,
            width: done.image.width,
            height: done.image.height,
            detections: done.detections,
          };
          if (options.keepImages !== false) images.push(prediction);
          await options.onImage?.(prediction, done.image);
        }
        options.onProgress?.(i + 1, paths.length);
      }
    } finally {
      await Promise.allSettled(queue); // nothing may still run on the detector when it is closed
    }
    return {
      model: detector.model,
      isDefaultModel: detector.isDefaultModel,
      images,
      problems,
      layout: detector.layout.name,
      device: detector.device,
      deviceNote: detector.deviceNote,
      inputWidth: W,
      inputHeight: H,
      threshold: detector.threshold,
      seconds: (performance.now() - t0) / 1000,
      considered: paths.length,
    };
  } finally {
    if (!options.detector) await detector.close();
  }
}

export interface PredictFolderOptions extends Omit<PredictOptions, 'root' | 'onImage' | 'detector'> {
  /** An image file or a folder of images (searched recursively; BUSI `_mask` files are skipped). */
  input: string;
  /** Folder for the annotated images; created if needed. Must not be inside `input`. */
  output: string;
  /** COCO results JSON path; default `<output>/detections.json` (with `shard`: `detections-<I>-of-<N>.json`, so shards can share `output`). */
  json?: string;
  /** CSV path; default `<output>/detections.csv` (with `shard`: `detections-<I>-of-<N>.csv`). */
  csv?: string;
  /** Write an annotated copy of every image, not only of those with detections (as predict.py does). */
  allImages?: boolean;
  /** Annotated images drawn at the same time; default 4. */
  drawConcurrency?: number;
  /**
   * Replace the results of an earlier run (the CLI's `--force`). Without it, an output folder that
   * holds files, or detections files that exist, stop the run before the model is loaded
   * (`OUTPUT_EXISTS`). With it, the earlier detections files and annotated images (image files in
   * `output`) are removed first, so no image of the earlier run is left beside the new ones. A shard
   * run (`shard` with a count above 1) shares `output` with the other shards: only its own detections
   * files are checked and replaced, and annotated images are overwritten by name.
   */
  force?: boolean;
}

export interface PredictFolderReport extends Omit<PredictResult, 'images' | 'considered'> {
  /** Images found (masks excluded; with a shard, those of the shard). */
  found: number;
  /** Images predicted (found minus skipped). */
  predicted: number;
  withDetections: number;
  detections: number;
  /** Annotated images written. */
  annotated: number;
  masksSkipped: number;
  output: string;
  json: string;
  csv: string;
  /** The label map file, if any. */
  labelFile?: string;
  images: ImagePrediction[];
}

/**
 * Everything `bus-tools predict` does: find the images, predict, write annotated images (atomically:
 * temporary file + rename), COCO results JSON and CSV. Inputs are never written to: `output`, `json`
 * and `csv` inside the input folder are refused.
 *
 * @example
 *   const r = await predictFolder({ input: 'scans/', output: 'pred/', model: 'model.onnx', threshold: 0.5 });
 *   `${r.predicted} images, ${r.detections} detections`
 * @throws BusToolsError for bad options, models and empty inputs; undecodable images are `problems`.
 */
export async function predictFolder(options: PredictFolderOptions): Promise<PredictFolderReport> {
  checkArgument('predictFolder', options, isRecord, 'an options object such as { input: "scans/", output: "predictions/" }');
  checkArgument('predictFolder', options.input, isPath, 'an input path (options.input) such as "scans/"');
  checkArgument('predictFolder', options.output, isPath, 'an output folder (options.output) such as "predictions/"');
  const list = listImages(options.input);
  const output = resolve(options.output);
  const shard = assertShard(options.shard);
  const stem = shard && shard.count > 1 ? `detections-${shard.index}-of-${shard.count}` : 'detections';
  const json = resolve(options.json ?? join(output, `${stem}.json`));
  const csv = resolve(options.csv ?? join(output, `${stem}.csv`));
  const inputIsFolder = list.files.length !== 1 || list.files[0] !== resolve(options.input);
  for (const [flag, p] of [['--output', output], ['--detections-json', json], ['--detections-csv', csv]] as const) {
    if (inputIsFolder) assertOutsideInput(p, list.root, { flag, input: 'the input folder', mayContain: true });
    else if (realPathOf(p) === realPathOf(list.files[0]) || (flag === '--output' && realPathOf(p) === realPathOf(list.root))) {
      throw new BusToolsError(
        'OUTPUT_OVERLAPS_INPUT',
        `${flag} ${p} would overwrite or share a folder with the input ${list.files[0]}; bus-tools never writes into its inputs. Choose a folder outside it.`,
        { file: p },
      );
    }
  }

  prepareOutput(output, [['--detections-json', json], ['--detections-csv', csv]], Boolean(shard && shard.count > 1), options.force ?? false);

  const detector = await openDetector({ ...options, sessions: options.sessions ?? 'auto' });
  mkdirSync(output, { recursive: true });
  const limit = Math.max(1, options.drawConcurrency ?? 4);
  const drawing = new Set<Promise<void>>();
  const drawProblems: Problem[] = [];
  let annotated = 0;
  let result: PredictResult;
  let predicted = 0;
  let withDetections = 0;
  let detections = 0;
  // JSON and CSV are written as the images come (temporary files, renamed when all went well).
  mkdirSync(dirname(json), { recursive: true });
  mkdirSync(dirname(csv), { recursive: true });
  const writers = openDetectionsWriters(json, csv);
  try {
    result = await predictImages(list.files, {
      ...options,
      detector,
      root: list.root,
      onImage: async (p, image) => {
        writers.add(p);
        predicted++;
        detections += p.detections.length;
        if (p.detections.length > 0) withDetections++;
        if (p.detections.length === 0 && !options.allImages) return;
        const target = join(output, ...p.relativePath.split('/'));
        mkdirSync(dirname(target), { recursive: true });
        const job = writeAnnotated(image.pixels, p.width, p.height, p.detections, target).then(
          () => void annotated++,
          (err: unknown) => void drawProblems.push({ file: p.path, code: 'DRAW_FAILED', message: `${target}: annotated image not written (${describeError(err)})`, severity: 'error' }),
        );
        drawing.add(job);
        void job.finally(() => drawing.delete(job));
        if (drawing.size >= limit) await Promise.race(drawing);
      },
    });
    await Promise.all(drawing);
    writers.commit();
  } finally {
    writers.abort();
    await detector.close();
  }

  const { considered, ...rest } = result; // reported as `found`
  return {
    ...rest,
    problems: [...result.problems, ...drawProblems],
    found: considered,
    predicted,
    withDetections,
    detections,
    annotated,
    masksSkipped: list.masksSkipped,
    output,
    json,
    csv,
    labelFile: detector.labelFile,
  };
}

const IMAGE_FILE = /\.(png|jpe?g|webp|tiff?)$/i;

/**
 * predict's rule for existing outputs (see `PredictFolderOptions.force`). Runs before any work.
 * @throws BusToolsError `OUTPUT_EXISTS` naming what is there and `--force`.
 */
function prepareOutput(output: string, files: ReadonlyArray<readonly [string, string]>, shared: boolean, force: boolean): void {
  const existing = files.filter(([, p]) => existsSync(p));
  let earlier: string[] = [];
  if (!shared && existsSync(output)) {
    if (!statSync(output).isDirectory()) throw new BusToolsError('OUTPUT_EXISTS', `--output ${output} is a file; give a folder for the annotated images.`, { file: output });
    // Links are not followed: only files inside `output` itself are ever removed.
    earlier = (readdirSync(output, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath: string; isFile(): boolean }>)
      .filter((e) => e.isFile() && IMAGE_FILE.test(e.name))
      .map((e) => join(e.parentPath, e.name));
  }
  if (!force) {
    const [flag, p] = existing[0] ?? [];
    if (p) throw new BusToolsError('OUTPUT_EXISTS', `${flag} ${p} already exists (from an earlier run); pass --force to replace it, or choose another -o.`, { file: p });
    if (!shared && existsSync(output) && readdirSync(output).length > 0) {
      throw new BusToolsError('OUTPUT_EXISTS', `--output ${output} already holds files${earlier.length ? ` (${earlier.length} images from an earlier run?)` : ''}; pass --force to replace the earlier results, or choose another folder.`, { file: output });
    }
    return;
  }
  for (const [, p] of existing) rmSync(p, { force: true });
  for (const f of earlier) rmSync(f, { force: true });
  // Then the folders those images were in, when nothing else is left in them (deepest first).
  const dirs = [...new Set(earlier.map((f) => dirname(f)))].filter((d) => d !== output).sort((a, b) => b.length - a.length);
  for (const d of dirs) {
    for (let at = d; at.startsWith(output + sep) && readdirSync(at).length === 0; at = dirname(at)) rmdirSync(at);
  }
}
