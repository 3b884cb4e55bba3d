/** `bus-tools eval`: wiring. Core loads the ground truth and evaluates; this reads options and prints. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { BusToolsError, checkOutputPath, COCO_STAT_NAMES, describeError, evaluatePredictions, evaluationToJson, imageLevelDefinition, lesionLevelDefinition, loadGroundTruth, parseSplitManifest, readPredictionFiles, rowsFromDetections, selectManifestPart, writeFileAtomic, type Coverage, type DetectionEvaluation, type LoadedGroundTruth, type ManifestPart, type PredictionRow, type Problem } from '@bus-tools/core';
import { ExitCode, plural, problemLine, progress, type Io } from '../io.js';
import type { EvalArgs } from './eval.js';

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    if (!existsSync(file)) throw new BusToolsError('INPUT_NOT_FOUND', `${file}: not found; check the ${flag} path`, { file, cause });
    throw new BusToolsError('UNREADABLE', `${file}: cannot be read (${describeError(cause)}); check the ${flag} path`, { file, cause });
  }
}

/** `--split manifest.csv --part test` → the ground-truth image ids of that part (and a warning for names it lacks). */
function splitScope(args: EvalArgs, loaded: LoadedGroundTruth, io: Io): { ids: Set<number>; problems: Problem[]; note: string } | undefined {
  if (args.part !== undefined && args.split === undefined) {
    throw new BusToolsError('INVALID_PARAMETER', `--part ${args.part} needs --split <manifest.csv> (the manifest \`bus-tools split\` writes)`);
  }
  if (args.split === undefined) return undefined;
  if (args.part === undefined) throw new BusToolsError('INVALID_PARAMETER', `--split ${args.split} needs --part: train, val, test or excluded`);
  const file = resolve(args.split);
  const selection = selectManifestPart(loaded.gt, parseSplitManifest(readText(file, '--split'), file), args.part as ManifestPart, { file, extraNames: loaded.relPaths });
  const problems: Problem[] = [];
  if (selection.missing.length) {
    const m = selection.missing;
    const message = `${file}: ${plural(m.length, 'image')} of part ${args.part} ${m.length === 1 ? 'is' : 'are'} not in the ground truth, so not scored: ${m.slice(0, 5).join(', ')}${m.length > 5 ? ', …' : ''}`;
    problems.push({ file, code: 'IMAGE_NOT_FOUND', message, severity: 'warning' });
    if (!args.json) io.stderr(`warning: ${message}\n`);
  }
  return { ids: selection.imageIds, problems, note: `part ${args.part} of ${args.split}` };
}

/** A progress bar whose total is known only at the first callback. */
function lazyProgress(io: Io, label: string): { onProgress: (done: number, total: number) => void; done: () => void } {
  let bar: ReturnType<typeof progress> | undefined;
  return {
    onProgress: (_done, total) => (bar ??= progress(io, label, total)).tick(),
    done: () => bar?.done(),
  };
}

/**
 * Runs the model on the ground truth's images (those in `scope`). `note` says what ran, naming the
 * model as given; `shownNote(show)` names it through `show` (the report shows relative paths).
 */
async function predictWithModel(
  args: EvalArgs,
  loaded: LoadedGroundTruth,
  scope: ReadonlySet<number> | undefined,
  io: Io,
): Promise<{ rows: PredictionRow[]; problems: Problem[]; note: string; shownNote: (show: (p: string) => string) => string; predicted: Set<number> }> {
  const ids = loaded.gt.images.map((im) => im.id).filter((id) => loaded.paths.has(id) && (!scope || scope.has(id)));
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
  const predicted = new Set(r.images.map((p) => idByPath.get(p.path)!));
  const rows = rowsFromDetections(r.images.map((p) => ({ imageId: idByPath.get(p.path)!, detections: p.detections })));
  const note = (model: string) => `${r.isDefaultModel ? `the bundled BUSI model (${basename(r.model)})` : model} on ${r.device} (${r.images.length} images, ${r.seconds.toFixed(1)} s)`;
  return { rows, problems: r.problems, note: note(args.model ?? ''), shownNote: (show) => note(show(resolve(args.model ?? '.'))), predicted };
}

