/** `bus-tools eval`: read ground truth and predictions, evaluate, print, optionally write the report. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import {
  alignPredictions,
  BUSI_CATEGORIES,
  BusToolsError,
  checkOutputPath,
  COCO_STAT_NAMES,
  describeError,
  discoverDataset,
  evaluateDetections,
  evaluationToJson,
  extractBoxes,
  fromDatatureCsv,
  groundTruthFromImages,
  parseCocoGroundTruth,
  parsePredictionsCsv,
  parsePredictionsJson,
  readPredictionFiles,
  readImageSize,
  rowsFromDetections,
  writeFileAtomic,
  type AnnotatedImage,
  type Category,
  type DetectionEvaluation,
  type EvalGroundTruth,
  type PredictionRow,
  type Problem,
} from '@bus-tools/core';
import { ExitCode, plural, progress, type Io } from '../io.js';
import type { EvalArgs } from './eval.js';

interface LoadedGroundTruth {
  gt: EvalGroundTruth;
  /** Image id → image file, where known (thumbnails, --model). */
  paths: Map<number, string>;
  kind: 'dataset' | 'coco' | 'csv';
  /** Folder outputs must stay out of. */
  inputRoot: string;
  problems: Problem[];
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${file}: cannot be read (${describeError(cause)}); check the ${flag} path`, { file, cause });
  }
}

function readJson(file: string, flag: string): unknown {
  const text = readText(file, flag);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new BusToolsError(flag === '--gt' ? 'BAD_COCO' : 'BAD_PREDICTIONS', `${file}: not valid JSON (${describeError(cause)}); ${flag} expects ${flag === '--gt' ? 'a COCO ground-truth file' : "predict's detections.json"}`, { file, cause });
  }
}

/** Every file under `dir` by base name (first one wins), for finding `benign (1).png` in class folders. */
function indexFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true }) as string[];
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${dir}: cannot list the --images folder (${describeError(cause)})`, { file: dir, cause });
  }
  for (const rel of entries.sort()) {
    const name = basename(rel);
    if (!out.has(name)) out.set(name, join(dir, rel));
  }
  return out;
}

