import { components, runsFromPixels, unionRuns, runsPixelCount } from '@bus-tools/core';

/** Draws a mask from rows of '#' (lesion) and '.' (background). */
export function draw(...rows: string[]) {
  const width = rows[0].length;
  const pixels = rows.flatMap((r) => [...r].map((c) => (c === '#' ? 1 : 0)));
  return runsFromPixels(pixels, width, rows.length);
}

describe('components (8-connected)', () => {
  test.each([
    ['empty mask', draw('...', '...'), []],
    ['single pixel', draw('...', '.#.'), [{ xyxy: [1, 1, 2, 2], area: 1 }]],
    ['diagonal neighbours are one component', draw('#..', '.#.', '..#'), [{ xyxy: [0, 0, 3, 3], area: 3 }]],
    ['anti-diagonal neighbours are one component', draw('..#', '.#.', '#..'), [{ xyxy: [0, 0, 3, 3], area: 3 }]],
    [
      'a gap of one pixel separates',
      draw('#.#', '...', '#.#'),
      [
        { xyxy: [0, 0, 1, 1], area: 1 },
        { xyxy: [2, 0, 3, 1], area: 1 },
        { xyxy: [0, 2, 1, 3], area: 1 },
        { xyxy: [2, 2, 3, 3], area: 1 },
      ],
    ],
    ['a ring is one component', draw('####', '#..#', '#..#', '####'), [{ xyxy: [0, 0, 4, 4], area: 12 }]],
    [
      'a ring with a blob inside is two',
      draw('#####', '#...#', '#.#.#', '#...#', '#####'),
      [
        { xyxy: [0, 0, 5, 5], area: 16 },
        { xyxy: [2, 2, 3, 3], area: 1 },
      ],
    ],
    ['border pixels in all corners of a full mask', draw('##', '##'), [{ xyxy: [0, 0, 2, 2], area: 4 }]],
    [
      'U shape merges late',
      draw('#..#', '#..#', '####'),
      [{ xyxy: [0, 0, 4, 3], area: 8 }],
    ],
  ])('%s', (_name, mask, expected) => {
    expect(components(mask)).toEqual(expected);
  });
});

describe('unionRuns', () => {
  test('nested masks count their pixels once', () => {
    const outer = draw('####', '####', '####');
    const inner = draw('....', '.##.', '....');
    const u = unionRuns([outer, inner]);
    expect(runsPixelCount(u)).toBe(12);
    expect(components(u)).toEqual([{ xyxy: [0, 0, 4, 3], area: 12 }]);
  });

  test('overlapping runs in one row merge', () => {
    const a = draw('##....#');
    const b = draw('.###...');
    expect(components(unionRuns([a, b]))).toEqual([
      { xyxy: [0, 0, 4, 1], area: 4 },
      { xyxy: [6, 0, 7, 1], area: 1 },
    ]);
  });
});
