import { rgbToTensor } from '@bus-tools/infer';

// A 2x1 image: a red pixel, then a (0, 51, 255) pixel.
const rgb = Uint8Array.of(255, 0, 0, 0, 51, 255);

describe('rgbToTensor', () => {
  test('uint8 NHWC is a view of the pixels', () => {
    const t = rgbToTensor(rgb, 2, 1, 'uint8-nhwc');
    expect(t.type).toBe('uint8');
    expect(t.dims).toEqual([1, 1, 2, 3]);
    expect(t.data.buffer).toBe(rgb.buffer);
    expect([...t.data]).toEqual([255, 0, 0, 0, 51, 255]);
  });

  test('float32 NHWC keeps 0-255', () => {
    const t = rgbToTensor(rgb, 2, 1, 'float32-nhwc-255');
    expect(t.dims).toEqual([1, 1, 2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect([...t.data]).toEqual([255, 0, 0, 0, 51, 255]);
  });

  test('float32 CHW is planar and divided by 255, batch dimension optional', () => {
    const t = rgbToTensor(rgb, 2, 1, 'float32-chw-01', false);
    expect(t.dims).toEqual([3, 1, 2]);
    expect([...t.data]).toEqual([1, 0, 0, 0.2, 0, 1].map(Math.fround));
    expect(rgbToTensor(rgb, 2, 1, 'float32-chw-01', true).dims).toEqual([1, 3, 1, 2]);
  });

  test('wrong pixel count is an error', () => {
    expect(() => rgbToTensor(rgb, 3, 1, 'uint8-nhwc')).toThrow('Expected 9 bytes (3x1 RGB) for rgb but received "6 bytes"');
  });
});
