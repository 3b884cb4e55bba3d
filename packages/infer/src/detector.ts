/**
 * A detector: an ONNX session, its layout, input size and label map, with
 * `preprocess → run → postprocess` for one decoded image.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BusToolsError, assertIntegerInRange, checkArgument, checkThreshold, invalidParameterError, isRecord, type Detection } from '@bus-tools/core';
import { openOnnxSession, type Device, type OnnxSession } from './backend/onnx.js';
import { defaultModelPath } from './default-model.js';
import type { DecodedImage } from './image.js';
import { labeler, loadLabelMap, type LabelMap } from './labelmap.js';
import { resolveLayout, type LayoutName, type ModelLayout } from './layouts.js';
import { candidatesToDetections, decodeOutputs } from './postprocess.js';
import { rgbToTensor } from './preprocess.js';
import type { TensorData } from './tensor.js';

/** The input size used when neither the model nor the caller fixes one (the tutorial's 640). */
export const DEFAULT_INPUT_SIZE = 640;

export interface DetectorOptions {
  /** Path of the `.onnx` model; default the bundled BUSI model (`defaultModelPath()`). */
  model?: string;
  /** Force a layout instead of detecting it from the model's inputs and outputs. */
  layout?: LayoutName;
  /** Default `auto`: CUDA when its provider loads, else the CPU. */
  device?: Device;
  /** onnxruntime intra-op threads of each session (default: one per core, shared out among sessions). */
  threads?: number;
  /**
   * CPU: copies of the model run in worker threads, each on its own image (`auto`: one per core, at
   * most 4). Default 1 for `openDetector`, `auto` for `predictImages`/`predictFolder`. Ignored on CUDA.
   */
  sessions?: number | 'auto';
  /** Let onnxruntime's idle CPU threads spin (see `OpenSessionOptions.spinning`); default false. */
  spinning?: boolean;
  /** Model input size in pixels; default the model's fixed size, else 640. */
  width?: number;
  height?: number;
  /**
   * A label map path (`.pbtxt` or a plain list) or a parsed map. Default: `label_map.pbtxt` beside
   * the model when there is one, else names are `class N`.
   */
  labels?: string | LabelMap;
  /** Minimum score, 0–1; default 0.7 (the tutorial's predict.py). */
  threshold?: number;
  /** IoU for the NMS bus-tools runs on models without NMS in the graph; default 0.5. */
  iouThreshold?: number;
  /** At most this many detections per image; default 100. */
  maxDetections?: number;
  /** Called with non-fatal notes (e.g. a class id missing from the label map). */
  onWarning?: (message: string) => void;
}

export interface Detector {
  /** The model file in use. */
  readonly model: string;
  /** True when no model was given and the bundled BUSI model is in use. */
  readonly isDefaultModel: boolean;
  readonly layout: ModelLayout;
  readonly device: 'cpu' | 'cuda';
  /** Which provider and why, e.g. `cpu (CUDA provider libraries not installed: see docs/gpu.md)`. */
  readonly deviceNote: string;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly threshold: number;
  /** How many `run`s proceed at once (worker sessions on the CPU, else 1). */
  readonly sessions: number;
  /** How many `run`s are worth keeping started (see `OnnxSession.inFlight`). */
  readonly inFlight: number;
  /** The label map in use (undefined: names are `class N`), and the file it came from. */
  readonly labels?: LabelMap;
  readonly labelFile?: string;
  /** The input feeds for one decoded image (pure; no model call). */
  preprocess(image: DecodedImage): Record<string, TensorData>;
  /** Runs the model on feeds from `preprocess`. */
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  /** Outputs of `run` → detections in the image's original pixels. */
  postprocess(outputs: Record<string, TensorData>, image: { width: number; height: number }): Detection[];
  /** preprocess → run → postprocess. */
  detect(image: DecodedImage): Promise<Detection[]>;
  close(): Promise<void>;
}

