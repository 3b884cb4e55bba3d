/**
 * Plain tensor values passed between preprocess → run → postprocess. They carry no onnxruntime
 * types, so every stage except `backend/onnx.ts` is testable with hand-made arrays.
 */

/** Element types that show up in detection models' inputs and outputs. */
export type TensorType = 'float32' | 'float64' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool' | 'string' | (string & {});

export type TensorArray = Float32Array | Float64Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** A tensor's data, element type and dimensions (row-major). */
export interface TensorData {
  type: TensorType;
  data: TensorArray;
  dims: readonly number[];
}

/** A model input or output as the model declares it; symbolic or unknown dimensions are strings. */
export interface TensorInfo {
  name: string;
  type: TensorType;
  shape: ReadonlyArray<number | string>;
}

/** The declared inputs and outputs of a model: what layout detection looks at. */
export interface ModelSignature {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** `input_tensor uint8 [1,?,?,3]`: one tensor, as error messages show it. */
export function describeTensor(t: TensorInfo): string {
  const dims = t.shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : '?'));
  return `${t.name} ${t.type} [${dims.join(',')}]`;
}

/** `inputs: …; outputs: …` for error messages. */
export function describeSignature(sig: ModelSignature): string {
  return `inputs: ${sig.inputs.map(describeTensor).join(', ') || 'none'}; outputs: ${sig.outputs.map(describeTensor).join(', ') || 'none'}`;
}

/** Element `i` of a numeric tensor as a JS number (int64 included). */
export function numberAt(t: TensorData, i: number): number {
  const v = t.data[i];
  return typeof v === 'bigint' ? Number(v) : (v as number);
}
