/**
 * `lintDataset`: everything bus-tools can tell about a BUSI-style dataset before it is uploaded or
 * split — structure, masks, images and duplicates — as typed findings. Inputs are only read.
 */
import { assertIntegerInRange } from '../errors.js';
import { discoverDataset, relativePath } from '../dataset/discover.js';
import { DEFAULT_MIN_AREA } from '../constants.js';
import { maxPixelsOption } from '../image-limit.js';
import { naturalCompare } from '../natural.js';
import { compareFindings, type LintFinding, type LintSeverity } from './codes.js';
import { findDuplicates, type DuplicateOptions, type ImageFingerprint } from './duplicates.js';
import { mapLimit } from '../async.js';
import { assertShard, shardDataset, type Shard } from '../shard.js';
import { finding, lintImage, round3 } from './image-checks.js';


export interface LintOptions extends DuplicateOptions {
  /** Components smaller than this many pixels are specks. Default `DEFAULT_MIN_AREA` (50). */
  minArea?: number;
  /** Colour spread max(R,G,B) − min(R,G,B) at which a pixel counts as coloured. Default 40. */
  minChroma?: number;
  /** Coloured pixels from which an image is reported as having an overlay. Default 20. */
  minColourPixels?: number;
  /**
   * Images and masks whose header declares more pixels are reported (`IMAGE_TOO_LARGE`) without being
   * decoded. Default `DEFAULT_MAX_PIXELS` (16383 × 16383).
   */
  maxPixels?: number;
  /** Images decoded at once. Default 4. */
  concurrency?: number;
  /** Called after each image with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Only the images of this shard. The checks across images (names, sizes, duplicates) then see only
   * the shard; `bus-tools merge` runs them once over every shard's `records` (see `finishLint`).
   */
  shard?: Shard;
}

/** What lint knows of one image after reading it: enough to run the checks across images again. */
export interface LintImageRecord {
  relPath: string;
  fileName: string;
  label: string;
  masks: number;
  /** Findings about the image and its masks alone. */
  findings: LintFinding[];
  /** Undefined when the image could not be decoded. */
  fingerprint?: ImageFingerprint;
}

export interface LintDuplicateGroup {
  /** Relative paths, natural order. */
  images: string[];
  /** Classes of the members, sorted; more than one = label conflict. */
  labels: string[];
  exact: boolean;
  pairs: Array<{ a: string; b: string; distance: number; similarity: number; exact: boolean }>;
}