function inputSize(layout: ModelLayout, options: DetectorOptions & { model: string }): { width: number; height: number } {
  const pick = (flag: '--width' | '--height', asked: number | undefined, fixed: number | undefined) => {
    if (asked === undefined) return fixed ?? DEFAULT_INPUT_SIZE;
    assertIntegerInRange(flag, asked, 16, 8192);
    if (fixed !== undefined && asked !== fixed) {
      throw new BusToolsError('INVALID_PARAMETER', `${flag} ${asked} does not fit ${options.model}: its input is fixed at ${fixed} pixels. Leave ${flag} out to use ${fixed}.`, { file: options.model });
    }
    return asked;
  };
  return { width: pick('--width', options.width, layout.input.width), height: pick('--height', options.height, layout.input.height) };
}

/**
 * Opens a model for detection. Validates every option before the (slow) model load where it can.
 *
 * @example
 *   const det = await openDetector({ model: 'fixtures/models/retinanet-tfod.onnx', threshold: 0.5 });
 *   const dets = await det.detect(await decodeForModel('scan.png', det.inputWidth, det.inputHeight));
 *   await det.close();
 * @throws BusToolsError `INPUT_NOT_FOUND`, `BAD_MODEL`, `CUDA_UNAVAILABLE`,
 *   `BAD_LABEL_MAP`, `INVALID_PARAMETER`.
 */
export async function openDetector(options: DetectorOptions): Promise<Detector> {
  checkArgument('openDetector', options, isRecord, 'an options object such as { model: "model.onnx" }');
  const isDefaultModel = options.model === undefined;
  const model = options.model ?? defaultModelPath();
  const threshold = checkThreshold('--threshold', options.threshold ?? 0.7);
  const iou = checkThreshold('iouThreshold', options.iouThreshold ?? 0.5);
  const maxDetections = assertIntegerInRange('maxDetections', options.maxDetections ?? 100, 1, 100000);
  if (options.width !== undefined) assertIntegerInRange('--width', options.width, 16, 8192);
  if (options.height !== undefined) assertIntegerInRange('--height', options.height, 16, 8192);
  if (options.threads !== undefined) assertIntegerInRange('--threads', options.threads, 1, 1024);
  if (options.sessions !== undefined && options.sessions !== 'auto') assertIntegerInRange('--sessions', options.sessions, 1, 64);

  let labels: LabelMap | undefined;
  let labelFile: string | undefined;
  if (typeof options.labels === 'string') {
    labels = loadLabelMap(options.labels);
    labelFile = options.labels;
  } else if (options.labels) {
    labels = options.labels;
  } else {
    const beside = join(dirname(model), 'label_map.pbtxt');
    if (existsSync(beside)) {
      labels = loadLabelMap(beside);
      labelFile = beside;
    }
  }

  const session: OnnxSession = await openOnnxSession(model, { device: options.device, threads: options.threads, spinning: options.spinning, sessions: options.sessions });
  let layout: ModelLayout;
  let size: { width: number; height: number };
  try {
    layout = resolveLayout(session.signature, options.layout, model);
    size = inputSize(layout, { ...options, model });
  } catch (err) {
    await session.release();
    throw err;
  }
  const labelFor = labeler(labels, options.onWarning);

  const preprocess = (image: DecodedImage) => {
    if (image.inputWidth !== size.width || image.inputHeight !== size.height) {
      throw invalidParameterError('image', `pixels resized to ${size.width}x${size.height}`, `${image.inputWidth}x${image.inputHeight}`);
    }
    return { [layout.input.name]: rgbToTensor(image.rgb, size.width, size.height, layout.input.encoding, layout.input.batch) };
  };
  const postprocess = (outputs: Record<string, TensorData>, image: { width: number; height: number }) =>
    candidatesToDetections(decodeOutputs(layout, outputs, size.width, size.height), {
      threshold,
      width: image.width,
      height: image.height,
      nms: !layout.nmsInGraph,
      iouThreshold: iou,
      maxDetections,
      labelFor,
    });

  return {
    model,
    isDefaultModel,
    layout,
    device: session.device,
    deviceNote: session.deviceNote,
    inputWidth: size.width,
    inputHeight: size.height,
    threshold,
    sessions: session.sessions,
    inFlight: session.inFlight,
    labels,
    labelFile,
    preprocess,
    run: (feeds) => session.run(feeds),
    postprocess,
    async detect(image) {
      return postprocess(await session.run(preprocess(image)), image);
    },
    close: () => session.release(),
  };
}
