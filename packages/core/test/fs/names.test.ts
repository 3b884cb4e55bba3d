import fc from 'fast-check';
import { NameTable } from '../../src/fs/names.js';

describe('NameTable', () => {
  test('gives back every name, and compares (prefixes of) names as < compares strings', () => {
    // Latin-1 names first, then names past Latin-1 (the table widens its units on the way).
    const name = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', ' ', '(', 'é', 'ÿ', '\u0100', '日', '\ud83d\ude00'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 300 }), (names) => {
        const table = new NameTable();
        names.forEach((n, i) => expect(table.add(n)).toBe(i));
        expect(table.size).toBe(names.length);
        names.forEach((n, i) => expect([i, table.get(i), table.length(i)]).toEqual([i, n, n.length]));
        for (let k = 0; k < 50 && k + 1 < names.length; k++) {
          const [a, b] = [k, names.length - 1 - k];
          const cut = Math.min(2, names[a].length);
          expect([a, b, Math.sign(table.compare(a, b))]).toEqual([a, b, names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0]);
          const pa = names[a].slice(0, cut);
          expect(Math.sign(table.compare(a, b, cut))).toBe(pa < names[b] ? -1 : pa > names[b] ? 1 : 0);
        }
        table.clear();
        expect(table.size).toBe(0);
        expect(table.get(table.add('again'))).toBe('again');
      }),
      { numRuns: 200 },
    );
  });
});
