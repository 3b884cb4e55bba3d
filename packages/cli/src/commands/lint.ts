import type { BusCommand } from './index.js';
import { SHARD_OPTION } from './shard-option.js';

export interface LintArgs {
  dataset: string;
  json: boolean;
  'fail-on': 'error' | 'warning' | 'info' | 'none';
  'min-area': number;
  'max-distance': number;
  concurrency: number;
  shard?: string;
  fingerprints?: string;
}

export const lintCommand: BusCommand<LintArgs> = {
  command: 'lint <dataset>',
  describe: 'Check a dataset before upload or training: structure, masks, colour overlays, duplicates and label conflicts',
  builder: (y) =>
    y
      .positional('dataset', { describe: 'dataset folder (benign/, malignant/, normal/ with "name.png" + "name_mask.png")', type: 'string', demandOption: true })
      .option('json', { describe: 'print every finding, the duplicate groups and the counts as JSON on stdout', type: 'boolean', default: false })
      .option('fail-on', {
        describe: 'exit 1 when there are findings of this severity or worse (none: always exit 0)',
        choices: ['error', 'warning', 'info', 'none'] as const,
        default: 'error' as const,
      })
      .option('min-area', { describe: 'components with fewer pixels are specks', type: 'number', default: 50 })
      .option('max-distance', { describe: 'largest pHash Hamming distance (of 64 bits) at which two images are compared as possible near-copies', type: 'number', default: 16 })
      .option('concurrency', { describe: 'images decoded at once', type: 'number', default: 4 })
      .option('shard', SHARD_OPTION)
      .option('fingerprints', { describe: 'also write every image\'s fingerprint and findings here (.jsonl) for `bus-tools merge`, which finds duplicates across shards; required with --shard', type: 'string' })
      .check((argv) => {
        for (const [name, v, min, max] of [['min-area', argv['min-area'], 0, 1e9], ['max-distance', argv['max-distance'], 0, 32], ['concurrency', argv.concurrency, 1, 64]] as const) {
          if (!Number.isInteger(v) || v < min || v > max) throw new Error(`Expected integer between ${min} and ${max} for --${name} but received ${JSON.stringify(v)}`);
        }
        return true;
      })
      .example('$0 lint Dataset_BUSI_with_GT', 'summary: counts per code and the worst items')
      .example('$0 lint Dataset_BUSI_with_GT --json > lint.json', 'every finding, for scripts')
      .example('$0 lint Dataset_BUSI_with_GT --fail-on warning', 'a CI gate that fails on warnings too'),
  handler: async (args, io) => {
    const { run } = await import('./lint-run.js');
    await run(args, io);
  },
};