async function loadGroundTruth(args: EvalArgs, io: Io): Promise<LoadedGroundTruth> {
  const source = resolve((args.gt ?? args.dataset)!);
  let st;
  try {
    st = statSync(source);
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${source}: not found; --gt takes a dataset folder, a COCO .json or a Datature .csv`, { file: source, cause });
  }
  if (st.isDirectory()) {
    const dataset = await discoverDataset(source);
    const bar = progress(io, 'eval: reading masks', dataset.images.length);
    const result = await extractBoxes(dataset, {
      boxes: args.boxes,
      minArea: args['min-area'],
      classes: BUSI_CATEGORIES.map((c) => c.name),
      includeNormal: true,
      onProgress: () => bar.tick(),
    });
    bar.done();
    const gt = groundTruthFromImages(result.images, result.categories);
    const paths = new Map<number, string>();
    result.images.forEach((im, i) => im.path && paths.set(i + 1, im.path));
    return { gt, paths, kind: 'dataset', inputRoot: source, problems: result.problems };
  }
  const ext = extname(source).toLowerCase();
  if (ext === '.json') {
    const gt = parseCocoGroundTruth(readJson(source, '--gt'), source);
    const paths = new Map<number, string>();
    if (args.images) {
      const files = indexFiles(resolve(args.images));
      for (const im of gt.images) {
        const p = im.file_name && files.get(basename(im.file_name));
        if (p) paths.set(im.id, p);
      }
    }
    return { gt, paths, kind: 'coco', inputRoot: args.images ? resolve(args.images) : source, problems: [] };
  }
  if (ext === '.csv') return loadCsvGroundTruth(source, args);
  throw new BusToolsError('INVALID_PARAMETER', `${source}: --gt expects a dataset folder, a COCO .json or a Datature .csv, not a ${ext || 'file without extension'}`, { file: source });
}

async function loadCsvGroundTruth(source: string, args: EvalArgs): Promise<LoadedGroundTruth> {
  if (!args.images) {
    throw new BusToolsError('INVALID_PARAMETER', `${source}: a Datature CSV has no image sizes; add --images <folder with the images> (class subfolders are searched)`, { file: source });
  }
  const imagesDir = resolve(args.images);
  const { images } = fromDatatureCsv(readText(source, '--gt'), source);
  const files = indexFiles(imagesDir);
  const categories: Category[] = BUSI_CATEGORIES.map((c) => ({ ...c }));
  const problems: Problem[] = [];
  const normalized = images.length > 0 && images.every((im) => im.boxes.every((b) => b.xyxy.every((v) => v >= 0 && v <= 1)));
  const kept: AnnotatedImage[] = [];
  for (const im of images) {
    const path = files.get(basename(im.fileName));
    if (!path) {
      problems.push({ file: source, code: 'IMAGE_NOT_FOUND', message: `${source}: "${im.fileName}" is not in ${imagesDir}; its ${plural(im.boxes.length, 'box', 'boxes')} left out`, severity: 'error' });
      continue;
    }
    const { width, height } = await readImageSize(path);
    for (const b of im.boxes) {
      const label = b.label ?? '';
      let cat = categories.find((c) => c.name === label);
      if (!cat) categories.push((cat = { id: categories.length + 1, name: label }));
      b.classId = cat.id;
      if (normalized) b.xyxy = [b.xyxy[0] * width, b.xyxy[1] * height, b.xyxy[2] * width, b.xyxy[3] * height];
    }
    kept.push({ ...im, path, width, height });
  }
  const gt = groundTruthFromImages(kept, categories);
  const paths = new Map<number, string>();
  kept.forEach((im, i) => paths.set(i + 1, im.path!));
  return { gt, paths, kind: 'csv', inputRoot: imagesDir, problems };
}

function loadPredictionFile(file: string): PredictionRow[] {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return parsePredictionsJson(readJson(file, '--pred'), file);
  if (ext === '.csv') return parsePredictionsCsv(readText(file, '--pred'), file);
  if (!existsSync(file)) throw new BusToolsError('UNREADABLE', `${file}: not found; --pred takes the detections.json or detections.csv that \`bus-tools predict\` writes`, { file });
  throw new BusToolsError('BAD_PREDICTIONS', `${file}: --pred expects a .json (COCO results) or .csv (filename,xmin,ymin,width,height,label,score) file`, { file });
}

async function predictWithModel(args: EvalArgs, loaded: LoadedGroundTruth, io: Io): Promise<{ rows: PredictionRow[]; problems: Problem[]; note: string }> {
  const ids = loaded.gt.images.map((im) => im.id).filter((id) => loaded.paths.has(id));
  if (ids.length === 0) {
    throw new BusToolsError('NO_IMAGES', `No --pred given, so eval predicts ${args.model ? `with ${args.model}` : 'with the bundled BUSI model'}, and that needs the images: give a dataset folder, or --images for a ${loaded.kind === 'csv' ? 'CSV' : 'COCO'} ground truth; or give --pred detections.json`);
  }
  const { predictImages } = await import('@bus-tools/infer');
  const bar = progress(io, 'eval: predicting', ids.length);
  const r = await predictImages(
    ids.map((id) => loaded.paths.get(id)!),
    {
      ...(args.model ? { model: args.model } : {}),
      threshold: args['model-threshold'],
      device: args.device,
      ...(args.label ? { labels: args.label } : {}),
      onProgress: () => bar.tick(),
      onWarning: (m: string) => io.stderr(`warning: ${m}\n`),
    },
  );
  bar.done();
  const idByPath = new Map(ids.map((id) => [loaded.paths.get(id)!, id]));
  const rows = rowsFromDetections(r.images.map((p) => ({ imageId: idByPath.get(p.path)!, detections: p.detections })));
  const model = r.isDefaultModel ? `the bundled BUSI model (${basename(r.model)})` : args.model;
  return { rows, problems: r.problems, note: `${model} on ${r.device} (${r.images.length} images, ${r.seconds.toFixed(1)} s)` };
}

