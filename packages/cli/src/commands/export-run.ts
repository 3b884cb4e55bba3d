import { assertOutsideInput, DEFAULT_CLASSES, FORMATS, streamUploadFolder, type ExportFormat, type ExtractResult } from '@bus-tools/core';
import { resolve } from 'node:path';
import { ExitCode, plural, type Io } from '../io.js';
import { countErrors, readDatasetBoxes, reportProblems } from './extract-run.js';
import type { DatasetArgs } from './dataset-options.js';
import { shardArg } from './shard-run.js';

export async function run(args: DatasetArgs & { format: ExportFormat; output: string; force: boolean; link: boolean; shard?: string }, io: Io): Promise<void> {
  const shard = shardArg(args.shard);
  assertOutsideInput(args.output, args.dataset);
  // Each image is copied and annotated as soon as its masks are read (categories: the classes in order, as extractBoxes numbers them).
  const categories = (args.classes ?? DEFAULT_CLASSES).map((name, i) => ({ id: i + 1, name }));
  let result!: ExtractResult;
  const written = await streamUploadFolder(args.output, categories, { format: args.format, link: args.link, force: args.force }, async (add) => {
    // A shard's COCO image ids are the images' positions in the whole dataset, for `bus-tools merge`.
    result = await readDatasetBoxes(args, io, 'exporting', { shard, onImage: (img, position) => add(img, shard && shard.count > 1 ? position + 1 : undefined) });
  });
  reportProblems(result.problems, io, args.json);
  const skipped = countErrors(result.problems);
  const { stats } = result;
  if (args.json) {
    io.stdout(
      `${JSON.stringify(
        {
          command: 'export',
          dataset: resolve(args.dataset),
          output: resolve(args.output),
          format: args.format,
          ...(shard ? { shard } : {}),
          datatureOption: FORMATS[args.format].datatureOption,
          boxMode: args.boxes,
          minArea: args['min-area'],
          images: written.images,
          masks: stats.masks,
          boxes: written.boxes,
          specksDropped: stats.specksDropped,
          annotationFiles: written.annotationFiles,
          skippedFiles: skipped,
          problems: result.problems,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stderr(
      `export${shard ? ` (shard ${shard.index}/${shard.count})` : ''}: ${plural(written.images, 'image')}, ${plural(written.boxes, 'box', 'boxes')} (${plural(stats.specksDropped, 'speck')} dropped) → ${args.output} as ${args.format}; ` +
        `${plural(result.problems.length, 'problem')}${skipped ? ` (${skipped} skipped)` : ''}. ` +
        `Upload images/ first, then the annotations as "${FORMATS[args.format].datatureOption}" (see ${args.output}/UPLOAD.md)\n`,
    );
  }
  io.exitCode = skipped ? ExitCode.partial : ExitCode.ok;
}
