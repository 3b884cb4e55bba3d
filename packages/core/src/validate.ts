/**
 * Checks at the boundary of the library: what a caller passes to an exported function, tested before
 * any work, with messages that say what was expected and what came instead.
 */
import { BusToolsError, invalidParameterError } from './errors.js';

/**
 * A value in words, for messages: `the string "x.onnx"`, `the number 3`, `an array`, `null`,
 * `undefined`, `a function`, `an object`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `the ${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    default:
      return 'an object';
  }
}

/** An object of named options or fields: not null, not an array, not a string or number. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A non-empty string, as a path must be. */
export const isPath = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** An array of paths. */
export const isPathList = (value: unknown): value is string[] => Array.isArray(value) && value.every(isPath);

/** A test for an object whose fields `keys` are arrays, e.g. a dataset's `images`. */
export const isRecordWithArrays =
  (...keys: string[]) =>
  (value: unknown): boolean =>
    isRecord(value) && keys.every((k) => Array.isArray(value[k]));

/** A test for an object whose field `key` can be iterated (an array, or a dataset scan's `images`). */
export const isRecordWithIterable =
  (key: string) =>
  (value: unknown): boolean =>
    isRecord(value) && typeof (value[key] as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator] === 'function' && typeof value[key] !== 'string';

/**
 * Throws `INVALID_PARAMETER` unless `test(value)`: `<fn> expects <expected> but received <value>`.
 * Public functions call it on their first lines, so a wrong call (say, from JavaScript) fails with
 * what was expected instead of a TypeError from deep inside.
 *
 * @example
 *   checkArgument('openDetector', 'x.onnx', isRecord, 'an options object such as { model: "model.onnx" }');
 *   // BusToolsError INVALID_PARAMETER: openDetector expects an options object such as
 *   // { model: "model.onnx" } but received the string "x.onnx"
 */
export function checkArgument(fn: string, value: unknown, test: (v: unknown) => boolean, expected: string): void {
  if (!test(value)) throw new BusToolsError('INVALID_PARAMETER', `${fn} expects ${expected} but received ${describeValue(value)}`);
}

/**
 * A score or IoU threshold: a number from 0 to 1.
 * @example checkThreshold('--threshold', 2) // throws "Expected number between 0 and 1 for --threshold but received 2"
 */
export function checkThreshold(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) throw invalidParameterError(name, 'number between 0 and 1', value);
  return value;
}
