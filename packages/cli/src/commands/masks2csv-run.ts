import { checkOutputPath, writeFileAtomic } from '@bus-tools/core/atomic';
import { toDatatureCsv } from '@bus-tools/core/formats/datature-csv';
import { resolve } from 'node:path';
import { ExitCode, plural, type Io } from '../io.js';
import { countErrors, readDatasetBoxes, reportProblems } from './extract-run.js';
import type { DatasetArgs } from './dataset-options.js';

export async function run(args: DatasetArgs & { output?: string; layout: 'width-height' | 'four-corner'; force: boolean }, io: Io): Promise<void> {
  if (args.output) checkOutputPath(args.output, args.dataset, 'file', args.force);
  const result = await readDatasetBoxes(args, io, 'masks2csv');
  const csv = toDatatureCsv(result.images, args.layout);
  if (args.output) writeFileAtomic(args.output, csv);
  else io.stdout(csv);
  reportProblems(result.problems, io, args.json);
  const { stats } = result;
  const skipped = countErrors(result.problems);
  const summary = {
    command: 'masks2csv',
    dataset: resolve(args.dataset),
    output: args.output ? resolve(args.output) : null,
    layout: args.layout,
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
      `masks2csv: ${plural(stats.images, 'image')}, ${plural(stats.masks, 'mask')} → ${plural(stats.boxes, 'box', 'boxes')} (${args.boxes} boxes, min-area ${args['min-area']}); ` +
        `${plural(stats.specksDropped, 'speck')} dropped; ${plural(result.problems.length, 'problem')}${skipped ? ` (${skipped} skipped)` : ''}` +
        `${args.output ? `; wrote ${args.output}` : ''}\n`,
    );
  }
  io.exitCode = skipped ? ExitCode.partial : ExitCode.ok;
}
