/**
 * Run-length masks: each row's lesion pixels as half-open runs `[start, end)`. A 500×500 lesion
 * mask is a few hundred runs, so labelling and unions work on runs, never on pixels.
 */
import type { Xyxy } from '../box.js';

export interface MaskRuns {
  width: number;
  height: number;
  /** Runs of row `y` are indices `rowStart[y]` … `rowStart[y + 1] - 1`. Length `height + 1`. */
  rowStart: Int32Array;
  /** Start column of each run (inclusive). */
  starts: Int32Array;
  /** End column of each run (exclusive). */
  ends: Int32Array;
}

/** Collects runs row by row; rows must be started in increasing order. */
export class RunsBuilder {
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private n = 0;
  private readonly rowStart: Int32Array;
  private row = -1;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rowStart = new Int32Array(height + 1);
  }

  startRow(y: number): void {
    for (let r = this.row + 1; r <= y; r++) this.rowStart[r] = this.n;
    this.row = y;
  }

  push(start: number, end: number): void {
    if (this.n === this.starts.length) {
      const s = new Int32Array(this.n * 2);
      s.set(this.starts);
      this.starts = s;
      const e = new Int32Array(this.n * 2);
      e.set(this.ends);
      this.ends = e;
    }
    this.starts[this.n] = start;
    this.ends[this.n] = end;
    this.n++;
  }

  finish(): MaskRuns {
    for (let r = this.row + 1; r <= this.height; r++) this.rowStart[r] = this.n;
    return {
      width: this.width,
      height: this.height,
      rowStart: this.rowStart,
      starts: this.starts.subarray(0, this.n),
      ends: this.ends.subarray(0, this.n),
    };
  }
}

/** Builds runs from a row-major 0/non-zero pixel array (tests and small masks). */
export function runsFromPixels(pixels: ArrayLike<number>, width: number, height: number): MaskRuns {
  const b = new RunsBuilder(width, height);
  for (let y = 0; y < height; y++) {
    b.startRow(y);
    let x = 0;
    while (x < width) {
      while (x < width && !pixels[y * width + x]) x++;
      if (x >= width) break;
      const s = x;
      while (x < width && pixels[y * width + x]) x++;
      b.push(s, x);
    }
  }
  return b.finish();
}

/** Number of lesion pixels. */
export function runsPixelCount(m: MaskRuns): number {
  let n = 0;
  for (let i = 0; i < m.starts.length; i++) n += m.ends[i] - m.starts[i];
  return n;
}

/**
 * The pixel-wise union of several same-size masks (overlapping or nested masks count once).
 * @throws Error when the sizes differ.
 */
export function unionRuns(masks: readonly MaskRuns[]): MaskRuns {
  if (masks.length === 1) return masks[0];
  const { width, height } = masks[0];
  for (const m of masks) {
    if (m.width !== width || m.height !== height) {
      throw new Error(`unionRuns: mask sizes differ (${m.width}×${m.height} vs ${width}×${height})`);
    }
  }
  const out = new RunsBuilder(width, height);
  const pending: Array<[number, number]> = [];
  for (let y = 0; y < height; y++) {
    out.startRow(y);
    pending.length = 0;
    for (const m of masks) for (let i = m.rowStart[y]; i < m.rowStart[y + 1]; i++) pending.push([m.starts[i], m.ends[i]]);
    if (pending.length === 0) continue;
    pending.sort((a, b) => a[0] - b[0]);
    let [s, e] = pending[0];
    for (let k = 1; k < pending.length; k++) {
      const [s2, e2] = pending[k];
      if (s2 <= e) e = Math.max(e, e2);
      else {
        out.push(s, e);
        [s, e] = [s2, e2];
      }
    }
    out.push(s, e);
  }
  return out.finish();
}

/** One 8-connected component: its pixel-edge box and pixel count. */
export interface Component {
  xyxy: Xyxy;
  area: number;
}

/**
 * 8-connected components of a mask, in raster order of their first pixel.
 * Two runs in neighbouring rows touch when they overlap or meet diagonally.
 *
 * @example
 *   // a diagonal pair is one component
 *   components(runsFromPixels([1, 0, 0, 1], 2, 2)); // [{ xyxy: [0, 0, 2, 2], area: 2 }]
 */
export function components(m: MaskRuns): Component[] {
  const n = m.starts.length;
  if (n === 0) return [];
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const { rowStart, starts, ends } = m;
  for (let y = 1; y < m.height; y++) {
    let j = rowStart[y - 1];
    const jEnd = rowStart[y];
    for (let i = rowStart[y]; i < rowStart[y + 1]; i++) {
      // advance past runs above that end too far left to touch run i (diagonal contact allowed)
      while (j < jEnd && ends[j] < starts[i]) j++;
      for (let k = j; k < jEnd && starts[k] <= ends[i]; k++) {
        const a = find(i);
        const b = find(k);
        if (a !== b) {
          if (a < b) parent[b] = a;
          else parent[a] = b;
        }
      }
    }
  }
  // Roots are the smallest run index of each component, i.e. its first pixel in raster order.
  const slot = new Int32Array(n).fill(-1);
  const out: Component[] = [];
  for (let y = 0; y < m.height; y++) {
    for (let i = rowStart[y]; i < rowStart[y + 1]; i++) {
      const r = find(i);
      let c = slot[r];
      if (c < 0) {
        c = slot[r] = out.length;
        out.push({ xyxy: [starts[i], y, ends[i], y + 1], area: 0 });
      }
      const comp = out[c];
      const b = comp.xyxy;
      if (starts[i] < b[0]) b[0] = starts[i];
      if (ends[i] > b[2]) b[2] = ends[i];
      b[3] = y + 1;
      comp.area += ends[i] - starts[i];
    }
  }
  return out;
}
