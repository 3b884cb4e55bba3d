const CHUNK = /(\d+)|(\D+)/g;

/**
 * Natural order for file names: `benign (2)` before `benign (10)`. Digit runs compare as numbers
 * (then by length, so `01` after `1`), other text by code point; total and locale-independent.
 *
 * @example
 *   ['benign (10).png', 'benign (2).png'].sort(naturalCompare); // ['benign (2).png', 'benign (10).png']
 */
export function naturalCompare(a: string, b: string): number {
  if (a === b) return 0;
  return compareChunks(chunks(a), chunks(b)) || (a < b ? -1 : 1);
}

/**
 * A string whose plain (code-unit) order is `naturalCompare`'s order: each run of text is ended by
 * U+0000 (below every character a name can hold, as the end of a chunk is below any continuation),
 * and each run of digits is written as "0", its length without leading zeros, those digits and its
 * count of leading zeros (so 2 < 10, and 1 < 01). For sorting many strings with one small key each.
 */
export function naturalKey(s: string): string {
  let key = '';
  for (const chunk of s.match(CHUNK) ?? []) {
    const c = chunk.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      const digits = chunk.replace(/^0+(?=\d)/, '');
      key += `0${String.fromCharCode(0x30 + digits.length)}${digits}${String.fromCharCode(0x30 + chunk.length - digits.length)}`;
    } else key += `${chunk}\0`;
  }
  return key;
}

/**
 * `items` sorted (in place, and returned) by `naturalCompare` of `key(item)`, with one `naturalKey`
 * per item made once: for sorting many items, where `naturalCompare` would split each key at every
 * comparison.
 *
 * @example
 *   naturalSortBy(files, (f) => f.relPath);
 */
export function naturalSortBy<T>(items: T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, k: naturalKey(key(item)) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  for (let i = 0; i < keyed.length; i++) items[i] = keyed[i].item;
  return items;
}

// A small cache of split keys for `naturalCompare` in sorts: bounded, so it does not grow with the
// number of paths a run compares (large sorts use `naturalSortBy`).
const cache = new Map<string, string[]>();
function chunks(s: string): string[] {
  let c = cache.get(s);
  if (!c) {
    if (cache.size >= 4096) cache.clear();
    c = s.match(CHUNK) ?? [];
    cache.set(s, c);
  }
  return c;
}

function compareChunks(ca: string[], cb: string[]): number {
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i];
    const y = cb[i];
    if (x === y) continue;
    const dx = x.charCodeAt(0) <= 57 && x.charCodeAt(0) >= 48;
    const dy = y.charCodeAt(0) <= 57 && y.charCodeAt(0) >= 48;
    if (dx && dy) {
      const nx = x.replace(/^0+(?=\d)/, '');
      const ny = y.replace(/^0+(?=\d)/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}
