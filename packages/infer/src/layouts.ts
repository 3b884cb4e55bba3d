/**
 * The three ONNX layouts detection exports come in, and how to tell them apart from a model's
 * declared inputs and outputs (names, element types, shapes):
 *
 * | layout        | input                                  | outputs                                           | NMS      |
 * |---------------|----------------------------------------|---------------------------------------------------|----------|
 * | `tfod`        | `input_tensor` uint8 `[1,H,W,3]`        | `detection_boxes/scores/classes`, `num_detections` | in graph |
 * | `datature`    | float32 `[1,H,W,3]`, values 0–255       | one `[1,N,C]`: ymin,xmin,ymax,xmax, score, class, …, valid | ours |
 * | `torchvision` | float32 `[3,H,W]` (or `[1,3,H,W]`), 0–1 | `boxes [n,4]` xyxy input pixels, `scores`, `labels` | in graph |
 */
import { BusToolsError, MODEL_LAYOUTS, type ModelLayout as ModelLayoutName } from '@bus-tools/core';
import { describeSignature, type ModelSignature, type TensorInfo } from './tensor.js';

export const LAYOUTS = MODEL_LAYOUTS;
export type LayoutName = ModelLayoutName;

/**
 * How pixels become the input tensor:
 * - `uint8-nhwc`: `[1,H,W,3]` bytes as decoded;
 * - `float32-nhwc-255`: `[1,H,W,3]` floats with the byte values 0–255;
 * - `float32-chw-01`: `[3,H,W]` (or `[1,3,H,W]` when `batch`) floats, byte / 255.
 */
export type InputEncoding = 'uint8-nhwc' | 'float32-nhwc-255' | 'float32-chw-01';

export interface ModelLayout {
  name: LayoutName;
  input: {
    name: string;
    encoding: InputEncoding;
    /** Whether the input has a leading batch dimension of 1 (always for NHWC). */
    batch: boolean;
    /** The model's fixed input size, when its shape declares one. */
    width?: number;
    height?: number;
  };
  /** Output names by role: tfod `boxes, scores, classes, num?`; datature `packed`; torchvision `boxes, scores, labels`. */
  outputs: Record<string, string>;
  /** False when the caller must run NMS (datature). */
  nmsInGraph: boolean;
}

/** `StatefulPartitionedCall:0`-style names compared without their `:0` suffix and case. */
const norm = (name: string) => name.toLowerCase().replace(/:\d+$/, '');
const dim = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : undefined);

/** The output whose name is `want` exactly (after normalising), else one that ends with it and is not `raw_*`. */
function findOutput(outputs: TensorInfo[], want: string): TensorInfo | undefined {
  return (
    outputs.find((o) => norm(o.name) === want) ??
    outputs.find((o) => norm(o.name).endsWith(want) && !norm(o.name).includes('raw')) ??
    outputs.find((o) => norm(o.name).split('/').pop() === want)
  );
}

function nhwcSize(input: TensorInfo) {
  return { height: dim(input.shape[1]), width: dim(input.shape[2]) };
}

function isNhwc3(t: TensorInfo): boolean {
  return t.shape.length === 4 && (t.shape[3] === 3 || typeof t.shape[3] !== 'number' || t.shape[3] < 0);
}

function tryTfod(sig: ModelSignature): ModelLayout | undefined {
  const input = sig.inputs.find((i) => i.type === 'uint8' && isNhwc3(i)) ?? (sig.inputs.length === 1 && sig.inputs[0].type === 'uint8' ? sig.inputs[0] : undefined);
  const boxes = findOutput(sig.outputs, 'detection_boxes');
  const scores = findOutput(sig.outputs, 'detection_scores');
  const classes = findOutput(sig.outputs, 'detection_classes');
  if (!input || !boxes || !scores || !classes) return undefined;
  const num = findOutput(sig.outputs, 'num_detections');
  return {
    name: 'tfod',
    input: { name: input.name, encoding: 'uint8-nhwc', batch: true, ...nhwcSize(input) },
    outputs: { boxes: boxes.name, scores: scores.name, classes: classes.name, ...(num ? { num: num.name } : {}) },
    nmsInGraph: true,
  };
}

