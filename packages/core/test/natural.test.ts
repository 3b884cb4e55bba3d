import fc from 'fast-check';
import { naturalCompare, naturalKey, naturalSortBy } from '@bus-tools/core';

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

describe('naturalSortBy', () => {
  test('orders items as sort(naturalCompare) orders their keys', () => {
    // Names with digit runs, leading zeros, and characters just below and above the digits.
    const name = fc.array(fc.constantFrom('a', 'B', '1', '0', '9', '10', '(', ' ', '-', '.', '/', '_mask'), { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(name, { maxLength: 40 }), (keys) => {
        const items = keys.map((k, i) => ({ k, i }));
        const sorted = naturalSortBy([...items], (x) => x.k).map((x) => x.k);
        expect(sorted).toEqual([...keys].sort(naturalCompare));
      }),
      { numRuns: 300 },
    );
  });
});

describe('naturalKey', () => {
  test('plain order of keys is naturalCompare order of the strings', () => {
    const name = fc.array(fc.constantFrom('a', 'B', '1', '0', '00', '9', '10', '(', ' ', '-', '.', '/', '_mask', '\u00e9'), { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(name, name, (a, b) => {
        const [ka, kb] = [naturalKey(a), naturalKey(b)];
        expect([a, b, Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0)]).toEqual([a, b, Math.sign(naturalCompare(a, b))]);
      }),
      { numRuns: 3000 },
    );
  });
});
