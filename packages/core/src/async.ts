/** Small helpers for asynchronous work over many items. */

/**
 * Runs `work` on every item with at most `limit` in flight; results keep the input order.
 * @example await mapLimit(paths, 4, (p) => readImageRgb(p));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
