import { DATATURE_OPTIONS, EXPORT_FORMATS, type ExportFormat } from '@bus-tools/core/constants';
import type { BusCommand } from './index.js';
import { withExamples } from './options.js';
import { datasetOptions, type DatasetArgs } from './dataset-options.js';
import { SHARD_OPTION } from './shard-option.js';

interface ExportArgs extends DatasetArgs {
  format: ExportFormat;
  output: string;
  force: boolean;
  link: boolean;
  shard?: string;
}

export const exportCommand: BusCommand<ExportArgs> = {
  command: 'export <dataset>',
  describe: 'Write a complete Datature upload folder: images, annotations, UPLOAD.md',
  builder: (y) => {
    const built = datasetOptions(y)
      .option('format', {
        alias: 'f',
        describe: `annotation format: ${EXPORT_FORMATS.map((f) => `${f} = Datature "${DATATURE_OPTIONS[f]}"`).join(' · ')}`,
        choices: EXPORT_FORMATS,
        default: 'datature-csv-wh' as ExportFormat,
      })
      .option('output', { alias: 'o', describe: 'the upload folder to create (outside the dataset)', type: 'string', demandOption: true })
      .option('force', { describe: 'replace an existing output folder', type: 'boolean', default: false })
      .option('shard', SHARD_OPTION)
      .option('link', { describe: 'hard-link the images instead of copying them (same filesystem)', type: 'boolean', default: false });
    return withExamples(built, [
      ['CSV Width-Height, the default', '$0 export Dataset_BUSI_with_GT -o busi-upload'],
      ['COCO, normal images included without boxes', '$0 export Dataset_BUSI_with_GT -f coco --include-normal -o busi-coco'],
    ]);
  },
  handler: async (args, io) => {
    const { run } = await import('./export-run.js');
    await run(args, io);
  },
};
