/**
 * One error shape for everything bus-tools reports about its input.
 *
 * `BusToolsError` carries a stable `code` (so scripts and tests can branch on it), the `file` it is
 * about when there is one, and a message written for the person at the terminal: what is wrong and
 * what to do about it. Library errors are wrapped with `{ cause }` so nothing is lost.
 */
export class BusToolsError extends Error {
  readonly code: string;
  readonly file?: string;

  constructor(code: string, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BusToolsError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
  }
}

/**
 * The error for a bad parameter, in sharp's wording:
 * `Expected integer between 0 and 1000000 for minArea but received -3`.
 */
export function invalidParameterError(name: string, expected: string, actual: unknown): BusToolsError {
  const shown = typeof actual === 'string' ? JSON.stringify(actual) : String(actual);
  return new BusToolsError('INVALID_PARAMETER', `Expected ${expected} for ${name} but received ${shown}`);
}

export const is = {
  defined: <T>(v: T | undefined | null): v is T => v !== undefined && v !== null,
  integer: (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v),
  inRange: (v: number, min: number, max: number): boolean => v >= min && v <= max,
  string: (v: unknown): v is string => typeof v === 'string',
  nonEmptyString: (v: unknown): v is string => typeof v === 'string' && v.length > 0,
};

/** Throws `invalidParameterError` unless `value` is an integer in [min, max]. */
export function assertIntegerInRange(name: string, value: unknown, min: number, max: number): number {
  if (!is.integer(value) || !is.inRange(value, min, max)) {
    throw invalidParameterError(name, `integer between ${min} and ${max}`, value);
  }
  return value;
}

/** Throws `invalidParameterError` unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidParameterError(name, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** A short, human description of an unknown thrown value. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
