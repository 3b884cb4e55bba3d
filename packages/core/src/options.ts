/**
 * Numeric options, checked in one place. The CLI parses what the user typed with
 * `parseNumberOption` against `NUMBER_SPECS` (so `--width abc` is named as `"abc"`, not as NaN); the
 * library's own checks (`assertIntegerInRange`, `checkThreshold`) use the same ranges and wording, so
 * a value gets the same answer from `bus-tools` and from a library call:
 *
 *   Expected integer between 1 and 64 for --sessions but received 0
 *   Expected number between 0 and 1 for --threshold but received "high"
 *
 * Both raise `BusToolsError('INVALID_PARAMETER')`, a usage error (exit 2).
 */
import { BusToolsError } from './errors.js';

export interface NumberSpec {
  /** Whole numbers only. */
  integer?: boolean;
  min: number;
  max: number;
  /** `min` itself is not allowed: `above 0 and at most 1`. */
  minExclusive?: boolean;
  /** `max` itself is not allowed: `from 0 to below 1`. */
  maxExclusive?: boolean;
}

/** The options whose ranges more than one command or function share. */
export const NUMBER_SPECS = {
  /** A score threshold: keep detections scoring at least this. */
  scoreThreshold: { min: 0, max: 1 },
  /** An IoU or a threshold where 0 would mean "everything matches". */
  openFraction: { min: 0, max: 1, minExclusive: true },
  /** A share of a dataset (split's --val and --test). */
  splitFraction: { min: 0, max: 1, maxExclusive: true },
  minArea: { integer: true, min: 0, max: 1e9 },
  modelSide: { integer: true, min: 16, max: 8192 },
  sessions: { integer: true, min: 1, max: 64 },
  threads: { integer: true, min: 1, max: 1024 },
  concurrency: { integer: true, min: 1, max: 64 },
  /** lint's near-copy search radius: a Hamming distance between two 64-bit perceptual hashes. */
  maxHashDistance: { integer: true, min: 0, max: 32 },
  seed: { integer: true, min: -(2 ** 31), max: 2 ** 31 - 1 },
  port: { integer: true, min: 0, max: 65535 },
  /** serve: the largest upload, in MiB. */
  maxUploadMb: { min: 0.01, max: 1024 },
  /** serve: the largest image, in pixels (sharp's own ceiling is 16383 × 16383). */
  maxPixels: { integer: true, min: 1, max: 0x3fff * 0x3fff },
  /** serve: requests that may wait for the model. */
  queue: { integer: true, min: 0, max: 10000 },
} as const satisfies Record<string, NumberSpec>;

/** "integer between 1 and 64", "number above 0 and at most 1", … */
export function describeSpec(spec: NumberSpec): string {
  const kind = spec.integer ? 'integer' : 'number';
  if (spec.minExclusive && spec.maxExclusive) return `${kind} above ${spec.min} and below ${spec.max}`;
  if (spec.minExclusive) return `${kind} above ${spec.min} and at most ${spec.max}`;
  if (spec.maxExclusive) return `${kind} from ${spec.min} to below ${spec.max}`;
  return `${kind} between ${spec.min} and ${spec.max}`;
}

/** How a received value is shown: numbers as typed, anything else quoted. */
function shown(raw: unknown): string {
  if (typeof raw === 'number') return String(raw);
  if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return raw;
  if (raw === undefined) return 'nothing';
  return JSON.stringify(raw) ?? String(raw);
}

function invalid(name: string, spec: NumberSpec, raw: unknown): BusToolsError {
  return new BusToolsError('INVALID_PARAMETER', `Expected ${describeSpec(spec)} for ${name} but received ${shown(raw)}`);
}

function inRange(v: number, spec: NumberSpec): boolean {
  if (!Number.isFinite(v)) return false;
  if (spec.integer && !Number.isInteger(v)) return false;
  if (spec.minExclusive ? v <= spec.min : v < spec.min) return false;
  if (spec.maxExclusive ? v >= spec.max : v > spec.max) return false;
  return true;
}

/**
 * Parses what was typed for a numeric option (a string, or a number a parser already converted).
 * @example parseNumberOption('--sessions', '4', NUMBER_SPECS.sessions) // → 4
 * @throws BusToolsError `INVALID_PARAMETER` naming `name` and the value as typed.
 */
export function parseNumberOption(name: string, raw: unknown, spec: NumberSpec): number {
  let v: number;
  if (typeof raw === 'number') v = raw;
  else if (typeof raw === 'string' && raw.trim() !== '') v = Number(raw.trim());
  else throw invalid(name, spec, raw);
  if (!inRange(v, spec)) throw invalid(name, spec, raw);
  return v;
}
