/**
 * Merging predict's shard outputs. Each shard's detections JSON keeps the image ids of one run over
 * the whole input (an image's 1-based position in the full, naturally sorted list), so the merge is
 * a stable sort by `image_id`: every image is in one shard, and its detections keep their order.
 * The CSV is written from the merged JSON (it holds the same rounded numbers).
 */
import { readFileSync } from 'node:fs';
import { openFileAtomic } from '../atomic-stream.js';
import { BusToolsError, describeError } from '../errors.js';
import type { CocoResult } from '../eval/coco-input.js';
import { parsePredictionsJson, predictionsCsvRows, predictionsJson, PREDICTIONS_CSV_HEADER } from '../eval/predictions.js';

/** Reads and merges detections JSON files of the shards of one predict run, in the order of one run. */
export function mergeDetections(files: readonly string[]): Required<CocoResult>[] {
  const all: Required<CocoResult>[] = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
      throw new BusToolsError('BAD_PREDICTIONS', `${file}: cannot be read as JSON (${describeError(cause)}); merge takes the detections-I-of-N.json files that \`bus-tools predict --shard\` writes`, { file, cause });
    }
    const rows = parsePredictionsJson(json, file);
    rows.forEach((r, i) => {
      if (typeof r.image_id !== 'number' || typeof r.file_name !== 'string' || typeof r.label !== 'string' || typeof r.category_id !== 'number') {
        throw new BusToolsError('BAD_PREDICTIONS', `${file}: entry ${i} lacks file_name, image_id, category_id or label; merge takes the files \`bus-tools predict --shard\` writes`, { file });
      }
    });
    for (const r of rows as Required<CocoResult>[]) all.push(r); // not push(...rows): a part holds 10⁵ detections and more
  }
  // Array.prototype.sort is stable: an image's detections keep their order.
  return all.sort((a, b) => a.image_id - b.image_id);
}

/** Writes merged detections as predict would have: the JSON and, when `csv` is given, the CSV. */
export function writeMergedDetections(results: readonly Required<CocoResult>[], json: string, csv?: string): void {
  const j = openFileAtomic(json);
  try {
    j.write(predictionsJson(results));
    if (csv) {
      const c = openFileAtomic(csv);
      try {
        c.write(`${PREDICTIONS_CSV_HEADER.join(',')}\n`);
        c.write(predictionsCsvRows(results));
        c.commit();
      } finally {
        c.abort();
      }
    }
    j.commit();
  } finally {
    j.abort();
  }
}
