/**
 * Assigning images to train / val / test: stratified by class, duplicate groups never separated,
 * deterministic for a seed. Pure functions over lists; `splitDataset` (split.ts) does the I/O.
 */
import type { ConflictRule } from '../constants.js';
import { BusToolsError, invalidParameterError } from '../errors.js';
import { naturalCompare, naturalSortBy } from '../natural.js';
import { mulberry32 } from '../random.js';

export const SPLIT_PARTS = ['train', 'val', 'test'] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

export interface SplitItem {
  /** Unique id, e.g. the path relative to the dataset root; also the tie-break order. */
  id: string;
  /** Class. */
  label: string;
  /** Items with the same group go to the same part. Items without a group are alone. */
  group?: string;
}

export interface SplitPlanOptions {
  /** Fraction of each class for validation, 0 ≤ val < 1. */
  val: number;
  /** Fraction for test. Default 0. `val + test` < 1. */
  test?: number;
  /** Any integer; the same seed and items give the same plan. */
  seed: number;
  /** Default `exclude`. */
  conflicts?: ConflictRule;
}

export interface PlannedItem extends SplitItem {
  part: SplitPart | 'excluded';
  /** The unit it moved with: `g1`, `g2`, … numbered in order of their first item. */
  unit: string;
}

/**
 * Plans a split. Rule by rule:
 * 1. Items are sorted by id (natural order) and gathered into units: one per group, one per
 *    ungrouped item. Units are numbered `g1…` in order of their first item.
 * 2. A unit whose items carry more than one class is a label conflict: `exclude` leaves it out of
 *    every part (its labels cannot all be right, and scoring on it measures the label noise);
 *    `train` keeps it whole in train, never in val or test.
 * 3. Per class (in natural order), the units are shuffled with the seeded PRNG, then placed largest
 *    first (stable, so ties keep the shuffled order) into the part furthest below its target
 *    (`round(val · n)`, `round(test · n)`, the rest train, which keeps at least one image; n = images
 *    of the class). Ties go to test, then val, then train.
 *
 * @example
 *   planSplit([{ id: 'a', label: 'benign' }, { id: 'b', label: 'benign', group: 'x' }, { id: 'c', label: 'benign', group: 'x' }], { val: 0.34, seed: 1 });
 *   // a → val, b and c → train (or the other way round, depending on the seed), never b and c apart
 */
export function planSplit(items: readonly SplitItem[], options: SplitPlanOptions): PlannedItem[] {
  const val = options.val;
  const test = options.test ?? 0;
  if (!(typeof val === 'number' && val >= 0 && val < 1)) throw invalidParameterError('val', 'a fraction from 0 to below 1', val);
  if (!(typeof test === 'number' && test >= 0 && test < 1)) throw invalidParameterError('test', 'a fraction from 0 to below 1', test);
  if (val + test >= 1) throw new BusToolsError('INVALID_PARAMETER', `Expected val + test below 1 so train keeps images but received ${val} + ${test}`);
  if (!Number.isInteger(options.seed)) throw invalidParameterError('seed', 'an integer', options.seed);
  const conflicts = options.conflicts ?? 'exclude';
  const ids = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw new BusToolsError('INVALID_PARAMETER', `Expected unique item ids but "${it.id}" appears twice`);
    ids.add(it.id);
  }

  const sorted = naturalSortBy([...items], (i) => i.id);
  const units: Array<{ name: string; items: SplitItem[] }> = [];
  const byGroup = new Map<string, { name: string; items: SplitItem[] }>();
  for (const it of sorted) {
    const existing = it.group !== undefined ? byGroup.get(it.group) : undefined;
    if (existing) {
      existing.items.push(it);
      continue;
    }
    const unit = { name: `g${units.length + 1}`, items: [it] };
    units.push(unit);
    if (it.group !== undefined) byGroup.set(it.group, unit);
  }

  const partOf = new Map<string, SplitPart | 'excluded'>();
  const byClass = new Map<string, Array<{ name: string; items: SplitItem[] }>>();
  for (const u of units) {
    const labels = new Set(u.items.map((i) => i.label));
    if (labels.size > 1) {
      partOf.set(u.name, conflicts === 'train' ? 'train' : 'excluded');
      continue;
    }
    const label = u.items[0].label;
    const list = byClass.get(label);
    if (list) list.push(u);
    else byClass.set(label, [u]);
  }
  const rand = mulberry32(options.seed);
  for (const label of [...byClass.keys()].sort(naturalCompare)) {
    const list = byClass.get(label) as Array<{ name: string; items: SplitItem[] }>;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    const n = list.reduce((s, u) => s + u.items.length, 0);
    const target: Record<SplitPart, number> = { test: Math.round(test * n), val: Math.round(val * n), train: 0 };
    // a tiny class keeps at least one image in train
    while (n > 0 && target.test + target.val >= n) {
      if (target.val >= target.test) target.val--;
      else target.test--;
    }
    target.train = n - target.test - target.val;
    const count: Record<SplitPart, number> = { train: 0, val: 0, test: 0 };
    const order = list.map((u, k) => ({ u, k })).sort((a, b) => b.u.items.length - a.u.items.length || a.k - b.k);
    for (const { u } of order) {
      let best: SplitPart = 'train';
      let bestDeficit = -Infinity;
      for (const p of ['test', 'val', 'train'] as const) {
        if (target[p] === 0) continue;
        const deficit = target[p] - count[p];
        if (deficit > bestDeficit) {
          bestDeficit = deficit;
          best = p;
        }
      }
      count[best] += u.items.length;
      partOf.set(u.name, best);
    }
  }
  const out: PlannedItem[] = [];
  for (const u of units) for (const it of u.items) out.push({ ...it, part: partOf.get(u.name) as SplitPart | 'excluded', unit: u.name });
  return out;
}
