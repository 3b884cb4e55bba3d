import { CONFLICT_RULES, DATATURE_OPTIONS, EXPORT_FORMATS, type ConflictRule, type ExportFormat } from '@bus-tools/core/constants';
import { NUMBER_SPECS } from '@bus-tools/core/options';
import type { BusCommand } from './index.js';
import { numberOption, withExamples } from './options.js';
import { datasetOptions, type DatasetArgs } from './dataset-options.js';

export interface SplitArgs extends DatasetArgs {
  val: number;
  test: number;
  seed: number;
  output: string;
  format: ExportFormat;
  conflicts: ConflictRule;
  force: boolean;
  link: boolean;
}

export const splitCommand: BusCommand<SplitArgs> = {
  command: 'split <dataset>',
  describe: 'Split into train/val/test by class, keeping near-duplicates together; an upload folder per part and manifest.csv',
  builder: (y) => {
    const built = datasetOptions(y)
      .option('val', numberOption('val', NUMBER_SPECS.splitFraction, { describe: 'fraction of each class for validation', default: 0.2 }))
      .option('test', numberOption('test', NUMBER_SPECS.splitFraction, { describe: 'fraction of each class for test (0: no test part)', default: 0 }))
      .option('seed', numberOption('seed', NUMBER_SPECS.seed, { describe: 'seed of the shuffle: the same seed and data give the same split', default: 1 }))
      .option('output', { alias: 'o', describe: 'folder to create: manifest.csv, train/, val/, test/', type: 'string', demandOption: true })
      .option('format', {
        alias: 'f',
        describe: `annotation format of each part: ${EXPORT_FORMATS.map((f) => `${f} = Datature "${DATATURE_OPTIONS[f]}"`).join(' · ')}`,
        choices: EXPORT_FORMATS,
        default: 'datature-csv-wh' as ExportFormat,
      })
      .option('conflicts', {
        describe: 'duplicate groups filed under several classes: exclude = leave them out (manifest part "excluded") · train = keep them whole in train',
        choices: CONFLICT_RULES,
        default: 'exclude' as ConflictRule,
      })
      .option('force', { describe: 'replace an existing output folder', type: 'boolean', default: false })
      .option('link', { describe: 'hard-link the images instead of copying them (same filesystem)', type: 'boolean', default: false })
      .check((argv) => {
        if (argv.val + argv.test >= 1) throw new Error(`Expected --val + --test below 1 so train keeps images but received ${argv.val} + ${argv.test}`);
        return true;
      });
    return withExamples(built, [['train/, val/, test/ upload folders and manifest.csv', '$0 split Dataset_BUSI_with_GT --val 0.2 --test 0.1 --seed 7 -o parts']]);
  },
  handler: async (args, io) => {
    const { run } = await import('./split-run.js');
    await run(args, io);
  },
};
