/**
 * The `bus-tools` command line: a yargs factory with one module per command. Handlers load their
 * implementation lazily, so `bus-tools --help` starts instantly.
 */
import { createRequire } from 'node:module';
import type { Argv, CommandModule } from 'yargs';
import { processIo, ExitCode, type Io } from './io.js';
import { describeFailure, exitCodeFor } from './exit.js';
import { BusToolsError } from '@bus-tools/core/errors';
import { commands } from './commands/index.js';

const EPILOG = 'Exit codes: 0 ok · 1 failed (lint: findings at or above --fail-on) · 2 bad usage · 3 done, some inputs skipped (each named).\nGuides for each task are in docs/.';

// yargs' CommonJS build loads in a third of the time of its ESM build, and `yargs/yargs` (the bare
// factory) skips the singleton that `yargs` builds from process.argv on import (≈ 5 ms): start-up
// time is a feature.
const require = createRequire(import.meta.url);
const yargs = require('yargs/yargs') as typeof import('yargs/yargs');
const { version } = require('../package.json') as { version: string };

/** Thrown from `.fail()` so a usage error stops parsing before any handler runs. */
class UsageError extends Error {}

/**
 * yargs says "Not enough non-option arguments: got 0, need at least 1" when a command's required
 * positional is missing; name it instead, with the command's usage (`argv` is what is being parsed).
 */
function explainUsageError(msg: string, argv: readonly string[]): string {
  const names = commands.map((c) => (Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0]);
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !names.includes(first)) {
    // yargs says "Unknown argument: foo" (or only "Did you mean …?") for a command that does not exist.
    const guess = /^Did you mean (\S+)\?/.exec(msg)?.[1];
    return `Unknown command "${first}"${guess ? `; did you mean ${guess}?` : '.'} The commands are: ${names.join(', ')}.`;
  }
  const noValue = /^Not enough arguments following: (\S+)$/.exec(msg);
  if (noValue) return `--${noValue[1]} needs a value`;
  if (!/^Not enough non-option arguments/.test(msg)) return msg;
  const usage = commands.map((c) => (Array.isArray(c.command) ? c.command[0] : c.command)).find((u) => u.split(' ')[0] === argv[0]);
  const missing = usage?.match(/<[^>]+>/g);
  return usage && missing ? `${argv[0]} needs ${missing.join(' ')}: bus-tools ${usage} [options]` : msg;
}

/** Builds the CLI for `io`; tests call this with argument arrays (`argv`: the ones to be parsed, for messages). */
export function createCli(io: Io = processIo(), argv: readonly string[] = []): Argv {
  let cli = yargs()
    .scriptName('bus-tools')
    .usage('$0 <command> [options]\n\nBreast-ultrasound lesion data: BUSI masks → boxes → Datature upload folders,\nlint and split, ONNX prediction, COCO evaluation and a local web page (serve).')
    .strict()
    .demandCommand(1, 'Choose a command; `bus-tools --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilog(EPILOG)
    .help()
    .alias('h', 'help')
    .version(version)
    .exitProcess(false)
    .fail((msg, err) => {
      // Only parsing and validation failures arrive here (a bad option value from `coerce`, a missing
      // argument, a failed `.check`); errors thrown by handlers reject parseAsync.
      const usage = err instanceof BusToolsError ? err : new BusToolsError('INVALID_PARAMETER', explainUsageError(msg ?? err?.message ?? 'usage error', argv));
      io.stderr(describeFailure(usage));
      io.exitCode = ExitCode.usage;
      throw new UsageError(msg ?? err?.message ?? 'usage error');
    });
  for (const c of commands) {
    // `--version` belongs to bus-tools itself; in a command's --help it would be listed first, above
    // the command's own options.
    const mod: CommandModule = { command: c.command, describe: c.describe, builder: (y: Argv) => c.builder(y.version(false)), handler: (argv) => c.handler(argv, io) };
    cli = cli.command(mod);
  }
  return cli;
}

/** Runs the CLI on `argv` (without `node` and the script) and resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const cli = createCli(io, argv);
  try {
    await cli.parseAsync(argv, {}, (_err, _argv, output) => {
      if (output) io.stdout(output.endsWith('\n') ? output : `${output}\n`); // --help
    });
  } catch (err) {
    if (err instanceof UsageError) return io.exitCode;
    io.stderr(describeFailure(err));
    io.exitCode = exitCodeFor(err);
  }
  return io.exitCode;
}
