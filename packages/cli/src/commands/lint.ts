import { DEFAULT_MAX_HASH_DISTANCE, DEFAULT_MIN_AREA, FAIL_ON_LEVELS, type FailOnLevel } from '@bus-tools/core/constants';
import { NUMBER_SPECS } from '@bus-tools/core/options';
import type { BusCommand } from './index.js';
import { numberOption, withExamples } from './options.js';
import { SHARD_OPTION } from './shard-option.js';

export interface LintArgs {
  dataset: string;
  json: boolean;
  'fail-on': FailOnLevel;
  'min-area': number;
  'max-distance': number;
  concurrency: number;
  shard?: string;
  fingerprints?: string;
}

export const lintCommand: BusCommand<LintArgs> = {
  command: 'lint <dataset>',
  describe: 'Check a dataset before upload or training: structure, masks, colour overlays, duplicates and label conflicts',
  builder: (y) => {
    const built = y
      .positional('dataset', { describe: 'dataset folder (benign/, malignant/, normal/ with "name.png" + "name_mask.png")', type: 'string', demandOption: true })
      .option('json', { describe: 'print every finding, the duplicate groups and the counts as JSON on stdout', type: 'boolean', default: false })
      .option('fail-on', {
        describe: 'exit 1 when there are findings of this severity or worse (none: always exit 0)',
        choices: FAIL_ON_LEVELS,
        default: 'error' as FailOnLevel,
      })
      .option('min-area', numberOption('min-area', NUMBER_SPECS.minArea, { describe: 'components with fewer pixels are specks', default: DEFAULT_MIN_AREA }))
      .option('max-distance', numberOption('max-distance', NUMBER_SPECS.maxHashDistance, { describe: 'largest pHash Hamming distance (of 64 bits) at which two images are compared as possible near-copies', default: DEFAULT_MAX_HASH_DISTANCE }))
      .option('concurrency', numberOption('concurrency', NUMBER_SPECS.concurrency, { describe: 'images decoded at once', default: 4 }))
      .option('shard', SHARD_OPTION)
      .option('fingerprints', { describe: "also write every image's fingerprint and findings here (.jsonl) for `bus-tools merge`, which finds duplicates across shards; required with --shard", type: 'string', requiresArg: true });
    return withExamples(built, [
      ['summary: counts per code and the worst items', '$0 lint Dataset_BUSI_with_GT'],
      ['every finding, for scripts', '$0 lint Dataset_BUSI_with_GT --json > lint.json'],
      ['a CI gate that fails on warnings too', '$0 lint Dataset_BUSI_with_GT --fail-on warning'],
      ['one shard of four, for bus-tools merge', '$0 lint busi --shard 1/4 --fingerprints lint-1.jsonl'],
    ]);
  },
  handler: async (args, io) => {
    const { run } = await import('./lint-run.js');
    await run(args, io);
  },
};
