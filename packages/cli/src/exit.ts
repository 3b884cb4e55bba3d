/**
 * The one place that turns an error into an exit code and a message. Every command goes through it
 * (via `main`), so the same mistake gets the same answer everywhere:
 * a `BusToolsError` whose code is a `usage` code (docs/reliability.md) exits 2, any other exits 1,
 * and anything else thrown is a bug in bus-tools: exit 1 with a line asking for a report.
 */
import { BusToolsError } from '@bus-tools/core/errors';
import { ExitCode } from './io.js';

export function exitCodeFor(err: unknown): number {
  if (err instanceof BusToolsError) return err.outcome === 'usage' ? ExitCode.usage : ExitCode.failed;
  return ExitCode.failed;
}

/** The stderr text for `err`: the message, plus the code for scripts, or a bug report request. */
export function describeFailure(err: unknown): string {
  if (err instanceof BusToolsError) {
    const hint = err.outcome === 'usage' ? '\nRun with --help to see the options.' : '';
    return `bus-tools: ${err.message} [${err.code}]${hint}\n`;
  }
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return `bus-tools: internal error (a bug in bus-tools; please report it with the command you ran):\n${text}\n`;
}