/** The coverage warning: how many ground-truth images the predictions name, and what to do (`split`: --split was given). */
export function coverageWarning(c: Coverage, split: boolean): string | undefined {
  const rest = c.scoredImages - c.predictedImages;
  if (rest <= 0) return undefined;
  const others = `${rest === 1 ? 'the other image is scored as an image' : `the other ${rest} are scored as images`} where nothing was found (any lesion there counts as missed)`;
  if (c.basis === 'model') {
    return `the model ran on only ${c.predictedImages} of ${c.groundTruthImages} ground-truth images (the rest have no image file or failed, as named above); ${others}`;
  }
  const limit = split ? '--only-predicted' : '--split manifest.csv --part test, or --only-predicted';
  return (
    `only ${c.predictedImages} of ${c.groundTruthImages} ground-truth images have detections in the predictions file; ${others}. ` +
    'A predictions file records nothing for an image without detections, so this is expected only if the model found nothing there. ' +
    `If the predictions were made on part of the images, limit the ground truth: ${limit}`
  );
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
  lines.push(`Lesion level: confusion matrix at IoU ≥ ${cm.iouThreshold}, score ≥ ${cm.scoreThreshold} (rows: lesions; columns: detections)`);
  lines.push(`  ${lesionLevelDefinition(cm)}`);
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
    `Image level: flagged malignant (a malignant box scoring ≥ ${m.threshold} anywhere in the image): sensitivity ${f3(m.sensitivity)} (${m.truePositives} of ${m.positives} malignant images), ` +
      `specificity ${f3(m.specificity)} (${m.trueNegatives} of ${m.negatives}), ROC AUC ${f3(m.auc)}`,
  );
  lines.push(`  ${imageLevelDefinition(m)}`);
  return `${lines.join('\n')}\n`;
}

