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

const cache = new Map<string, string[]>();
function chunks(s: string): string[] {
  let c = cache.get(s);
  if (!c) {
    if (cache.size > 50_000) cache.clear();
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
