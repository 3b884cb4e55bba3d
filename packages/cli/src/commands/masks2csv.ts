import type { BusCommand } from './index.js';
import { withExamples } from './options.js';
import { datasetOptions, type DatasetArgs } from './dataset-options.js';
import { SHARD_OPTION } from './shard-option.js';

interface Masks2csvArgs extends DatasetArgs {
  output?: string;
  layout: 'width-height' | 'four-corner';
  force: boolean;
  shard?: string;
}

export const masks2csv: BusCommand<Masks2csvArgs> = {
  command: 'masks2csv <dataset>',
  describe: 'Turn BUSI masks into a Datature bounding-box CSV',
  builder: (y) => {
    const built = datasetOptions(y)
      .option('output', { alias: 'o', describe: 'write the CSV here (atomically) instead of stdout', type: 'string' })
      .option('layout', {
        describe: 'width-height: filename,xmin,ymin,width,height,label (Datature "CSV Width Height") · four-corner: filename,xmin,ymin,xmax,ymax,label ("CSV Four Corner")',
        choices: ['width-height', 'four-corner'] as const,
        default: 'width-height' as const,
      })
      .option('force', { describe: 'replace an existing -o file', type: 'boolean', default: false })
      .option('shard', SHARD_OPTION)
      .check((argv) => {
        if (argv.json && !argv.output) throw new Error('--json prints the summary on stdout, where the CSV goes without -o: add -o out.csv');
        return true;
      });
    return withExamples(built, [
      ['one box per lesion, specks dropped', '$0 masks2csv Dataset_BUSI_with_GT -o busi.csv'],
      ["the tutorial's union boxes, specks included", '$0 masks2csv Dataset_BUSI_with_GT --boxes mask --min-area 0 -o u.csv'],
    ]);
  },
  handler: async (args, io) => {
    const { run } = await import('./masks2csv-run.js');
    await run(args, io);
  },
};
