import { relative } from 'node:path';
import { predictFolder } from '@bus-tools/infer';
import { ExitCode, plural, problemLine, progress, type Io } from '../io.js';
import type { PredictArgs } from './predict.js';
import { shardArg } from './shard-run.js';

const shortPath = (p: string) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};

/**
 * Reads predict's options, old spellings included: `--json <file>` (predict.py's name for the detections
 * file) and `--summary-json` became `--detections-json <file>` and `--json` (a switch, as in every
 * command); `--layout` became `--model-layout` (masks2csv's `--layout` is the CSV layout).
 */
export function predictOptions(args: PredictArgs, io: Io): { summaryJson: boolean; detectionsJson?: string; modelLayout?: PredictArgs['model-layout'] } {
  const jsonFile = typeof args.json === 'string' && args.json !== '' ? args.json : undefined;
  if (jsonFile) io.stderr(`note: --json ${jsonFile} names the detections file in the old spelling; write --detections-json ${jsonFile} (--json alone prints the summary as JSON)\n`);
  if (args['summary-json']) io.stderr('note: --summary-json is now --json\n');
  if (args.layout) io.stderr(`note: --layout ${args.layout} is now --model-layout ${args.layout}\n`);
  return {
    summaryJson: args.json === true || args['summary-json'],
    detectionsJson: args['detections-json'] ?? jsonFile,
    modelLayout: args['model-layout'] ?? args.layout,
  };
}

export async function run(args: PredictArgs, io: Io): Promise<void> {
  const opts = predictOptions(args, io);
  const shard = shardArg(args.shard);
  const warnings: string[] = [];
  let bar: ReturnType<typeof progress> | undefined;
  const report = await predictFolder({
    input: args.input,
    output: args.output,
    ...(args.model ? { model: args.model } : {}),
    labels: args.label,
    threshold: args.threshold,
    width: args.width,
    height: args.height,
    device: args.device,
    layout: opts.modelLayout,
    json: opts.detectionsJson,
    csv: args['detections-csv'],
    allImages: args['all-images'],
    force: args.force,
    threads: args.threads,
    sessions: args.sessions,
    shard,
    keepImages: false,
    onWarning: (m) => {
      warnings.push(m);
      if (!opts.summaryJson) io.stderr(`warning: ${m}\n`);
    },
    onProgress: (done, total) => {
      bar ??= progress(io, 'predict', total);
      bar.tick();
      if (done === total) bar.done();
    },
  });

  const skipped = report.problems.length;
  const ips = report.seconds > 0 ? report.predicted / report.seconds : 0;
  if (opts.summaryJson) {
    const { images: _images, ...rest } = report;
    io.stdout(`${JSON.stringify({ command: 'predict', ...rest, ...(shard ? { shard } : {}), imagesPerSecond: Number(ips.toFixed(2)), warnings }, null, 2)}\n`);
  } else {
    for (const p of report.problems) io.stderr(problemLine(p));
    io.stderr(
      `predict: ${plural(report.predicted, 'image')} → ${plural(report.detections, 'detection')} on ${report.withDetections} (threshold ${report.threshold}); ` +
        `${plural(report.annotated, 'annotated image')} in ${shortPath(report.output)}; wrote ${shortPath(report.json)}, ${shortPath(report.csv)}` +
        `${shard ? ` (shard ${shard.index}/${shard.count})` : ''}${skipped ? `; ${skipped} skipped` : ''}${report.masksSkipped ? `; ${plural(report.masksSkipped, 'mask file')} ignored` : ''}` +
        `; ${report.isDefaultModel ? 'the bundled BUSI model' : shortPath(report.model)}, ${report.layout} layout ${report.inputWidth}x${report.inputHeight} on ${report.deviceNote}; ${ips.toFixed(1)} images/s\n`,
    );
  }
  io.exitCode = skipped ? ExitCode.partial : ExitCode.ok;
}
