import { FAIL_ON_LEVELS, type FailOnLevel } from '@bus-tools/core/constants';
import type { BusCommand } from './index.js';
import { withExamples } from './options.js';

export interface MergeArgs {
  parts: string[];
  output?: string;
  csv?: string;
  dataset?: string;
  link: boolean;
  force: boolean;
  json: boolean;
  'fail-on': FailOnLevel;
}

export const mergeCommand: BusCommand<MergeArgs> = {
  command: 'merge <parts..>',
  describe: 'Combine the outputs of --shard runs into what one run writes (detections, CSVs, upload folders, lint)',
  builder: (y) => {
    const built = y
      .positional('parts', {
        describe:
          'the shards\' outputs, all of one kind: predict\'s detections-I-of-N.json · masks2csv CSVs · export upload folders · lint --fingerprints .jsonl files',
        type: 'string',
        array: true,
        demandOption: true,
      })
      .option('output', { alias: 'o', describe: 'the merged file or folder (not for lint, which prints its report)', type: 'string', requiresArg: true })
      .option('csv', { describe: 'predict: also write the detections CSV here [default: -o with .csv]', type: 'string', requiresArg: true })
      .option('dataset', { describe: 'masks2csv CSVs and CSV upload folders: the dataset they were made from (its listing gives the order of the rows)', type: 'string', requiresArg: true })
      .option('link', { describe: 'upload folders: hard-link the images instead of copying them', type: 'boolean', default: false })
      .option('force', { describe: 'replace an existing output', type: 'boolean', default: false })
      .option('json', { describe: 'lint: print the findings as JSON, as lint --json does; others: the summary as JSON', type: 'boolean', default: false })
      .option('fail-on', { describe: 'lint: exit 1 when there are findings of this severity or worse', choices: FAIL_ON_LEVELS, default: 'error' as FailOnLevel });
    return withExamples(built, [
      ['predict shards: JSON and CSV of one run', '$0 merge pred/detections-*-of-8.json -o pred/detections.json'],
      ['masks2csv shards', '$0 merge parts/boxes-*.csv --dataset Dataset_BUSI_with_GT -o busi.csv'],
      ['export shards (COCO ids numbered as one run numbers them)', '$0 merge upload-0 upload-1 upload-2 -o busi-upload'],
      ['lint shards: duplicates across shards too', '$0 merge lint-*.jsonl --json > lint.json'],
    ]);
  },
  handler: async (args, io) => {
    const { run } = await import('./merge-run.js');
    await run(args, io);
  },
};
