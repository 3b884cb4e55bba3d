/**
 * @bus-tools/infer: run exported ONNX lesion detectors (TF OD API, Datature ONNX and torchvision
 * layouts) with onnxruntime-node, on the CPU or CUDA. Inference is preprocess → run → postprocess;
 * each stage is exported as a pure function for testing and reuse.
 */
export * from './tensor.js';
export * from './backend/onnx.js';
export { cpuPlan } from './backend/pool.js';
export * from './layouts.js';
export * from './preprocess.js';
export * from './nms.js';
export * from './postprocess.js';
export * from './labelmap.js';
export * from './draw.js';
export * from './image.js';
export * from './resize.js';
export * from './inputs.js';
export * from './default-model.js';
export * from './detector.js';
export * from './predict.js';
export * from './outputs.js';
export * from './serve/index.js';
