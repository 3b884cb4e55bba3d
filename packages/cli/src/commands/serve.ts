import { SERVE_DEFAULTS } from '@bus-tools/core/constants';
import type { BusCommand } from './index.js';

export interface ServeArgs {
  model?: string;
  label?: string;
  port: number;
  host: string;
  device: 'auto' | 'cuda' | 'cpu';
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
  builder: (y) =>
    y
      .option('model', { alias: 'm', describe: 'the .onnx model (TF OD API/tf2onnx, Datature ONNX or torchvision export) [default: the bundled BUSI model, docs/model-card.md]', type: 'string' })
      .option('label', { alias: 'l', describe: 'label map: label_map.pbtxt or a plain list, one name per line [default: label_map.pbtxt beside the model, else "class N"]', type: 'string' })
      .option('port', { alias: 'p', describe: 'port to listen on (0: any free port)', type: 'number', default: SERVE_DEFAULTS.port })
      .option('host', { describe: 'address to listen on; anything but loopback (127.0.0.1, ::1, localhost) lets other machines in, and gets a warning', type: 'string', default: SERVE_DEFAULTS.host })
      .option('device', { describe: 'auto: CUDA when its provider loads, else CPU · cuda: fail if CUDA cannot be used · cpu', choices: ['auto', 'cuda', 'cpu'] as const, default: 'auto' as const })
      .option('threshold', { alias: 't', describe: "the page's initial score threshold and the API's default, 0-1 (the page's slider goes down to " + SERVE_DEFAULTS.minThreshold + ')', type: 'number', default: SERVE_DEFAULTS.threshold })
      .option('max-upload-mb', { describe: 'largest upload, in MiB (larger: 413)', type: 'number', default: SERVE_DEFAULTS.maxUploadBytes / MIB })
      .option('max-pixels', { describe: 'largest image, width × height read from its header before decoding (larger: 413)', type: 'number', default: SERVE_DEFAULTS.maxPixels })
      .option('queue', { describe: 'requests that may wait for the model beyond those running (more: 503 with Retry-After)', type: 'number', default: SERVE_DEFAULTS.queue })
      .option('json', { describe: 'print JSON lines on stdout: {"event":"listening",…} at the start, {"event":"stopped",…} with the summary at the end', type: 'boolean', default: false })
      .check((a) => {
        const mb = a['max-upload-mb'];
        if (typeof mb !== 'number' || !Number.isFinite(mb) || mb < 0.01 || mb > 1024) throw new Error(`Expected number between 0.01 and 1024 for --max-upload-mb but received ${JSON.stringify(mb)}`);
        return true;
      })
      .example('$0 serve', 'the bundled BUSI model on http://127.0.0.1:8080/')
      .example('$0 serve -m model.onnx --label label_map.pbtxt --threshold 0.7', "the tutorial's model and threshold")
      .example('$0 serve --port 0 --json', 'any free port; the URL as JSON for scripts')
      .epilog('Safety: uploads stay in memory (never on disk); PNG/JPEG only, judged from their bytes; Ctrl+C (SIGINT) or SIGTERM finishes the requests in flight, then stops. API and details: docs/serve.md'),
  handler: async (args, io) => {
    const { run } = await import('./serve-run.js');
    await run(args, io);
  },
};
