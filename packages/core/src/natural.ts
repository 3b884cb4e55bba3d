const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/**
 * Natural order for file names: `benign (2)` before `benign (10)`. Ties (names the collator deems
 * equal) fall back to code-point order, so sorting is total and deterministic.
 */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