export async function run(args: EvalArgs, io: Io): Promise<void> {
  const source = resolve((args.gt ?? args.dataset)!);
  const report = args.report ? resolve(args.report) : undefined;
  if (args['only-predicted'] && !args.pred) {
    throw new BusToolsError('INVALID_PARAMETER', '--only-predicted limits the ground truth to the images a --pred file names; when eval runs the model it predicts on every image (limit them with --split and --part)');
  }
  const bar = lazyProgress(io, 'eval: reading masks');
  const loaded = await loadGroundTruth(source, {
    ...(args.images ? { images: args.images } : {}),
    boxes: args.boxes,
    minArea: args['min-area'],
    onProgress: bar.onProgress,
  });
  bar.done();
  if (report) checkOutputPath(report, loaded.root, 'file', args.force, '--report');
  const problems = [...loaded.problems];
  for (const p of loaded.problems) if (!args.json) io.stderr(problemLine(p));
  const split = splitScope(args, loaded, io);
  if (split) problems.push(...split.problems);

  let rows: PredictionRow[];
  let predSource: string;
  let predicted: Set<number> | undefined;
  let shownNote: ((show: (p: string) => string) => string) | undefined;
  if (!args.pred) {
    const made = await predictWithModel(args, loaded, split?.ids, io);
    rows = made.rows;
    predicted = made.predicted;
    problems.push(...made.problems);
    for (const p of made.problems) if (!args.json) io.stderr(problemLine(p));
    predSource = made.note;
    shownNote = made.shownNote;
  } else {
    const files = args.pred.map((p) => resolve(p));
    predSource = files.join(', ');
    rows = readPredictionFiles(files);
  }
  const scored = evaluatePredictions(loaded.gt, rows, {
    iouThreshold: args.iou,
    scoreThreshold: args.threshold,
    ...(split ? { imageIds: split.ids } : {}),
    ...(predicted ? { predictedImageIds: predicted } : {}),
    onlyPredicted: args['only-predicted'],
  });
  const { evaluation: ev, unknownImages, unknownCategories } = scored;
  // Detections on images the ground truth lacks make the run partial (pycocotools refuses them
  // outright); detections of classes it lacks are only reported (COCOeval ignores them too).
  const droppedImages = [...unknownImages.values()].reduce((a, b) => a + b, 0);
  const dropped = droppedImages + [...unknownCategories.values()].reduce((a, b) => a + b, 0);
  const gap = coverageWarning(ev.coverage, split !== undefined);
  if (!args.json) {
    if (unknownImages.size) {
      const names = [...unknownImages.keys()];
      io.stderr(`warning: ${plural(droppedImages, 'detection')} on ${plural(names.length, 'image')} the ground truth does not have, left out: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}\n`);
    }
    if (unknownCategories.size) {
      io.stderr(`warning: detections of unknown classes left out: ${[...unknownCategories].map(([k, n]) => `${k} (${n})`).join(', ')}; ground-truth classes are ${loaded.gt.categories.map((c) => c.name).join(', ')}\n`);
    }
    if (gap) io.stderr(`warning: ${gap}\n`);
  }

  if (report) {
    const { renderEvaluationReport } = await import('@bus-tools/core');
    const reportDir = dirname(report);
    const shown = (p: string) => (isAbsolute(p) ? relative(reportDir, p).split('\\').join('/') : p);
    // one thumbnail per gallery image that has a file (the gallery holds at most 500)
    const tbar = progress(io, 'eval: report thumbnails', Math.min(500, scored.gt.images.filter((im) => loaded.paths.has(im.id)).length));
    const html = await renderEvaluationReport({
      gt: scored.gt,
      results: scored.results,
      evaluation: ev,
      imagePaths: loaded.paths,
      title: `Evaluation of ${basename(args.pred?.join(', ') ?? args.model ?? 'the bundled BUSI model')} against ${basename(source)}${split ? ` (${split.note})` : ''}`,
      sources: { groundTruth: source, predictions: shownNote ? shownNote(shown) : predSource },
      pathsRelativeTo: reportDir,
      onProgress: () => tbar.tick(),
    });
    tbar.done();
    writeFileAtomic(report, html);
  }

  const counts = { images: scored.gt.images.length, annotations: scored.gt.annotations.length, detections: scored.results.length };
  const skipped = problems.filter((p) => p.severity === 'error').length;
  const c = ev.coverage;
  if (args.json) {
    const out = {
      command: 'eval',
      ground_truth: source,
      ground_truth_limit: { split: split ? { manifest: resolve(args.split!), part: args.part } : null, only_predicted: args['only-predicted'] },
      predictions: predSource,
      report: report ?? null,
      ...evaluationToJson(ev, counts),
      predictions_left_out: { unknown_images: Object.fromEntries(unknownImages), unknown_categories: Object.fromEntries(unknownCategories), outside_scored_images: scored.outsideScope },
      problems,
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(formatEvaluation(ev));
    const scope = split ? ` (${split.note})` : '';
    const setAside = scored.outsideScope ? `; ${plural(scored.outsideScope, 'detection')} on images not scored set aside` : '';
    io.stderr(
      `eval: ${plural(counts.images, 'image')}${scope}, ${plural(counts.annotations, 'lesion')}, ${plural(counts.detections, 'detection')}` +
        `${dropped ? ` (${dropped} more left out: no such image or class)` : ''}${setAside}; ` +
        `predictions on ${c.predictedImages} of ${c.groundTruthImages} ground-truth images (${c.basis === 'model' ? 'the model ran on them' : 'with detections'})` +
        `${args['only-predicted'] ? `, only those scored` : ''}; AP ${ev.coco.stats.AP.toFixed(3)}, AP50 ${ev.coco.stats.AP50.toFixed(3)}` +
        `${skipped ? `; ${plural(skipped, 'input')} skipped` : ''}${report ? `; wrote ${args.report}` : ''}\n`,
    );
  }
  // A coverage gap alone stays exit 0 (with the warning): nothing was skipped, and a predictions
  // file cannot tell an image the model found nothing on from one it never saw.
  io.exitCode = skipped || droppedImages ? ExitCode.partial : ExitCode.ok;
}