export interface LintResult {
  /** Absolute dataset root; finding paths are relative to it. */
  root: string;
  images: number;
  masks: number;
  /** Sorted by severity, code, file. */
  findings: LintFinding[];
  counts: Record<LintSeverity, number>;
  /** Findings per code. */
  byCode: Record<string, number>;
  /** Duplicate groups (exact and near), in order of their first image. */
  groups: LintDuplicateGroup[];
  /** Candidate pairs confirmed or rejected by NCC, and hash comparisons made by the index. */
  pairing: { candidates: number; hashComparisons: number };
  /** Milliseconds: image decoding + fingerprints (`hashMs`, wall time), pairing (`pairMs`), all (`totalMs`). */
  timings: { hashMs: number; pairMs: number; totalMs: number };
  /** Findings about the dataset's structure (stray masks, images without masks), before the per-image ones. */
  structure: LintFinding[];
  /** One record per image, in dataset order (what `lint --fingerprints` writes). */
  records: LintImageRecord[];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Lints the dataset at `root`.
 *
 * @example
 *   const r = await lintDataset('Dataset_BUSI_with_GT');
 *   r.counts; // { error: 7, warning: 180, info: 40 }
 *   r.findings.find((f) => f.code === 'LABEL_CONFLICT');
 *   // { severity: 'error', code: 'LABEL_CONFLICT', files: ['benign/benign (433).png', …, 'malignant/malignant (145).png'], … }
 * @throws BusToolsError only when `root` is not a dataset at all (see `discoverDataset`); every
 *   problem with a file inside it is a finding.
 */
export async function lintDataset(root: string, options: LintOptions = {}): Promise<LintResult> {
  const t0 = performance.now();
  const minArea = assertIntegerInRange('minArea', options.minArea ?? DEFAULT_MIN_AREA, 0, 1e9);
  const minColourPixels = options.minColourPixels ?? 20;
  const maxPixels = maxPixelsOption(options.maxPixels);
  const dataset = shardDataset(await discoverDataset(root), assertShard(options.shard));
  const rel = (p: string) => relativePath(dataset.root, p);
  const structure: LintFinding[] = dataset.problems.map((p) => finding(p.code, [rel(p.file)], p.message, undefined, p.severity));

  // per image: decode, fingerprint, masks
  let done = 0;
  const tHash = performance.now();
  const reports = await mapLimit(dataset.images, options.concurrency ?? 4, async (img) => {
    const r = await lintImage(img, dataset.root, minArea, minColourPixels, maxPixels, options.minChroma);
    options.onProgress?.(++done, dataset.images.length);
    return r;
  });
  const hashMs = performance.now() - tHash;
  const records: LintImageRecord[] = dataset.images.map((img, i) => {
    const r: LintImageRecord = { relPath: img.relPath, fileName: img.fileName, label: img.label, masks: reports[i].masks, findings: reports[i].findings };
    if (reports[i].fingerprint) r.fingerprint = reports[i].fingerprint;
    return r;
  });
  const result = finishLint(dataset.root, structure, records, options);
  result.timings.hashMs = hashMs;
  result.timings.totalMs = performance.now() - t0;
  return result;
}

/**
 * The checks across images: upload names, unusual sizes against the median, exact and near
 * duplicates and label conflicts; then findings sorted and counted. `records` in dataset order
 * (natural order of `relPath`). `lintDataset` ends with it, and `bus-tools merge` runs it over the
 * records of every shard, which finds duplicates across shards.
 */
export function finishLint(root: string, structure: readonly LintFinding[], records: readonly LintImageRecord[], options: DuplicateOptions = {}): LintResult {
  const t0 = performance.now();
  const findings: LintFinding[] = [...structure];

  // names
  const byName = new Map<string, LintImageRecord[]>();
  for (const img of records) {
    const list = byName.get(img.fileName);
    if (list) list.push(img);
    else byName.set(img.fileName, [img]);
    if (FORMULA_START.test(img.fileName)) {
      findings.push(
        finding('FORMULA_FILE_NAME', [img.relPath], `${img.relPath}: the name starts with "${img.fileName[0]}", so a spreadsheet opening annotations.csv runs it as a formula (CSV injection). Rename the image and its masks.`),
      );
    }
  }
  for (const [name, list] of byName) {
    if (list.length < 2) continue;
    findings.push(
      finding(
        'UPLOAD_NAME_COLLISION',
        list.map((i) => i.relPath),
        `"${name}" is the file name of ${list.length} images (${list.map((i) => i.relPath).join(', ')}). Datature matches annotations to images by file name, so one would get the other's boxes; export refuses this. Rename all but one.`,
      ),
    );
  }

  let masks = 0;
  for (const r of records) {
    for (const f of r.findings) findings.push(f);
    masks += r.masks;
  }

  // sizes far from the usual
  const sized = records.filter((img) => img.fingerprint).map((img) => ({ img, fp: img.fingerprint! }));
  if (sized.length >= 3) {
    const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
    const mw = median(sized.map((x) => x.fp.width));
    const mh = median(sized.map((x) => x.fp.height));
    for (const { img, fp } of sized) {
      const aspect = fp.width / fp.height;
      const why: string[] = [];
      if (fp.width < mw / 2 || fp.width > mw * 2) why.push(`width ${fp.width} px vs. a median of ${mw}`);
      if (fp.height < mh / 2 || fp.height > mh * 2) why.push(`height ${fp.height} px vs. a median of ${mh}`);
      if (aspect < 0.6 || aspect > 1.8) why.push(`aspect ratio ${aspect.toFixed(2)} (width/height; most are 0.6–1.8)`);
      if (!why.length) continue;
      findings.push(
        finding(
          'UNUSUAL_SIZE',
          [img.relPath],
          `${img.relPath}: ${fp.width}×${fp.height}: ${why.join('; ')}. A detector resizes every image to one input size, so lesions here appear at another scale; check it is the same kind of scan.`,
          { width: fp.width, height: fp.height, medianWidth: mw, medianHeight: mh },
          Math.min(fp.width, fp.height) < 64 ? 'warning' : 'info',
        ),
      );
    }
  }

  // duplicates
  const fps = records.map((r) => r.fingerprint);
  const dup = findDuplicates(fps, options);
  const groups: LintDuplicateGroup[] = [];
  for (const g of dup.groups) {
    const members = g.members.map((i) => records[i]);
    const paths = members.map((m) => m.relPath);
    const labels = [...new Set(members.map((m) => m.label))].sort(naturalCompare);
    groups.push({
      images: paths,
      labels,
      exact: g.exact,
      pairs: g.pairs.map((p) => ({ a: records[p.a].relPath, b: records[p.b].relPath, distance: p.distance, similarity: round3(p.similarity), exact: p.exact })),
    });
    // exact sets inside the group
    const byExact = new Map<string, string[]>();
    for (const i of g.members) {
      const key = (fps[i] as ImageFingerprint).exact;
      const list = byExact.get(key);
      if (list) list.push(records[i].relPath);
      else byExact.set(key, [records[i].relPath]);
    }
    for (const same of byExact.values()) {
      if (same.length < 2) continue;
      findings.push(
        finding(
          'EXACT_DUPLICATE',
          same,
          `${same.join(' = ')}: identical pixels. Keep one copy; if both stay, split keeps them in one part so the copy cannot leak into validation or test.`,
          { images: same.length },
        ),
      );
    }
    if (!g.exact) {
      const maxDistance = Math.max(...g.pairs.map((p) => p.distance));
      const minSim = Math.min(...g.pairs.map((p) => p.similarity));
      findings.push(
        finding(
          'NEAR_DUPLICATE',
          paths,
          `${paths.length} near-copies of one scan (rescaled, re-cropped, annotated or a neighbouring frame): ${paths.join(', ')}. A split by file puts copies in train and test and inflates scores; \`bus-tools split\` keeps the group together.`,
          { images: paths.length, maxHashDistance: maxDistance, minSimilarity: round3(minSim) },
        ),
      );
    }
    if (labels.length > 1) {
      findings.push(
        finding(
          'LABEL_CONFLICT',
          paths,
          `one lesion filed as ${labels.join(' and ')}: ${members.map((m) => `${m.relPath} (${m.label})`).join(', ')}. At most one label is right; check the source and remove or relabel the others. Until then \`bus-tools split\` leaves the group out (see --conflicts).`,
          { images: paths.length, classes: labels.length },
        ),
      );
    }
  }

  findings.sort((a, b) => compareFindings(a, b, naturalCompare));
  const counts: Record<LintSeverity, number> = { error: 0, warning: 0, info: 0 };
  const byCode: Record<string, number> = {};
  for (const f of findings) {
    counts[f.severity]++;
    byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  }
  return {
    root,
    images: records.length,
    masks,
    findings,
    counts,
    byCode,
    groups,
    pairing: { candidates: dup.candidates, hashComparisons: dup.hashComparisons },
    timings: { hashMs: 0, pairMs: dup.pairMs, totalMs: performance.now() - t0 },
    structure: [...structure],
    records: [...records],
  };
}
