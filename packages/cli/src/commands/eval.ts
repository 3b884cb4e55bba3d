import type { BusCommand } from './index.js';

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
  boxes: 'component' | 'mask' | 'image';
  'min-area': number;
  label?: string;
  device: 'auto' | 'cuda' | 'cpu';
  'model-threshold': number;
}

const fraction = (name: string, v: unknown, { open = false } = {}) => {
  if (typeof v !== 'number' || Number.isNaN(v) || v > 1 || (open ? v <= 0 : v < 0)) {
    throw new Error(`Expected a number ${open ? 'above 0 and at most 1' : 'between 0 and 1'} for --${name} but received ${JSON.stringify(v)}`);
  }
};

export const evalCommand: BusCommand<EvalArgs> = {
  command: 'eval [dataset]',
  describe: 'Evaluate detections against ground truth: COCO AP exactly as pycocotools, confusion matrix, malignancy metrics, HTML report',
  builder: (y) =>
    y
      .positional('dataset', { describe: 'the dataset folder to predict on (with --model, or the bundled model) and evaluate against (same as --gt)', type: 'string' })
      .option('gt', { describe: 'ground truth: a dataset folder (boxes from masks), a COCO .json, or a Datature .csv (with --images)', type: 'string' })
      .option('pred', { describe: 'predictions: the COCO results .json or the .csv that `bus-tools predict` writes (several files, e.g. of shards, are read as one list)', type: 'string', array: true })
      .option('model', { alias: 'm', describe: 'run this .onnx model on the dataset first (instead of --pred) [default without --pred: the bundled BUSI model, docs/model-card.md]', type: 'string' })
      .option('images', { describe: 'image folder: sizes for a CSV ground truth, thumbnails in the report for a COCO one', type: 'string' })
      .option('json', { describe: 'print the metrics as JSON on stdout', type: 'boolean', default: false })
      .option('report', { describe: 'also write a self-contained HTML report here (charts, confusion matrix, image gallery)', type: 'string' })
      .option('force', { describe: 'replace an existing --report file', type: 'boolean', default: false })
      .option('iou', { describe: 'IoU at which boxes match in the confusion matrix (COCO AP always uses .50:.95)', type: 'number', default: 0.5 })
      .option('threshold', { alias: 't', describe: 'score from which a detection counts in the confusion matrix and flags an image as malignant', type: 'number', default: 0.5 })
      .option('boxes', { describe: 'for a dataset-folder ground truth: component, mask or image boxes (as masks2csv)', choices: ['component', 'mask', 'image'] as const, default: 'component' as const })
      .option('min-area', { describe: 'for a dataset-folder ground truth: components under this many pixels are specks', type: 'number', default: 50 })
      .option('label', { alias: 'l', describe: 'with --model: label map (.pbtxt or one name per line)', type: 'string' })
      .option('device', { describe: 'with --model: auto, cuda or cpu', choices: ['auto', 'cuda', 'cpu'] as const, default: 'auto' as const })
      .option('model-threshold', { describe: 'with --model: keep detections from this score (low, so AP sees the whole curve)', type: 'number', default: 0.05 })
      .check((argv) => {
        fraction('iou', argv.iou, { open: true });
        fraction('threshold', argv.threshold, { open: true });
        fraction('model-threshold', argv['model-threshold']);
        if (argv.pred && argv.model) throw new Error('Give either --pred (a predictions file) or --model (predict now), not both');
        if (argv.gt && argv.dataset && argv.gt !== argv.dataset) throw new Error('Give the ground truth once: --gt or the dataset argument');
        if (!argv.gt && !argv.dataset) throw new Error('Missing ground truth: give --gt <dataset folder | coco.json | datature.csv>');
        if (argv.dataset && argv.pred) throw new Error(`The dataset argument is for predicting now; to evaluate a predictions file write --gt ${argv.dataset}`);
        const m = argv['min-area'];
        if (!Number.isInteger(m) || m < 0) throw new Error(`Expected integer of 0 or more for --min-area but received ${JSON.stringify(m)}`);
        return true;
      })
      .example('$0 eval --gt Dataset_BUSI_with_GT --pred out/detections.json', 'ground truth from the masks')
      .example('$0 eval --gt annotations.json --pred detections.csv --json', 'COCO ground truth, metrics for scripts')
      .example('$0 eval --gt busi.csv --images Dataset_BUSI_with_GT --pred detections.json --report report.html', 'with an HTML report')
      .example('$0 eval --model model.onnx Dataset_BUSI_with_GT --report report.html', 'predict and evaluate in one go')
      .example('$0 eval Dataset_BUSI_with_GT', 'the bundled BUSI model on a dataset'),
  handler: async (args, io) => {
    const { run } = await import('./eval-run.js');
    await run(args, io);
  },
};
