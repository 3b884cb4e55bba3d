import { BOX_MODES, DEFAULT_MIN_AREA, DEVICES, type BoxMode, type Device } from '@bus-tools/core/constants';
import { NUMBER_SPECS } from '@bus-tools/core/options';
import type { BusCommand } from './index.js';
import { numberOption, withExamples } from './options.js';

export interface EvalArgs {
  dataset?: string;
  gt?: string;
  pred?: string[];
  model?: string;
  images?: string;
  json: boolean;
  report?: string;
  force: boolean;
  iou: number;
  threshold: number;
  boxes: BoxMode;
  'min-area': number;
  label?: string;
  device: Device;
  'model-threshold': number;
  split?: string;
  part?: 'train' | 'val' | 'test' | 'excluded';
  'only-predicted': boolean;
}

export const evalCommand: BusCommand<EvalArgs> = {
  command: 'eval [dataset]',
  describe: 'Evaluate detections against ground truth: COCO AP exactly as pycocotools, confusion matrix, malignancy metrics, HTML report',
  builder: (y) => {
    const built = y
      .positional('dataset', { describe: 'the dataset folder to predict on (with --model, or the bundled model) and evaluate against (same as --gt)', type: 'string' })
      .option('gt', { describe: 'ground truth: a dataset folder (boxes from masks), a COCO .json, or a Datature .csv (with --images)', type: 'string' })
      .option('pred', { describe: 'predictions: the COCO results .json or the .csv that `bus-tools predict` writes (several files, e.g. of shards, are read as one list)', type: 'string', array: true })
      .option('model', { alias: 'm', describe: 'run this .onnx model on the dataset first (instead of --pred) [default without --pred: the bundled BUSI model, docs/model-card.md]', type: 'string' })
      .option('images', { describe: 'image folder: sizes for a CSV ground truth, thumbnails in the report for a COCO one', type: 'string' })
      .option('json', { describe: 'print the metrics as JSON on stdout', type: 'boolean', default: false })
      .option('report', { describe: 'also write a self-contained HTML report here (charts, confusion matrix, image gallery)', type: 'string' })
      .option('force', { describe: 'replace an existing --report file', type: 'boolean', default: false })
      .option('iou', numberOption('iou', NUMBER_SPECS.openFraction, { describe: 'IoU at which boxes match in the confusion matrix (COCO AP always uses .50:.95)', default: 0.5 }))
      .option('threshold', numberOption('threshold', NUMBER_SPECS.openFraction, { alias: 't', describe: 'score from which a detection counts in the confusion matrix and flags an image as malignant', default: 0.5 }))
      .option('boxes', { describe: 'for a dataset-folder ground truth: component, mask or image boxes (as masks2csv)', choices: BOX_MODES, default: 'component' as BoxMode })
      .option('min-area', numberOption('min-area', NUMBER_SPECS.minArea, { describe: 'for a dataset-folder ground truth: components under this many pixels are specks', default: DEFAULT_MIN_AREA }))
      .option('label', { alias: 'l', describe: 'with --model: label map (.pbtxt or one name per line)', type: 'string' })
      .option('device', { describe: 'with --model: auto, cuda or cpu', choices: DEVICES, default: 'auto' as Device })
      .option('model-threshold', numberOption('model-threshold', NUMBER_SPECS.scoreThreshold, { describe: 'with --model: keep detections from this score (low, so AP sees the whole curve)', default: 0.05 }))
      .option('split', { describe: 'score only one part of a split: the manifest.csv that `bus-tools split` writes (with --part)', type: 'string', requiresArg: true })
      .option('part', { describe: 'with --split: the part to score', choices: ['train', 'val', 'test', 'excluded'] as const })
      .option('only-predicted', { describe: 'score only the ground-truth images the --pred file names (those with a detection)', type: 'boolean', default: false })
      .check((argv) => {
        if (argv.pred && argv.model) throw new Error('Give either --pred (a predictions file) or --model (predict now), not both');
        if (argv.gt && argv.dataset && argv.gt !== argv.dataset) throw new Error('Give the ground truth once: --gt or the dataset argument');
        if (!argv.gt && !argv.dataset) throw new Error('Missing ground truth: give --gt <dataset folder | coco.json | datature.csv>');
        if (argv.dataset && argv.pred) throw new Error(`The dataset argument is for predicting now; to evaluate a predictions file write --gt ${argv.dataset}`);
        return true;
      });
    return withExamples(built, [
      ['ground truth from the masks', '$0 eval --gt Dataset_BUSI_with_GT --pred out/detections.json'],
      ['COCO ground truth, metrics for scripts', '$0 eval --gt annotations.json --pred detections.csv --json'],
      ['a Datature CSV as ground truth, its sizes from the images; an HTML report', '$0 eval --gt busi.csv --images scans --pred pred.json --report r.html'],
      ['score the test part of a split only', '$0 eval --gt busi --split out/manifest.csv --part test --pred p.json'],
      ['predict and evaluate in one go', '$0 eval --model model.onnx Dataset_BUSI_with_GT --report report.html'],
      ['the bundled BUSI model on a dataset', '$0 eval Dataset_BUSI_with_GT'],
    ]);
  },
  handler: async (args, io) => {
    const { run } = await import('./eval-run.js');
    await run(args, io);
  },
};
