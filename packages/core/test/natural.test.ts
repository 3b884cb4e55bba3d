import { naturalCompare } from '@bus-tools/core';

describe('naturalCompare', () => {
  test.each([
    ['benign (2).png', 'benign (10).png', -1],
    ['benign (10).png', 'benign (2).png', 1],
    ['benign (1).png', 'benign (1)_mask.png', -1],
    ['benign (1)_mask.png', 'benign (1)_mask_1.png', -1],
    ['benign (9)_mask_2.png', 'benign (9)_mask_10.png', -1],
    ['benign/x.png', 'malignant/a.png', -1],
    ['a1', 'a01', -1],
    ['a', 'a', 0],
    ['B', 'a', -1], // code-point order, locale-independent
    ['x2y', 'x2', 1],
  ])('%s vs %s → %i', (a, b, sign) => {
    expect(Math.sign(naturalCompare(a, b))).toBe(sign);
  });

  test('sorts BUSI names the way people expect', () => {
    const names = ['benign (100).png', 'benign (1).png', 'benign (21).png', 'benign (3).png', 'benign (2).png'];
    expect(names.sort(naturalCompare)).toEqual(['benign (1).png', 'benign (2).png', 'benign (3).png', 'benign (21).png', 'benign (100).png']);
  });
});
