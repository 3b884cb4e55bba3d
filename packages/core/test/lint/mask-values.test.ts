import { maskValueStats } from '@bus-tools/core';
import { encodeMaskPng } from '../../../../fixtures/png-encode.js';

/** Pixel values counted by hand from the masks drawn here. */
describe('maskValueStats: the values of a mask and how many pixels carry each', () => {
  // 10 × 3, 1-bit: row 0 all lesion, row 1 none, row 2 the pattern 1100110011.
  const W = 10;
  const H = 3;
  const px = new Uint8Array(W * H);
  px.fill(1, 0, W);
  [1, 1, 0, 0, 1, 1, 0, 0, 1, 1].forEach((v, x) => (px[2 * W + x] = v));

  test.each(['gray1', 'gray8', 'gray16'] as const)('%s: 16 lesion pixels and 14 background, whatever the bit depth', (encoding) => {
    const stats = maskValueStats(encodeMaskPng(px, W, H, encoding, { value: 1 }));
    expect(stats.values).toEqual([
      { value: '1', pixels: 16, zero: false },
      { value: '0', pixels: 14, zero: true },
    ]);
    expect(stats.truncated).toBe(false);
  });

  test('a 1-bit row that ends inside a byte counts only its own pixels, not the padding', () => {
    // width 10: the second byte of each row has 2 pixels and 6 padding bits
    const ones = new Uint8Array(W * H).fill(1);
    expect(maskValueStats(encodeMaskPng(ones, W, H, 'gray1')).values).toEqual([{ value: '1', pixels: 30, zero: false }]);
  });

  test('RGB values are shown as r,g,b', () => {
    const stats = maskValueStats(encodeMaskPng(px, W, H, 'rgb8', { value: 255 }));
    expect(stats.values.map((v) => [v.value, v.pixels])).toEqual([
      ['255,255,255', 16],
      ['0,0,0', 14],
    ]);
  });
});
