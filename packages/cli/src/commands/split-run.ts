import { SPLIT_PARTS, splitDataset, type SplitSummary } from '@bus-tools/core';
import { resolve } from 'node:path';
import { ExitCode, plural, progress, type Io } from '../io.js';
import { countErrors, reportProblems } from './extract-run.js';
import type { SplitArgs } from './split.js';

const COLUMNS = [...SPLIT_PARTS, 'excluded'] as const;

/** Counts per class and part, with each class's share per part, as a text table. */
export function formatSplitTable(s: SplitSummary): string {
  const classes = Object.keys(s.counts);
  const all = Object.fromEntries(COLUMNS.map((p) => [p, classes.reduce((n, c) => n + s.counts[c][p], 0)])) as Record<(typeof COLUMNS)[number], number>;
  const width = Math.max(5, ...classes.map((c) => c.length));
  const row = (name: string, counts: Record<(typeof COLUMNS)[number], number>) => {
    const n = COLUMNS.reduce((k, p) => k + counts[p], 0);
    const cells = COLUMNS.map((p) => `${String(counts[p]).padStart(5)} ${n ? `(${((100 * counts[p]) / n).toFixed(1).padStart(4)}%)` : '        '}`);
    return `${name.padEnd(width)}  ${cells.join('  ')}  ${String(n).padStart(5)}`;
  };
  const lines = [`${''.padEnd(width)}  ${COLUMNS.map((p) => p.padStart(13)).join('  ')}  total`];
  for (const c of classes) lines.push(row(c, s.counts[c]));
  lines.push(row('all', all));
  return `${lines.join('\n')}\n`;
}

export async function run(args: SplitArgs, io: Io): Promise<void> {
  let bar: ReturnType<typeof progress> | undefined;
  let phase = '';
  const summary = await splitDataset(args.dataset, args.output, {
    val: args.val,
    test: args.test,
    seed: args.seed,
    conflicts: args.conflicts,
    format: args.format,
    link: args.link,
    force: args.force,
    boxes: args.boxes,
    minArea: args['min-area'],
    classes: args.classes,
    includeNormal: args['include-normal'],
    onProgress: (p, done, total) => {
      if (p !== phase) {
        bar?.done();
        phase = p;
        bar = progress(io, p, total);
      }
      bar?.tick();
    },
  });
  bar?.done();
  reportProblems(summary.problems, io, args.json);
  const skipped = countErrors(summary.problems);
  const n = (p: (typeof COLUMNS)[number]) => Object.values(summary.counts).reduce((k, c) => k + c[p], 0);
  if (args.json) {
    io.stdout(
      `${JSON.stringify(
        {
          command: 'split',
          dataset: resolve(args.dataset),
          output: resolve(args.output),
          format: args.format,
          seed: args.seed,
          val: args.val,
          test: args.test,
          conflicts: args.conflicts,
          counts: summary.counts,
          duplicateGroups: summary.groups,
          conflictGroups: summary.conflictGroups,
          skippedFiles: skipped,
          problems: summary.problems,
        },
        null,
        2,
      )}\n`,
    );
  } else io.stdout(formatSplitTable(summary));
  const images = COLUMNS.reduce((k, p) => k + n(p), 0);
  io.stderr(
    `split: ${plural(images, 'image')} → train ${n('train')} · val ${n('val')} · test ${n('test')}` +
      `${n('excluded') ? ` (${n('excluded')} excluded: label conflicts)` : ''}; ${plural(summary.groups, 'duplicate group')} kept whole (${summary.conflictGroups} across classes); ` +
      `seed ${args.seed}; manifest.csv and an upload folder per part (${args.format}) in ${args.output}` +
      `${skipped ? `; ${skipped} file(s) skipped` : ''}\n`,
  );
  io.exitCode = skipped ? ExitCode.partial : ExitCode.ok;
}
