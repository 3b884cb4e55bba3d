import { resizePixels } from '@bus-tools/infer';

// Enlarging follows OpenCV's cv2.resize(..., interpolation=cv2.INTER_LINEAR) (see resize.ts): output
// pixel x samples the source at (x + 0.5)·in/out − 0.5, held at the edges. The expected values are
// worked out by hand below; cv2 4.6 gives the same numbers for each case.
const rows = (px: Uint8Array, w: number, h: number, channels = 1) => Array.from({ length: h }, (_, y) => Array.from(px.subarray(y * w * channels, (y + 1) * w * channels)));

describe('resizePixels enlarges as OpenCV INTER_LINEAR with half-pixel centres', () => {
  test.each<[string, number[], number, number[]]>([
    // positions −0.25 (→ 0), 0.25, 0.75, 1.25 (→ 1): 0, 255/4 = 63.75, 255·3/4 = 191.25, 255
    ['2 → 4', [0, 255], 4, [0, 64, 191, 255]],
    // scale 0.6: positions −0.2 (→ 0), 0.4, 1.0, 1.6, 2.2 (→ 2): 10, 10 + 0.4·40, 50, 50 + 0.6·40, 90
    ['3 → 5', [10, 50, 90], 5, [10, 26, 50, 74, 90]],
    // scale 0.25: positions −0.375, −0.125 (→ 0), 0.125, 0.375, 0.625, 0.875, 1.125, 1.375 (→ 1)
    ['2 → 8', [0, 255], 8, [0, 0, 32, 96, 159, 223, 255, 255]],
  ])('one row %s', (_name, src, dw, expected) => {
    expect(Array.from(resizePixels(Uint8Array.from(src), src.length, 1, 1, dw, 1))).toEqual(expected);
  });

  test('2×2 → 4×4: bilinear at (u, v) ∈ {0, ¼, ¾, 1}², value (1−u)(1−v)·a + u(1−v)·b + (1−u)v·c + uv·d', () => {
    // a = 0, b = 100 (top row); c = 200, d = 255 (bottom row). E.g. (¼, ¼): ¼·¾·100 + ¾·¼·200 + ¼·¼·255
    // = 18.75 + 37.5 + 15.94 = 72.19 → 72; (¾, ¾): ¾·¼·100 + ¼·¾·200 + ¾·¾·255 = 199.69 → 200.
    const out = resizePixels(Uint8Array.from([0, 100, 200, 255]), 2, 2, 1, 4, 4);
    expect(rows(out, 4, 4)).toEqual([
      [0, 25, 75, 100],
      [50, 72, 117, 139],
      [150, 167, 200, 216],
      [200, 214, 241, 255],
    ]);
  });

  test('RGB: each channel as its own row (red 255 → 0, blue 0 → 255)', () => {
    const out = resizePixels(Uint8Array.from([255, 0, 0, 0, 0, 255]), 2, 1, 3, 4, 1);
    expect(rows(out, 4, 1, 3)).toEqual([[255, 0, 0, 191, 0, 64, 64, 0, 191, 0, 0, 255]]);
  });

  test('3×2 → 7×5: within 1 of OpenCV (it keeps the horizontal pass at 11 bits, this rounds it to 8)', () => {
    // cv2.resize(np.array([[0, 60, 120], [30, 90, 250]], np.uint8), (7, 5), interpolation=cv2.INTER_LINEAR)
    const opencv = [
      [0, 9, 34, 60, 86, 111, 120],
      [3, 11, 37, 63, 93, 123, 133],
      [15, 24, 49, 75, 122, 169, 185],
      [27, 35, 61, 87, 151, 215, 237],
      [30, 39, 64, 90, 159, 227, 250],
    ];
    const out = rows(resizePixels(Uint8Array.from([0, 60, 120, 30, 90, 250]), 3, 2, 1, 7, 5), 7, 5);
    const worst = Math.max(...out.flatMap((row, y) => row.map((v, x) => Math.abs(v - opencv[y][x]))));
    expect(worst).toBeLessThanOrEqual(1);
    // the corners are source pixels, held
    expect([out[0][0], out[0][6], out[4][0], out[4][6]]).toEqual([0, 120, 30, 250]);
  });
});
