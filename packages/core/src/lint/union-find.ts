/** Disjoint sets over `0 … n−1` (path halving, union by smaller root so results are deterministic). */
export class UnionFind {
  private readonly parent: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) {
      p[i] = p[p[i]];
      i = p[i];
    }
    return i;
  }

  /** Joins the sets of `a` and `b`; the smaller index becomes the root. */
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  /** The sets with at least `minSize` members, each ascending, ordered by their smallest member. */
  sets(minSize = 1): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let i = 0; i < this.parent.length; i++) {
      const r = this.find(i);
      let s = byRoot.get(r);
      if (!s) byRoot.set(r, (s = []));
      s.push(i);
    }
    return [...byRoot.values()].filter((s) => s.length >= minSize).sort((x, y) => x[0] - y[0]);
  }
}