function tryDatature(sig: ModelSignature): ModelLayout | undefined {
  const input = sig.inputs.length === 1 && sig.inputs[0].type.startsWith('float') && isNhwc3(sig.inputs[0]) ? sig.inputs[0] : undefined;
  const packed = sig.outputs.filter((o) => o.type.startsWith('float') && o.shape.length === 3 && (typeof o.shape[2] !== 'number' || o.shape[2] < 0 || o.shape[2] >= 7));
  if (!input || packed.length !== 1 || sig.outputs.length !== 1) return undefined;
  return {
    name: 'datature',
    input: { name: input.name, encoding: 'float32-nhwc-255', batch: true, ...nhwcSize(input) },
    outputs: { packed: packed[0].name },
    nmsInGraph: false,
  };
}

function tryTorchvision(sig: ModelSignature, forced: boolean): ModelLayout | undefined {
  const input = sig.inputs.length === 1 && sig.inputs[0].type.startsWith('float') ? sig.inputs[0] : undefined;
  if (!input) return undefined;
  const chw = input.shape.length === 3 || (input.shape.length === 4 && (input.shape[1] === 3 || typeof input.shape[1] !== 'number'));
  if (!chw) return undefined;
  let boxes = findOutput(sig.outputs, 'boxes');
  let scores = findOutput(sig.outputs, 'scores');
  let labels = findOutput(sig.outputs, 'labels');
  if ((!boxes || !scores || !labels) && forced && sig.outputs.length === 3) [boxes, scores, labels] = sig.outputs; // positional: torchvision's order
  if (!boxes || !scores || !labels) return undefined;
  const batch = input.shape.length === 4;
  const off = batch ? 1 : 0;
  return {
    name: 'torchvision',
    input: { name: input.name, encoding: 'float32-chw-01', batch, height: dim(input.shape[off + 1]), width: dim(input.shape[off + 2]) },
    outputs: { boxes: boxes.name, scores: scores.name, labels: labels.name },
    nmsInGraph: true,
  };
}

/**
 * Picks the layout of a model from its signature, or checks that `override` fits it.
 *
 * @example
 *   resolveLayout({ inputs: [{ name: 'input_tensor', type: 'uint8', shape: [1, 640, 640, 3] }],
 *                   outputs: [detection_boxes, detection_scores, detection_classes, num_detections] })
 *   // → { name: 'tfod', input: { name: 'input_tensor', encoding: 'uint8-nhwc', width: 640, height: 640, … }, … }
 * @throws BusToolsError `BAD_MODEL` listing the model's inputs and outputs and the `--model-layout` choices.
 */
export function resolveLayout(sig: ModelSignature, override?: LayoutName, file = 'the model'): ModelLayout {
  const tries: Record<LayoutName, () => ModelLayout | undefined> = {
    tfod: () => tryTfod(sig),
    datature: () => tryDatature(sig),
    torchvision: () => tryTorchvision(sig, override === 'torchvision'),
  };
  if (override !== undefined) {
    if (!(LAYOUTS as readonly string[]).includes(override)) {
      throw new BusToolsError('INVALID_PARAMETER', `Expected one of ${LAYOUTS.join(', ')} for --model-layout but received ${JSON.stringify(override)}`);
    }
    const layout = tries[override]();
    if (layout) return layout;
    throw new BusToolsError('BAD_MODEL', `${file} does not look like a ${override} export (${LAYOUT_HINT[override]}). The model has ${describeSignature(sig)}. Try another --model-layout (${LAYOUTS.join(', ')}) or leave it out to detect it.`, { file });
  }
  for (const name of LAYOUTS) {
    const layout = tries[name]();
    if (layout) return layout;
  }
  throw new BusToolsError(
    'BAD_MODEL',
    `${file}: unknown detection model layout. The model has ${describeSignature(sig)}. bus-tools understands --model-layout ${LAYOUTS.map((l) => `${l} (${LAYOUT_HINT[l]})`).join('; ')}.`,
    { file },
  );
}

const LAYOUT_HINT: Record<LayoutName, string> = {
  tfod: 'TF Object Detection API / tf2onnx: uint8 [1,H,W,3] input, detection_boxes/scores/classes outputs',
  datature: 'Datature ONNX: float32 [1,H,W,3] 0-255 input, one [1,N,7+] output',
  torchvision: 'torchvision: float32 [3,H,W] 0-1 input, boxes/scores/labels outputs',
};
