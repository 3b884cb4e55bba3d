/**
 * Option building blocks every command uses, so an option means one thing and is checked one way:
 *
 * - `numberOption`: a numeric option parsed by core's `parseNumberOption` from what was typed, so a
 *   bad value stops parsing before any work with `Expected integer between 1 and 64 for --sessions but
 *   received "abc"` (exit 2), never NaN or null.
 * - `withExamples`: examples printed one command per line under a `#` comment line, so each can be
 *   copied whole (yargs would wrap a two-column example mid-argument).
 */
import type { Argv } from 'yargs';
import { describeSpec, parseNumberOption, type NumberSpec } from '@bus-tools/core/options';

/** Longest example command, so it fits on an 80-column terminal after the indent. */
export const MAX_EXAMPLE_LENGTH = 76;

/** What `numberOption` returns: yargs infers the option's type from `coerce` (and `default`). */
interface NumberOptionConfig {
  describe: string;
  requiresArg: true;
  alias?: string;
  coerce: (raw: unknown) => number;
}

/**
 * A yargs option for a number in `spec`'s range. `describe` is followed by the range, e.g.
 * "minimum score [number between 0 and 1]". There is no `type: 'number'`: yargs would turn "abc"
 * into NaN before `coerce` sees what was typed.
 */
export function numberOption(flag: string, spec: NumberSpec, options: { describe: string; default: number; alias?: string }): NumberOptionConfig & { default: number };
export function numberOption(flag: string, spec: NumberSpec, options: { describe: string; alias?: string }): NumberOptionConfig;
export function numberOption(flag: string, spec: NumberSpec, options: { describe: string; default?: number; alias?: string }): NumberOptionConfig & { default?: number } {
  return {
    describe: `${options.describe} [${describeSpec(spec)}]`,
    requiresArg: true,
    ...(options.alias === undefined ? {} : { alias: options.alias }),
    ...(options.default === undefined ? {} : { default: options.default }),
    coerce: (raw: unknown) => parseNumberOption(`--${flag}`, raw, spec),
  };
}

/** Adds `[description, command]` examples, `$0` standing for `bus-tools`. */
export function withExamples<T>(y: Argv<T>, examples: ReadonlyArray<readonly [string, string]>): Argv<T> {
  for (const [description, command] of examples) {
    y = y.example(`# ${description}`, '').example(command, '');
  }
  return y;
}
