import { relative } from 'node:path';
import { predictFolder } from '@bus-tools/infer';
import { ExitCode, plural, progress, type Io } from '../io.js';
import type { PredictArgs } from './predict.js';
import { shardArg } from './shard-run.js';

const shortPath = (p: string) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};

export async function run(args: PredictArgs, io: Io): Promise<void> {
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
    layout: args.layout,
    json: args.json,
    csv: args.csv,
    allImages: args['all-images'],
    threads: args.threads,
    sessions: args.sessions,
    shard,
    keepImages: false,
    onWarning: (m) => {
      warnings.push(m);
      if (!args['summary-json']) io.stderr(`warning: ${m}\n`);
    },
    onProgress: (done, total) => {
      bar ??= progress(io, 'predict', total);
      bar.tick();
      if (done === total) bar.done();
    },
  });

  const skipped = report.problems.length;
  const ips = report.seconds > 0 ? report.predicted / report.seconds : 0;
  if (args['summary-json']) {
    const { images: _images, ...rest } = report;
    io.stdout(`${JSON.stringify({ command: 'predict', ...rest, ...(shard ? { shard } : {}), imagesPerSecond: Number(ips.toFixed(2)), warnings }, null, 2)}\n`);
  } else {
    for (const p of report.problems) io.stderr(`${p.severity}: ${p.message}\n`);
    io.stderr(
      `predict: ${plural(report.predicted, 'image')} → ${plural(report.detections, 'detection')} on ${report.withDetections} (threshold ${report.threshold}); ` +
        `${plural(report.annotated, 'annotated image')} in ${shortPath(report.output)}; wrote ${shortPath(report.json)}, ${shortPath(report.csv)}` +
        `${shard ? ` (shard ${shard.index}/${shard.count})` : ''}${skipped ? `; ${skipped} skipped` : ''}${report.masksSkipped ? `; ${plural(report.masksSkipped, 'mask file')} ignored` : ''}` +
        `; ${report.isDefaultModel ? 'the bundled BUSI model' : shortPath(report.model)}, ${report.layout} layout ${report.inputWidth}x${report.inputHeight} on ${report.deviceNote}; ${ips.toFixed(1)} images/s\n`,
    );
  }
  io.exitCode = skipped ? ExitCode.partial : ExitCode.ok;
}
