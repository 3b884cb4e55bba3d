import { checkOutputPath } from '@bus-tools/core/atomic';
import { openFileAtomic } from '@bus-tools/core/atomic-stream';
import { datatureCsvHeader, datatureCsvRows } from '@bus-tools/core/formats/datature-csv';
import type { AnnotatedImage } from '@bus-tools/core/dataset';
import { resolve } from 'node:path';
import { ExitCode, plural, type Io } from '../io.js';
import { countErrors, readDatasetBoxes, reportProblems } from './extract-run.js';
import type { DatasetArgs } from './dataset-options.js';
import { shardArg } from './shard-run.js';

export async function run(args: DatasetArgs & { output?: string; layout: 'width-height' | 'four-corner'; force: boolean; shard?: string }, io: Io): Promise<void> {
  const shard = shardArg(args.shard);
  if (args.output) checkOutputPath(args.output, args.dataset, 'file', args.force);
  // Rows go out image by image (to a temporary file renamed at the end, or to stdout).
  const out = args.output ? openFileAtomic(args.output) : { write: io.stdout, commit: () => {}, abort: () => {} };
  let result;
  let started = false; // the header goes out with the first image, so a dataset that cannot be read prints nothing
  const header = () => started || ((started = true), out.write(datatureCsvHeader(args.layout)));
  // Rows are formatted a batch of images at a time (csv-stringify's set-up costs more than a row).
  let batch: AnnotatedImage[] = [];
  const flush = () => {
    if (batch.length) out.write(datatureCsvRows(batch, args.layout));
    batch = [];
  };
  try {
    result = await readDatasetBoxes(args, io, 'masks2csv', {
      shard,
      onImage: (img) => {
        header();
        batch.push(img);
        if (batch.length >= 8) flush();
      },
    });
    header();
    flush();
    out.commit();
  } finally {
    out.abort();
  }
  reportProblems(result.problems, io, args.json);
  const { stats } = result;
  const skipped = countErrors(result.problems);
  const summary = {
    command: 'masks2csv',
    dataset: resolve(args.dataset),
    output: args.output ? resolve(args.output) : null,
    layout: args.layout,
    ...(shard ? { shard } : {}),
    boxMode: args.boxes,
    minArea: args['min-area'],
    images: stats.images,
    masks: stats.masks,
    boxes: stats.boxes,
    specksDropped: stats.specksDropped,
    skippedFiles: skipped,
    problems: result.problems,
  };
  if (args.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    io.stderr(
      `masks2csv${shard ? ` (shard ${shard.index}/${shard.count})` : ''}: ${plural(stats.images, 'image')}, ${plural(stats.masks, 'mask')} → ${plural(stats.boxes, 'box', 'boxes')} (${args.boxes} boxes, min-area ${args['min-area']}); ` +
        `${plural(stats.specksDropped, 'speck')} dropped; ${plural(result.problems.length, 'problem')}${skipped ? ` (${skipped} skipped)` : ''}` +
        `${args.output ? `; wrote ${args.output}` : ''}\n`,
    );
  }
  io.exitCode = skipped ? ExitCode.partial : ExitCode.ok;
}
