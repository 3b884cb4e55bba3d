import { assertOutsideInput, FORMATS, writeUploadFolder, type ExportFormat } from '@bus-tools/core';
import { resolve } from 'node:path';
import { ExitCode, plural, progress, type Io } from '../io.js';
import { countErrors, readDatasetBoxes, reportProblems } from './extract-run.js';
import type { DatasetArgs } from './dataset-options.js';

export async function run(args: DatasetArgs & { format: ExportFormat; output: string; force: boolean; link: boolean }, io: Io): Promise<void> {
  assertOutsideInput(args.output, args.dataset);
  const result = await readDatasetBoxes(args, io, 'reading masks');
  const bar = progress(io, 'copying images', result.images.length);
  const written = await writeUploadFolder(args.output, result.images, result.categories, {
    format: args.format,
    link: args.link,
    force: args.force,
    onProgress: () => bar.tick(),
  });
  bar.done();
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
          datatureOption: FORMATS[args.format].datatureOption,
          boxMode: args.boxes,
          minArea: args['min-area'],
          images: written.images,
          masks: stats.masks,
          boxes: written.boxes,
          specksDropped: stats.specksDropped,
          annotationFiles: written.annotationFiles.length,
          skippedFiles: skipped,
          problems: result.problems,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.stderr(
      `export: ${plural(written.images, 'image')}, ${plural(written.boxes, 'box', 'boxes')} (${plural(stats.specksDropped, 'speck')} dropped) → ${args.output} as ${args.format}; ` +
        `${plural(result.problems.length, 'problem')}${skipped ? ` (${skipped} skipped)` : ''}. ` +
        `Upload images/ first, then the annotations as "${FORMATS[args.format].datatureOption}" (see ${args.output}/UPLOAD.md)\n`,
    );
  }
  io.exitCode = skipped ? ExitCode.partial : ExitCode.ok;
}
