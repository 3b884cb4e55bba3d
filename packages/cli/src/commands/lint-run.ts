import { atLeast, checkOutputPath, LINT_CODES, lintDataset, writeLintFingerprints, type LintFinding, type LintResult } from '@bus-tools/core';
import { ExitCode, plural, progress, type Io } from '../io.js';
import type { LintArgs } from './lint.js';
import { shardArg } from './shard-run.js';

const WORST_PER_CODE = 3;
const WORST_TOTAL = 15;

/** The human report: counts per code, then the worst items (errors first, a few per code). */
export function formatLintReport(r: LintResult, dataset: string): string {
  const lines: string[] = [];
  lines.push(`${dataset}: ${plural(r.images, 'image')}, ${plural(r.masks, 'mask')}`);
  lines.push('');
  if (r.findings.length === 0) lines.push('No findings.');
  else {
    const codes = Object.keys(r.byCode);
    const order = (c: string) => r.findings.findIndex((f) => f.code === c);
    codes.sort((a, b) => order(a) - order(b));
    const width = Math.max(...codes.map((c) => c.length), 4);
    lines.push(`${'code'.padEnd(width)}  count  severity  meaning`);
    for (const c of codes) {
      const severities = [...new Set(r.findings.filter((f) => f.code === c).map((f) => f.severity))].join('/');
      lines.push(`${c.padEnd(width)}  ${String(r.byCode[c]).padStart(5)}  ${severities.padEnd(8)}  ${LINT_CODES[c]?.meaning ?? ''}`);
    }
    const worst: LintFinding[] = [];
    const shown: Record<string, number> = {};
    for (const f of r.findings) {
      if (f.severity === 'info' || worst.length >= WORST_TOTAL) continue;
      if ((shown[f.code] = (shown[f.code] ?? 0) + 1) > WORST_PER_CODE) continue;
      worst.push(f);
    }
    if (worst.length) {
      lines.push('', 'Worst items (all of them with --json):');
      for (const f of worst) lines.push(`  ${f.severity.padEnd(7)} ${f.code}: ${f.message}`);
    }
  }
  const inGroups = r.groups.reduce((n, g) => n + g.images.length, 0);
  const conflicts = r.groups.filter((g) => g.labels.length > 1).length;
  lines.push(
    '',
    `Duplicates: ${plural(r.groups.length, 'group')} holding ${plural(inGroups, 'image')}, ${conflicts} across classes. ` +
      `Decoding and hashing ${(r.timings.hashMs / 1000).toFixed(1)} s, pairing ${(r.timings.pairMs / 1000).toFixed(2)} s (${r.pairing.hashComparisons} hash comparisons, ${r.pairing.candidates} candidates checked).`,
  );
  return `${lines.join('\n')}\n`;
}

export async function run(args: LintArgs, io: Io): Promise<void> {
  const shard = shardArg(args.shard);
  if (args.fingerprints) checkOutputPath(args.fingerprints, args.dataset, 'file', true, '--fingerprints');
  let bar: ReturnType<typeof progress> | undefined;
  const result = await lintDataset(args.dataset, {
    minArea: args['min-area'],
    maxDistance: args['max-distance'],
    concurrency: args.concurrency,
    shard,
    onProgress: (done, total) => {
      bar ??= progress(io, 'linting', total);
      bar.tick();
    },
  });
  bar?.done();
  if (args.fingerprints) writeLintFingerprints(args.fingerprints, result, shard, { maxDistance: args['max-distance'] });
  printLintResult(result, args, io);
  if (shard && shard.count > 1) {
    io.stderr(
      `lint: shard ${shard.index}/${shard.count}: names, sizes and duplicates were compared within the shard only; ` +
        `${args.fingerprints ? `\`bus-tools merge\` ${args.fingerprints} with the other shards' files` : 'add --fingerprints FILE to every shard and `bus-tools merge` the files'} to compare them over the whole dataset.\n`,
    );
  }
}

/** Prints a lint result as `lint` does (report or --json, the summary line) and sets the exit code. */
export function printLintResult(result: LintResult, args: Pick<LintArgs, 'dataset' | 'json' | 'fail-on'>, io: Io): void {
  const failOn = args['fail-on'];
  const failing = failOn === 'none' ? 0 : result.findings.filter((f) => atLeast(f.severity, failOn)).length;
  if (args.json) {
    io.stdout(
      `${JSON.stringify(
        {
          command: 'lint',
          dataset: result.root,
          images: result.images,
          masks: result.masks,
          counts: result.counts,
          byCode: result.byCode,
          failOn,
          failing,
          timings: result.timings,
          pairing: result.pairing,
          findings: result.findings,
          groups: result.groups,
        },
        null,
        2,
      )}\n`,
    );
  } else io.stdout(formatLintReport(result, args.dataset));
  const { error, warning, info } = result.counts;
  io.stderr(
    `lint: ${plural(result.images, 'image')}, ${plural(result.findings.length, 'finding')} (${plural(error, 'error')}, ${plural(warning, 'warning')}, ${info} info)` +
      (failOn === 'none' ? '.\n' : `; ${failing ? `${failing} at or above --fail-on ${failOn}: exit 1` : `none at or above --fail-on ${failOn}`}.\n`),
  );
  io.exitCode = failing ? ExitCode.failed : ExitCode.ok;
}
