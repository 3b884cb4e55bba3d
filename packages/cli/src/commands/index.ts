import type { Argv } from 'yargs';
import type { Io } from '../io.js';
import { masks2csv } from './masks2csv.js';
import { exportCommand } from './export.js';
import { predict } from './predict.js';
import { evalCommand } from './eval.js';
import { lintCommand } from './lint.js';
import { splitCommand } from './split.js';
import { serveCommand } from './serve.js';
import { mergeCommand } from './merge.js';

/**
 * A command module: `command`, `describe` and `builder` as yargs expects, and a `handler` that also
 * receives the `Io` (so tests capture output). The handler should `await import()` its heavy
 * implementation so `bus-tools --help` stays instant.
 *
 * `handler` is declared as a method so that a `BusCommand<Masks2csvArgs>` is also a `BusCommand`
 * (method parameters are compared bivariantly), which lets `commands` hold every command.
 */
export interface BusCommand<A = unknown> {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv<A>;
  handler(argv: A, io: Io): Promise<void>;
}

/** Register new commands here, in the order `--help` should list them. */
export const commands: BusCommand[] = [masks2csv, exportCommand, lintCommand, splitCommand, predict, mergeCommand, evalCommand, serveCommand];
