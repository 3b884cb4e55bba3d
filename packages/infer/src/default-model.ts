/**
 * The BUSI lesion detector that ships with bus-tools: a RetinaNet (MobileNetV2-FPN) trained on the
 * BUSI dataset by `tools/train`, exported in the TF Object Detection API layout, with its label map
 * (`1 benign`, `2 malignant`) beside it. `predict`, `eval` and `serve` use it when no model is
 * given. What it was trained on, how well it does and where it fails: docs/model-card.md.
 * A research tool, not a medical device.
 */
import { fileURLToPath } from 'node:url';

/** The bundled model's file name, its SHA-256 and a short name for summaries. */
export const DEFAULT_MODEL = {
  file: 'busi-retinanet.onnx',
  sha256: '9c5be3b6962838e83f696a8eb85e567e970ef9e95179fb17ba834884ade079f8',
  name: 'bundled BUSI RetinaNet',
} as const;

/**
 * Absolute path of the bundled model (its `label_map.pbtxt` lies beside it).
 * @example openDetector({ model: defaultModelPath() }) // the same as leaving `model` out
 */
export function defaultModelPath(): string {
  return fileURLToPath(new URL(`../models/${DEFAULT_MODEL.file}`, import.meta.url));
}
