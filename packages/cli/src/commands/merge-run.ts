import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import {
  BusToolsError,
  checkOutputPath,
  mergeCsvParts,
  mergeDetections,
  mergeLintFingerprints,
  mergeUploadFolders,
  writeFileAtomic,
  PREDICTIONS_CSV_HEADER,
  writeMergedDetections,
} from '@bus-tools/core';
import { ExitCode, plural, type Io } from '../io.js';
import { printLintResult } from './lint-run.js';
import type { MergeArgs } from './merge.js';

type Kind = 'detections' | 'csv' | 'upload' | 'lint';

function kindOf(part: string): Kind {
  if (!existsSync(part)) throw new BusToolsError('INPUT_NOT_FOUND', `${part}: no such file or folder`, { file: part });
  if (statSync(part).isDirectory()) return 'upload';
  const ext = extname(part).toLowerCase();
  if (ext === '.jsonl') return 'lint';
  if (ext === '.json') return 'detections';
  if (ext === '.csv') return 'csv';
  throw new BusToolsError('INVALID_PARAMETER', `Expected detections .json, a .csv, an upload folder or a lint .jsonl for merge but received ${JSON.stringify(part)}`, { file: part });
}

export async function run(args: MergeArgs, io: Io): Promise<void> {
  const parts = args.parts.map((p) => resolve(p));
  const kind = kindOf(parts[0]);
  for (const p of parts) {
    if (kindOf(p) !== kind) throw new BusToolsError('INVALID_PARAMETER', `${p}: not a ${kind} part like ${parts[0]}; merge parts of one kind of run`, { file: p });
  }
  if (kind === 'lint') {
    if (args.output) throw new BusToolsError('INVALID_PARAMETER', 'Expected no -o for merging lint fingerprints but received one: the report goes to stdout, as lint prints it (add --json for JSON)');
    const result = mergeLintFingerprints(parts);
    printLintResult(result, { dataset: result.root, json: args.json, 'fail-on': args['fail-on'] }, io);
    return;
  }
  if (!args.output) throw new BusToolsError('INVALID_PARAMETER', `Expected -o (the merged ${kind === 'upload' ? 'folder' : 'file'}) but received none`);
  const output = resolve(args.output);
  const csv = kind === 'detections' ? resolve(args.csv ?? output.replace(/\.json$/i, '') + '.csv') : undefined;
  for (const p of parts) {
    checkOutputPath(output, p, kind === 'upload' ? 'folder' : 'file', args.force);
    if (csv) checkOutputPath(csv, p, 'file', args.force, '--csv');
  }
  let summary: Record<string, unknown>;
  if (kind === 'detections') {
    const results = mergeDetections(parts);
    writeMergedDetections(results, output, csv);
    summary = { detections: results.length, images: new Set(results.map((r) => r.image_id)).size, csv };
  } else if (kind === 'csv') {
    if (readFileSync(parts[0], 'utf8').startsWith(`${PREDICTIONS_CSV_HEADER.join(',')}\n`)) {
      throw new BusToolsError('INVALID_PARAMETER', `${parts[0]}: a predictions CSV. Merge predict's detections-I-of-N.json files instead; the merged CSV is written from them (-o detections.json, --csv)`, { file: parts[0] });
    }
    if (!args.dataset) throw new BusToolsError('INVALID_PARAMETER', 'Expected --dataset (the dataset the CSVs were made from) for merging CSVs but received none: its listing gives the order of the rows');
    const text = await mergeCsvParts(parts, args.dataset);
    writeFileAtomic(output, text);
    summary = { rows: text.split('\n').length - 2 };
  } else {
    const r = await mergeUploadFolders(parts, output, { dataset: args.dataset, link: args.link });
    summary = { images: r.images, boxes: r.boxes };
  }
  if (args.json) io.stdout(`${JSON.stringify({ command: 'merge', kind, parts, output, ...summary }, null, 2)}\n`);
  else io.stderr(`merge: ${plural(parts.length, 'part')} (${kind}) → ${args.output}${Object.entries(summary).filter(([, v]) => typeof v === 'number').map(([k, v]) => `; ${v} ${k}`).join('')}\n`);
  io.exitCode = ExitCode.ok;
}
