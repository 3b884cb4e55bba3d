/**
 * Pixels → model input tensor. Input pixels are interleaved RGB bytes (`[H,W,3]`, row-major), already
 * resized to the model's input size (see image.ts).
 */
import { invalidParameterError } from '@bus-tools/core';
import type { InputEncoding } from './layouts.js';
import type { TensorData } from './tensor.js';

/**
 * Builds the input tensor for `encoding` from RGB bytes.
 *
 * @param rgb `width * height * 3` bytes, RGB interleaved, row-major.
 * @param batch add a leading batch dimension of 1 (NHWC encodings always have one).
 * @example
 *   rgbToTensor(new Uint8Array([255, 0, 0]), 1, 1, 'float32-chw-01', false)
 *   // → { type: 'float32', dims: [3, 1, 1], data: Float32Array [1, 0, 0] }
 */
export function rgbToTensor(rgb: Uint8Array, width: number, height: number, encoding: InputEncoding, batch = true): TensorData {
  const n = width * height;
  if (rgb.length !== n * 3) throw invalidParameterError('rgb', `${n * 3} bytes (${width}x${height} RGB)`, `${rgb.length} bytes`);
  switch (encoding) {
    case 'uint8-nhwc':
      // A view, not a copy: onnxruntime reads it in place.
      return { type: 'uint8', data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), dims: [1, height, width, 3] };
    case 'float32-nhwc-255': {
      const data = new Float32Array(n * 3);
      for (let i = 0; i < data.length; i++) data[i] = rgb[i];
      return { type: 'float32', data, dims: [1, height, width, 3] };
    }
    case 'float32-chw-01': {
      const data = new Float32Array(n * 3);
      const g = n;
      const b = 2 * n;
      for (let p = 0, i = 0; p < n; p++, i += 3) {
        data[p] = rgb[i] / 255;
        data[g + p] = rgb[i + 1] / 255;
        data[b + p] = rgb[i + 2] / 255;
      }
      return { type: 'float32', data, dims: batch ? [1, 3, height, width] : [3, height, width] };
    }
    default:
      throw invalidParameterError('encoding', 'uint8-nhwc, float32-nhwc-255 or float32-chw-01', encoding);
  }
}
