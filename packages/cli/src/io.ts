/**
 * Where a command's output goes. Tests pass their own `Io` to capture it; the real CLI uses the
 * process streams. Progress is shown only on a terminal, so pipes and CI logs stay clean.
 */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  isTTY: boolean;
  /** Set by commands; `main` returns it. */
  exitCode: number;
}

/**
 * Exit codes, the same for every command:
 * 0 everything done; 1 failed, nothing written; 2 bad usage; 3 done, but some inputs were skipped
 * (each one was reported by name).
 */
export const ExitCode = { ok: 0, failed: 1, usage: 2, partial: 3 } as const;

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    exitCode: 0,
  };
}

/** A one-line progress indicator on a terminal; silent elsewhere. */
export function progress(io: Io, label: string, total: number): { tick: (n?: number) => void; done: () => void } {
  if (!io.isTTY || total <= 1) return { tick: () => {}, done: () => {} };
  let count = 0;
  let last = 0;
  const draw = () => {
    const width = 28;
    const filled = Math.round((count / total) * width);
    io.stderr(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}`);
  };
  return {
    tick: (n = 1) => {
      count += n;
      const now = Date.now();
      if (now - last > 80 || count === total) {
        last = now;
        draw();
      }
    },
    done: () => io.stderr('\r\x1b[2K'),
  };
}

/**
 * One line for a per-file problem, the same in every command: `error: <message> [CODE]` (`error`: the
 * file was skipped; `warning`: it was used, look at it).
 */
export function problemLine(p: { severity: string; code: string; message: string }): string {
  return `${p.severity}: ${p.message} [${p.code}]\n`;
}

/** Formats "3 masks" / "1 mask". */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}
