/** Options shared by every command that reads boxes from a BUSI-style dataset. */
import type { Argv } from 'yargs';
import { BOX_MODES, DEFAULT_MIN_AREA, type BoxMode } from '@bus-tools/core/constants';
import { NUMBER_SPECS } from '@bus-tools/core/options';
import { numberOption } from './options.js';

export interface DatasetArgs {
  dataset: string;
  boxes: BoxMode;
  'min-area': number;
  /** Left out: the library's default (benign, malignant). */
  classes?: string[];
  'include-normal': boolean;
  json: boolean;
}

export function datasetOptions<T>(y: Argv<T>): Argv<T & DatasetArgs> {
  return y
    .positional('dataset', {
      describe: 'dataset folder: class folders (benign/, malignant/, normal/) with "name.png" + "name_mask.png", or one folder of images with masks beside them',
      type: 'string',
      demandOption: true,
    })
    .option('boxes', {
      describe: 'component: a box per lesion component · mask: a box per mask file (union of its pixels; with --min-area 0 exactly what the popular tutorial does) · image: one box per image (union of all its masks)',
      choices: BOX_MODES,
      default: 'component' as BoxMode,
    })
    .option(
      'min-area',
      numberOption('min-area', NUMBER_SPECS.minArea, {
        describe: 'components with fewer pixels are specks: dropped and counted (BUSI specks are 1-8 px, lesions 569+). 0 keeps every component',
        default: DEFAULT_MIN_AREA,
      }),
    )
    .option('classes', {
      describe: 'classes that get boxes, in category-id order (comma-separated; each must be a class of the dataset, names are case-sensitive) [default: benign,malignant, those of them the dataset has]',
      type: 'string',
      coerce: (v: string | string[]) =>
        (Array.isArray(v) ? v : [v])
          .flatMap((s) => String(s).split(','))
          .map((s) => s.trim())
          .filter(Boolean),
    })
    .option('include-normal', {
      describe: 'also include normal images (as images without boxes)',
      type: 'boolean',
      default: false,
    })
    .option('json', {
      describe: 'print the summary (and every problem) as JSON on stdout',
      type: 'boolean',
      default: false,
    })
    .check((argv) => {
      if ((argv.classes as unknown as string[] | undefined)?.length === 0) throw new Error('Expected at least one class for --classes but received none');
      return true;
    }) as unknown as Argv<T & DatasetArgs>;
}
