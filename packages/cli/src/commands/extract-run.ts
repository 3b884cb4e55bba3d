/** The part of masks2csv and export that reads the dataset: discovery, extraction, problem report. */
import { scanDataset, extractBoxes, type ExtractOptions, type ExtractResult, type Problem } from '@bus-tools/core/dataset';
import { problemLine, progress, type Io } from '../io.js';
import type { DatasetArgs } from './dataset-options.js';

/** `extra`: the shard to read and, to stream, where each image goes (see `extractBoxes`). */
export async function readDatasetBoxes(args: DatasetArgs, io: Io, verb: string, extra: Pick<ExtractOptions, 'shard' | 'onImage'> = {}): Promise<ExtractResult> {
  const dataset = await scanDataset(args.dataset); // images handed over one at a time: memory stays flat
  let bar: ReturnType<typeof progress> | undefined;
  const result = await extractBoxes(dataset, {
    boxes: args.boxes,
    minArea: args['min-area'],
    classes: args.classes,
    includeNormal: args['include-normal'],
    onProgress: (_done, total) => (bar ??= progress(io, verb, total)).tick(),
    ...extra,
  });
  bar?.done();
  return result;
}

/** Prints each problem on stderr (not with --json, where they are part of the JSON). */
export function reportProblems(problems: readonly Problem[], io: Io, json: boolean): void {
  if (json) return;
  for (const p of problems) io.stderr(problemLine(p));
}

export function countErrors(problems: readonly Problem[]): number {
  return problems.filter((p) => p.severity === 'error').length;
}
