import { DEVICES, MODEL_LAYOUTS, type Device, type ModelLayout } from '@bus-tools/core/constants';
import { NUMBER_SPECS } from '@bus-tools/core/options';
import type { BusCommand } from './index.js';
import { numberOption, withExamples } from './options.js';
import { SHARD_OPTION } from './shard-option.js';

export interface PredictArgs {
  input: string;
  output: string;
  model?: string;
  label?: string;
  threshold: number;
  width?: number;
  height?: number;
  device: Device;
  'model-layout'?: ModelLayout;
  /** Deprecated spelling of --model-layout. */
  layout?: ModelLayout;
  /** The summary switch; a path here is the deprecated spelling of --detections-json. */
  json?: boolean | string;
  'detections-json'?: string;
  'detections-csv'?: string;
  'all-images': boolean;
  force: boolean;
  /** Deprecated spelling of --json. */
  'summary-json': boolean;
  threads?: number;
  sessions?: number;
  shard?: string;
}

export const predict: BusCommand<PredictArgs> = {
  command: 'predict',
  describe: 'Run an exported ONNX detector on images: annotated images, COCO results JSON, CSV',
  builder: (y) => {
    const built = y
      .option('input', { alias: 'i', describe: "an image, a folder of images (searched recursively), or a quoted glob pattern ('scans/*/malignant*.png'); BUSI _mask files are skipped", type: 'string', demandOption: true })
      .option('output', { alias: 'o', describe: 'folder for annotated images (and detections.json/.csv unless --detections-json/--detections-csv say otherwise); never inside --input', type: 'string', demandOption: true })
      .option('model', { alias: 'm', describe: 'the .onnx model (TF OD API/tf2onnx, Datature ONNX or torchvision export) [default: the bundled BUSI model, docs/model-card.md]', type: 'string' })
      .option('label', { alias: 'l', describe: 'label map: label_map.pbtxt or a plain list, one name per line [default: label_map.pbtxt beside the model, else "class N"]', type: 'string' })
      .option('threshold', numberOption('threshold', NUMBER_SPECS.scoreThreshold, { alias: 't', describe: 'minimum score', default: 0.7 }))
      .option('width', numberOption('width', NUMBER_SPECS.modelSide, { describe: "model input width in pixels [default: the model's fixed size, else 640]" }))
      .option('height', numberOption('height', NUMBER_SPECS.modelSide, { describe: "model input height in pixels [default: the model's fixed size, else 640]" }))
      .option('device', { describe: 'auto: CUDA when its provider loads, else CPU (the summary says which) · cuda: fail if CUDA cannot be used · cpu', choices: DEVICES, default: 'auto' as Device })
      .option('model-layout', { describe: 'model layout, detected from its inputs/outputs unless given', choices: MODEL_LAYOUTS, requiresArg: true })
      .option('layout', { describe: 'old name of --model-layout', choices: MODEL_LAYOUTS, requiresArg: true, hidden: true })
      .option('detections-json', { describe: 'COCO results JSON path [default: <output>/detections.json]', type: 'string', requiresArg: true })
      .option('detections-csv', { alias: 'csv', describe: 'CSV path, rows filename,xmin,ymin,width,height,label,score [default: <output>/detections.csv]', type: 'string', requiresArg: true })
      .option('force', { describe: 'replace the results of an earlier run in --output (its detections files and annotated images)', type: 'boolean', default: false })
      .option('all-images', { describe: 'annotate every image, not only those with detections', type: 'boolean', default: false })
      .option('json', {
        describe: "print the run summary as JSON on stdout (as every command's --json does)",
        coerce: (v: unknown): boolean | string => (v === true || v === 'true' ? true : v === false || v === 'false' || v === undefined ? false : String(v)),
      })
      .option('summary-json', { describe: 'old name of --json', type: 'boolean', default: false, hidden: true })
      .option('sessions', numberOption('sessions', NUMBER_SPECS.sessions, { describe: 'CPU: copies of the model run side by side, one image each, in worker threads [default: one per core, at most 4]' }))
      .option('shard', SHARD_OPTION)
      .option('threads', numberOption('threads', NUMBER_SPECS.threads, { describe: 'onnxruntime CPU threads of each session [default: cores / sessions, at least 1]' }))
      .check((argv) => {
        // `--json` is a switch; `--json out.json` is how predict.py named the detections file.
        if (typeof argv.json === 'string' && argv.json !== '' && argv['detections-json']) throw new Error('Give the detections file once: --detections-json (--json <file> is its old name)');
        if (argv.layout && argv['model-layout'] && argv.layout !== argv['model-layout']) throw new Error('Give the model layout once: --model-layout (--layout is its old name)');
        return true;
      });
    return withExamples(built, [
      ['the bundled BUSI model', '$0 predict -i scans -o predictions'],
      ["the tutorial's predict.py", '$0 predict -i test_images -o out -m model.onnx -l label_map.pbtxt'],
      ['the summary for scripts', '$0 predict -i scans -o out --json'],
    ]);
  },
  handler: async (args, io) => {
    const { run } = await import('./predict-run.js');
    await run(args, io);
  },
};