const f3 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));

/** pycocotools' summary lines, then per-category AP, the confusion matrix and malignancy. */
export function formatEvaluation(ev: DetectionEvaluation): string {
  const lines: string[] = [];
  const spec: [string, string, string, number][] = [
    ['Precision', '0.50:0.95', 'all', 100],
    ['Precision', '0.50', 'all', 100],
    ['Precision', '0.75', 'all', 100],
    ['Precision', '0.50:0.95', 'small', 100],
    ['Precision', '0.50:0.95', 'medium', 100],
    ['Precision', '0.50:0.95', 'large', 100],
    ['Recall', '0.50:0.95', 'all', 1],
    ['Recall', '0.50:0.95', 'all', 10],
    ['Recall', '0.50:0.95', 'all', 100],
    ['Recall', '0.50:0.95', 'small', 100],
    ['Recall', '0.50:0.95', 'medium', 100],
    ['Recall', '0.50:0.95', 'large', 100],
  ];
  lines.push('COCO bbox evaluation (pycocotools COCOeval rules)');
  COCO_STAT_NAMES.forEach((name, i) => {
    const [kind, iou, area, maxDets] = spec[i];
    const title = `Average ${kind}`.padEnd(18);
    lines.push(` ${title} (${kind === 'Precision' ? 'AP' : 'AR'}) @[ IoU=${iou.padEnd(9)} | area=${area.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${ev.coco.stats[name].toFixed(3)}   ${name}`);
  });
  lines.push('');
  const w = Math.max(9, ...ev.coco.perCategory.map((c) => c.name.length));
  lines.push(`${'category'.padEnd(w)}  lesions     AP   AP50`);
  for (const c of ev.coco.perCategory) lines.push(`${c.name.padEnd(w)}  ${String(c.numGt).padStart(7)}  ${c.AP.toFixed(3).padStart(5)}  ${c.AP50.toFixed(3).padStart(5)}`);
  if (ev.lesion) {
    const lesions = ev.coco.perCategory.reduce((n, c) => n + c.numGt, 0);
    lines.push(`${'lesion'.padEnd(w)}  ${String(lesions).padStart(7)}  ${ev.lesion.AP.toFixed(3).padStart(5)}  ${ev.lesion.AP50.toFixed(3).padStart(5)}   (class-agnostic: any class counts)`);
  }
  lines.push('');
  const cm = ev.confusion;
  lines.push(`Confusion matrix at IoU ≥ ${cm.iouThreshold}, score ≥ ${cm.scoreThreshold} (rows: lesions; columns: detections)`);
  const rw = Math.max(...cm.rowLabels.map((l) => l.length), 'lesion \\ detected'.length);
  const cw = cm.columnLabels.map((l) => Math.max(l.length, 5));
  lines.push(`${'lesion \\ detected'.padEnd(rw)}  ${cm.columnLabels.map((l, j) => l.padStart(cw[j])).join('  ')}`);
  cm.matrix.forEach((row, i) => {
    const cells = row.map((v, j) => (i === cm.categories.length && j === cm.categories.length ? '-' : String(v)).padStart(cw[j]));
    lines.push(`${cm.rowLabels[i].padEnd(rw)}  ${cells.join('  ')}`);
  });
  lines.push('');
  const m = ev.malignancy;
  lines.push(
    `Malignancy per image (flagged when a malignant box scores ≥ ${m.threshold}): sensitivity ${f3(m.sensitivity)} (${m.truePositives} of ${m.positives}), ` +
      `specificity ${f3(m.specificity)} (${m.trueNegatives} of ${m.negatives}), ROC AUC ${f3(m.auc)}`,
  );
  return `${lines.join('\n')}\n`;
}

