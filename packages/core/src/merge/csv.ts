/**
 * Merging Datature CSVs written by `masks2csv --shard` (or the annotations.csv of export shards).
 * A row names its image only by file name, so the order of one run (natural order of the images'
 * paths in the dataset) comes from listing the dataset again (`discoverDataset`: names only, no
 * decoding). Rows of one image stay together and in their order.
 */
import { readFileSync } from 'node:fs';
import { discoverDataset } from '../dataset/discover.js';
import { BusToolsError, describeError } from '../errors.js';
import { lazy } from '../lazy.js';

export interface CsvPart {
  header: string;
  /** Rows of one image, in file order: the image's file name and its raw lines (each with `\n`). */
  blocks: Array<{ fileName: string; text: string }>;
}

/** Splits a CSV written by bus-tools into its header and its images' rows. */
export function readCsvPart(file: string): CsvPart {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${file}: cannot be read (${describeError(cause)})`, { file, cause });
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let rows: string[][];
  try {
    rows = lazy.csvParse().parse(text, { relax_column_count: true });
  } catch (cause) {
    throw new BusToolsError('BAD_CSV', `${file}: not valid CSV (${describeError(cause)})`, { file, cause });
  }
  if (rows.length === 0 || rows.length !== lines.length) {
    throw new BusToolsError('BAD_CSV', `${file}: expected a header and one line per box, as masks2csv writes`, { file });
  }
  const blocks: CsvPart['blocks'] = [];
  for (let i = 1; i < rows.length; i++) {
    const last = blocks.at(-1);
    if (last && last.fileName === rows[i][0]) last.text += `${lines[i]}\n`;
    else blocks.push({ fileName: rows[i][0], text: `${lines[i]}\n` });
  }
  return { header: `${lines[0]}\n`, blocks };
}

/**
 * Merges CSV parts of one dataset into the CSV one run writes: the header, then each image's rows in
 * dataset order. Images are matched by file name; two images of one name (which export refuses)
 * keep the order of the parts.
 * @throws BusToolsError `BAD_CSV` when the headers differ or a row names an image not in the dataset.
 */
export async function mergeCsvParts(files: readonly string[], datasetRoot: string): Promise<string> {
  const dataset = await discoverDataset(datasetRoot);
  const position = new Map<string, number>();
  dataset.images.forEach((img, i) => position.has(img.fileName) || position.set(img.fileName, i));
  const parts = files.map(readCsvPart);
  const header = parts[0]?.header ?? '';
  const blocks: Array<{ at: number; text: string }> = [];
  parts.forEach((part, k) => {
    if (part.header !== header) throw new BusToolsError('BAD_CSV', `${files[k]}: header ${JSON.stringify(part.header.trim())} differs from ${files[0]}'s; merge parts of one run only`, { file: files[k] });
    for (const b of part.blocks) {
      const at = position.get(b.fileName);
      if (at === undefined) throw new BusToolsError('BAD_CSV', `${files[k]}: "${b.fileName}" is not an image of ${datasetRoot}; give the dataset the parts were made from (--dataset)`, { file: files[k] });
      blocks.push({ at, text: b.text });
    }
  });
  blocks.sort((a, b) => a.at - b.at);
  return header + blocks.map((b) => b.text).join('');
}
