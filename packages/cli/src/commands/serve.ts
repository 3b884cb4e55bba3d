import { DEVICES, SERVE_DEFAULTS, type Device } from '@bus-tools/core/constants';
import { NUMBER_SPECS } from '@bus-tools/core/options';
import type { BusCommand } from './index.js';
import { numberOption, withExamples } from './options.js';

export interface ServeArgs {
  model?: string;
  label?: string;
  port: number;
  host: string;
  device: Device;
  threshold: number;
  'max-upload-mb': number;
  'max-pixels': number;
  queue: number;
  json: boolean;
}

const MIB = 1024 * 1024;

export const serveCommand: BusCommand<ServeArgs> = {
  command: 'serve',
  describe: 'A local web page and JSON API: upload an ultrasound image, see the lesions the model finds',
  builder: (y) => {
    const built = y
      .option('model', { alias: 'm', describe: 'the .onnx model (TF OD API/tf2onnx, Datature ONNX or torchvision export) [default: the bundled BUSI model, docs/model-card.md]', type: 'string' })
      .option('label', { alias: 'l', describe: 'label map: label_map.pbtxt or a plain list, one name per line [default: label_map.pbtxt beside the model, else "class N"]', type: 'string' })
      .option('port', numberOption('port', NUMBER_SPECS.port, { alias: 'p', describe: 'port to listen on (0: any free port)', default: SERVE_DEFAULTS.port }))
      .option('host', { describe: 'address to listen on; anything but loopback (127.0.0.1, ::1, localhost) lets other machines in, and gets a warning', type: 'string', default: SERVE_DEFAULTS.host })
      .option('device', { describe: 'auto: CUDA when its provider loads, else CPU · cuda: fail if CUDA cannot be used · cpu', choices: DEVICES, default: 'auto' as Device })
      .option('threshold', numberOption('threshold', NUMBER_SPECS.scoreThreshold, { alias: 't', describe: `the page's initial score threshold and the API's default (the page's slider goes down to ${SERVE_DEFAULTS.minThreshold})`, default: SERVE_DEFAULTS.threshold }))
      .option('max-upload-mb', numberOption('max-upload-mb', NUMBER_SPECS.maxUploadMb, { describe: 'largest upload, in MiB (larger: 413)', default: SERVE_DEFAULTS.maxUploadBytes / MIB }))
      .option('max-pixels', numberOption('max-pixels', NUMBER_SPECS.maxPixels, { describe: 'largest image, width × height read from its header before decoding (larger: 413)', default: SERVE_DEFAULTS.maxPixels }))
      .option('queue', numberOption('queue', NUMBER_SPECS.queue, { describe: 'requests that may wait for the model beyond those running (more: 503 with Retry-After)', default: SERVE_DEFAULTS.queue }))
      .option('json', { describe: 'print JSON lines on stdout: {"event":"listening",…} at the start, {"event":"stopped",…} with the summary at the end', type: 'boolean', default: false })
      .epilog('Safety: uploads stay in memory (never on disk); PNG/JPEG only, judged from their bytes; Ctrl+C (SIGINT) or SIGTERM finishes the requests in flight, then stops. API and details: docs/serve.md');
    return withExamples(built, [
      ['the bundled BUSI model on http://127.0.0.1:8080/', '$0 serve'],
      ["the tutorial's model and threshold", '$0 serve -m model.onnx --label label_map.pbtxt --threshold 0.7'],
      ['any free port; the URL as JSON for scripts', '$0 serve --port 0 --json'],
    ]);
  },
  handler: async (args, io) => {
    const { run } = await import('./serve-run.js');
    await run(args, io);
  },
};