export async function run(args: EvalArgs, io: Io): Promise<void> {
  const loaded = await loadGroundTruth(args, io);
  const report = args.report ? resolve(args.report) : undefined;
  if (report) checkOutputPath(report, loaded.inputRoot, 'file', args.force, '--report');
  for (const p of loaded.problems) if (!args.json) io.stderr(`${p.severity}: ${p.message}\n`);

  let rows: PredictionRow[];
  let predSource: string;
  const problems = [...loaded.problems];
  if (!args.pred) {
    const predicted = await predictWithModel(args, loaded, io);
    rows = predicted.rows;
    problems.push(...predicted.problems);
    for (const p of predicted.problems) if (!args.json) io.stderr(`${p.severity}: ${p.message}\n`);
    predSource = predicted.note;
  } else {
    const files = args.pred.map((p) => resolve(p));
    predSource = files.join(', ');
    rows = files.length === 1 ? loadPredictionFile(files[0]) : readPredictionFiles(files);
  }
  const { results, unknownImages, unknownCategories } = alignPredictions(loaded.gt, rows);
  // Detections on images the ground truth lacks make the run partial (pycocotools refuses them
  // outright); detections of classes it lacks are only reported (COCOeval ignores them too).
  const droppedImages = [...unknownImages.values()].reduce((a, b) => a + b, 0);
  const dropped = droppedImages + [...unknownCategories.values()].reduce((a, b) => a + b, 0);
  if (!args.json) {
    if (unknownImages.size) {
      const names = [...unknownImages.keys()];
      io.stderr(`warning: ${plural([...unknownImages.values()].reduce((a, b) => a + b, 0), 'detection')} on ${plural(names.length, 'image')} the ground truth does not have, left out: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}\n`);
    }
    if (unknownCategories.size) {
      io.stderr(`warning: detections of unknown classes left out: ${[...unknownCategories].map(([k, n]) => `${k} (${n})`).join(', ')}; ground-truth classes are ${loaded.gt.categories.map((c) => c.name).join(', ')}\n`);
    }
  }

  const ev = evaluateDetections(loaded.gt, results, { iouThreshold: args.iou, scoreThreshold: args.threshold });
  if (report) {
    const { renderEvaluationReport } = await import('@bus-tools/core');
    const bar = progress(io, 'eval: report thumbnails', loaded.paths.size);
    const html = await renderEvaluationReport({
      gt: loaded.gt,
      results,
      evaluation: ev,
      imagePaths: loaded.paths,
      title: `Evaluation of ${basename(predSource)} against ${basename(resolve((args.gt ?? args.dataset)!))}`,
      sources: { groundTruth: resolve((args.gt ?? args.dataset)!), predictions: predSource },
      onProgress: () => bar.tick(),
    });
    bar.done();
    writeFileAtomic(report, html);
  }

  const counts = { images: loaded.gt.images.length, annotations: loaded.gt.annotations.length, detections: results.length };
  const skipped = problems.filter((p) => p.severity === 'error').length;
  if (args.json) {
    const out = {
      command: 'eval',
      ground_truth: resolve((args.gt ?? args.dataset)!),
      predictions: predSource,
      report: report ?? null,
      ...evaluationToJson(ev, counts),
      predictions_left_out: { unknown_images: Object.fromEntries(unknownImages), unknown_categories: Object.fromEntries(unknownCategories) },
      problems,
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(formatEvaluation(ev));
    io.stderr(
      `eval: ${plural(counts.images, 'image')}, ${plural(counts.annotations, 'lesion')}, ${plural(counts.detections, 'detection')}` +
        `${dropped ? ` (${dropped} more left out: no such image or class)` : ''}; AP ${ev.coco.stats.AP.toFixed(3)}, AP50 ${ev.coco.stats.AP50.toFixed(3)}` +
        `${skipped ? `; ${plural(skipped, 'input')} skipped` : ''}${report ? `; wrote ${args.report}` : ''}\n`,
    );
  }
  io.exitCode = skipped || droppedImages ? ExitCode.partial : ExitCode.ok;
}
