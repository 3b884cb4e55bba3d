import type { BusCommand } from './index.js';
import { SHARD_OPTION } from './shard-option.js';

export interface PredictArgs {
  input: string;
  output: string;
  model?: string;
  label?: string;
  threshold: number;
  width?: number;
  height?: number;
  device: 'auto' | 'cuda' | 'cpu';
  layout?: 'tfod' | 'datature' | 'torchvision';
  json?: string;
  csv?: string;
  'all-images': boolean;
  'summary-json': boolean;
  threads?: number;
  sessions?: number;
  shard?: string;
}

export const predict: BusCommand<PredictArgs> = {
  command: 'predict',
  describe: 'Run an exported ONNX detector on images: annotated images, COCO results JSON, CSV',
  builder: (y) =>
    y
      .option('input', { alias: 'i', describe: "an image, a folder of images (searched recursively), or a quoted glob pattern ('scans/*/malignant*.png'); BUSI _mask files are skipped", type: 'string', demandOption: true })
      .option('output', { alias: 'o', describe: 'folder for annotated images (and detections.json/.csv unless --json/--csv say otherwise); never inside --input', type: 'string', demandOption: true })
      .option('model', { alias: 'm', describe: 'the .onnx model (TF OD API/tf2onnx, Datature ONNX or torchvision export) [default: the bundled BUSI model, docs/model-card.md]', type: 'string' })
      .option('label', { alias: 'l', describe: 'label map: label_map.pbtxt or a plain list, one name per line [default: label_map.pbtxt beside the model, else "class N"]', type: 'string' })
      .option('threshold', { alias: 't', describe: 'minimum score, 0-1', type: 'number', default: 0.7 })
      .option('width', { describe: "model input width in pixels [default: the model's fixed size, else 640]", type: 'number' })
      .option('height', { describe: "model input height in pixels [default: the model's fixed size, else 640]", type: 'number' })
      .option('device', { describe: 'auto: CUDA when its provider loads, else CPU (the summary says which) · cuda: fail if CUDA cannot be used · cpu', choices: ['auto', 'cuda', 'cpu'] as const, default: 'auto' as const })
      .option('layout', { describe: 'model layout, detected from its inputs/outputs unless given', choices: ['tfod', 'datature', 'torchvision'] as const })
      .option('json', { describe: 'COCO results JSON path [default: <output>/detections.json]', type: 'string' })
      .option('csv', { describe: 'CSV path, rows filename,xmin,ymin,width,height,label,score [default: <output>/detections.csv]', type: 'string' })
      .option('all-images', { describe: 'annotate every image, not only those with detections', type: 'boolean', default: false })
      .option('summary-json', { describe: 'print the run summary as JSON on stdout (--json names the detections file, as in predict.py)', type: 'boolean', default: false })
      .option('sessions', { describe: 'CPU: copies of the model run side by side, one image each, in worker threads [default: one per core, at most 4]', type: 'number' })
      .option('shard', SHARD_OPTION)
      .option('threads', { describe: 'onnxruntime CPU threads of each session [default: cores / sessions, at least 1]', type: 'number' })
      .example('$0 predict -i scans -o predictions', 'the bundled BUSI model')
      .example('$0 predict -i test_images -o predictions -m model.onnx --label label_map.pbtxt --threshold 0.7', "the tutorial's predict.py")
      .example('$0 predict -i scans -o out -m fixtures/models/retinanet-tfod.onnx --threshold 0.5 --summary-json', 'the summary for scripts'),
  handler: async (args, io) => {
    const { run } = await import('./predict-run.js');
    await run(args, io);
  },
};
