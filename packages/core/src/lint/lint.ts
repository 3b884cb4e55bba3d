/**
 * `lintDataset`: everything bus-tools can tell about a BUSI-style dataset before it is uploaded or
 * split — structure, masks, images and duplicates — as typed findings. Inputs are only read.
 */
import { unionXyxy, type Xyxy } from '../box.js';
import { assertIntegerInRange, describeError, errorCodeOf } from '../errors.js';
import { discoverDataset, relativePath, type DatasetImage } from '../dataset/discover.js';
import { DEFAULT_MIN_AREA } from '../constants.js';
import { components, runsPixelCount, type MaskRuns } from '../mask/runs.js';
import { checkImage } from '../image.js';
import { extensionMismatch } from '../image-check.js';
import { maxPixelsOption } from '../image-limit.js';
import { readMaskFile } from '../png/mask.js';
import { naturalCompare } from '../natural.js';
import { compareFindings, LINT_CODES, type LintFinding, type LintSeverity } from './codes.js';
import { findDuplicates, fingerprintImage, type DuplicateOptions, type ImageFingerprint } from './duplicates.js';
import { maskValueStats } from './mask-values.js';
import { mapLimit } from '../async.js';
import { assertShard, shardDataset, type Shard } from '../shard.js';

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

/** Pixels two same-size masks share. */
export function sharedPixelCount(a: MaskRuns, b: MaskRuns): number {
  let shared = 0;
  for (let y = 0; y < a.height; y++) {
    let i = a.rowStart[y];
    let j = b.rowStart[y];
    const iEnd = a.rowStart[y + 1];
    const jEnd = b.rowStart[y + 1];
    while (i < iEnd && j < jEnd) {
      const lo = Math.max(a.starts[i], b.starts[j]);
      const hi = Math.min(a.ends[i], b.ends[j]);
      if (hi > lo) shared += hi - lo;
      if (a.ends[i] < b.ends[j]) i++;
      else j++;
    }
  }
  return shared;
}

function finding(code: string, files: string[], message: string, numbers?: Record<string, number>, severity?: LintSeverity): LintFinding {
  const f: LintFinding = { severity: severity ?? LINT_CODES[code]?.severity ?? 'error', code, files, message };
  if (numbers) f.numbers = numbers;
  return f;
}

interface ImageReport {
  findings: LintFinding[];
  fingerprint?: ImageFingerprint;
  masks: number;
}

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
  const dataset = { images: records };
  const findings: LintFinding[] = [...structure];

  // names
  const byName = new Map<string, LintImageRecord[]>();
  for (const img of dataset.images) {
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

  const reports = records;
  let masks = 0;
  for (const r of reports) {
    findings.push(...r.findings);
    masks += r.masks;
  }

  // sizes far from the usual
  const sized = dataset.images.map((img, i) => ({ img, fp: reports[i].fingerprint })).filter((x) => x.fp) as Array<{ img: LintImageRecord; fp: ImageFingerprint }>;
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
  const fps = reports.map((r) => r.fingerprint);
  const dup = findDuplicates(fps, options);
  const groups: LintDuplicateGroup[] = [];
  for (const g of dup.groups) {
    const members = g.members.map((i) => dataset.images[i]);
    const paths = members.map((m) => m.relPath);
    const labels = [...new Set(members.map((m) => m.label))].sort(naturalCompare);
    groups.push({
      images: paths,
      labels,
      exact: g.exact,
      pairs: g.pairs.map((p) => ({ a: dataset.images[p.a].relPath, b: dataset.images[p.b].relPath, distance: p.distance, similarity: round3(p.similarity), exact: p.exact })),
    });
    // exact sets inside the group
    const byExact = new Map<string, string[]>();
    for (const i of g.members) {
      const key = (fps[i] as ImageFingerprint).exact;
      const list = byExact.get(key);
      if (list) list.push(dataset.images[i].relPath);
      else byExact.set(key, [dataset.images[i].relPath]);
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
    images: dataset.images.length,
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

const round3 = (v: number) => Math.round(v * 1000) / 1000;

async function lintImage(img: DatasetImage, root: string, minArea: number, minColourPixels: number, maxPixels: number, minChroma?: number): Promise<ImageReport> {
  const out: LintFinding[] = [];
  const rel = (p: string) => relativePath(root, p);
  let fingerprint: ImageFingerprint | undefined;
  try {
    // The same check as every command first (format, size limit, structure), then the decode.
    const checked = await checkImage(img.path, { maxPixels });
    const renamed = extensionMismatch(img.relPath, checked.format);
    if (renamed) out.push(finding('EXTENSION_MISMATCH', [img.relPath], renamed));
    fingerprint = await fingerprintImage(img.path, minChroma);
  } catch (err) {
    out.push(finding(errorCodeOf(err, 'BAD_IMAGE'), [img.relPath], `${describeError(err)}. It cannot be uploaded or trained on.`));
  }
  if (fingerprint && fingerprint.colourPixels >= minColourPixels) {
    const pct = (100 * fingerprint.colourPixels) / (fingerprint.width * fingerprint.height);
    out.push(
      finding(
        'COLOUR_OVERLAY',
        [img.relPath],
        `${img.relPath}: ${fingerprint.colourPixels} coloured pixels (${pct.toFixed(2)}% of the image): a Doppler box, coloured calipers or annotations. A model can learn such marks instead of the lesion; consider removing the image or masking the overlay.`,
        { colourPixels: fingerprint.colourPixels, percent: Math.round(pct * 100) / 100 },
      ),
    );
  }

  const lesionClass = img.label !== 'normal';
  const decoded: Array<{ path: string; runs: MaskRuns; pixels: number; kept: number }> = [];
  for (const mask of img.masks) {
    const mrel = rel(mask.path);
    let buf: Buffer;
    let runs: MaskRuns;
    try {
      const read = readMaskFile(mask.path, { name: mrel, maxPixels });
      ({ bytes: buf, runs } = read);
      if (read.extensionWarning) out.push(finding('EXTENSION_MISMATCH', [mrel], read.extensionWarning));
    } catch (err) {
      out.push(finding(errorCodeOf(err, 'UNREADABLE'), [mrel], `${describeError(err)}. Image "${img.fileName}" cannot be used until the mask is fixed.`));
      continue;
    }
    if (fingerprint && (runs.width !== fingerprint.width || runs.height !== fingerprint.height)) {
      out.push(
        finding(
          'SIZE_MISMATCH',
          [mrel, img.relPath],
          `${mrel}: mask is ${runs.width}×${runs.height} but its image is ${fingerprint.width}×${fingerprint.height}; its boxes would be misplaced, so export skips the image. Re-export the mask at the image's size.`,
          { maskWidth: runs.width, maskHeight: runs.height, imageWidth: fingerprint.width, imageHeight: fingerprint.height },
        ),
      );
      continue;
    }
    const stats = maskValueStats(buf, mrel);
    const nonZero = stats.values.filter((v) => !v.zero);
    if (nonZero.length > 1) {
      const shown = nonZero.slice(0, 4).map((v) => `${v.value} (${v.pixels} px)`);
      out.push(
        finding(
          'MASK_VALUES',
          [mrel],
          `${mrel}: ${nonZero.length}${stats.truncated ? '+' : ''} different foreground values (${shown.join(', ')}${nonZero.length > 4 ? ', …' : ''}), not 0 and one value: anti-aliased or lossy-saved edges. bus-tools counts every non-zero pixel as lesion; tools that threshold at 128 or compare with 255 draw other boxes.`,
          { foregroundValues: nonZero.length },
        ),
      );
    }
    if (stats.alphaRange) {
      const [aMin, aMax] = stats.alphaRange;
      const hidden = stats.transparentNonZero ?? 0;
      out.push(
        finding(
          'MASK_ALPHA',
          [mrel],
          hidden > 0
            ? `${mrel}: RGBA mask with ${hidden} coloured but fully transparent pixels; bus-tools treats them as background. Check which is meant and save the mask as gray.`
            : `${mrel}: RGBA mask (alpha ${aMin === aMax ? `${aMin} everywhere` : `${aMin}–${aMax}`}). bus-tools ignores the alpha channel; a tool that counts it as a lesion signal turns this mask into a whole-image box. Saving it as gray avoids the trap.`,
          { alphaMin: aMin, alphaMax: aMax, transparentLesionPixels: hidden },
          hidden > 0 ? 'warning' : 'info',
        ),
      );
    }
    const comps = components(runs);
    const pixels = runsPixelCount(runs);
    if (!lesionClass) {
      if (pixels > 0) {
        out.push(
          finding(
            'NORMAL_MASK_NOT_EMPTY',
            [mrel],
            `${mrel}: a normal image's mask marks ${pixels} lesion pixels in ${comps.length} component(s). Either the image is not normal or the mask is wrong; as it stands a detector is taught both.`,
            { pixels, components: comps.length },
          ),
        );
      }
      continue;
    }
    const kept = comps.filter((c) => c.area >= minArea);
    const specks = comps.filter((c) => c.area < minArea);
    decoded.push({ path: mrel, runs, pixels, kept: kept.length });
    if (specks.length) {
      const all = unionXyxy(comps.map((c) => c.xyxy)) as Xyxy;
      const clean = unionXyxy(kept.map((c) => c.xyxy));
      const widen = clean ? [clean[0] - all[0], clean[1] - all[1], all[2] - clean[2], all[3] - clean[3]] : [0, 0, 0, 0];
      const widens = widen.some((v) => v > 0);
      const sizes = specks.map((c) => c.area).sort((a, b) => a - b);
      out.push(
        finding(
          'MASK_SPECK',
          [mrel],
          `${mrel}: ${specks.length} speck(s) of ${sizes.join(', ')} px beside the lesion (components under ${minArea} px). bus-tools drops them; ` +
            (widens
              ? `a tool that boxes every mask pixel widens the box by ${widen[0]} px left, ${widen[1]} up, ${widen[2]} right, ${widen[3]} down.`
              : 'they lie within the lesion box, so only a per-component tool would turn them into extra boxes.'),
          { specks: specks.length, speckPixels: sizes.reduce((a, b) => a + b, 0), widenLeft: widen[0], widenTop: widen[1], widenRight: widen[2], widenBottom: widen[3] },
          widens ? 'warning' : 'info',
        ),
      );
    }
  }
  if (lesionClass && decoded.length) {
    const anyLesion = decoded.some((d) => d.kept > 0);
    for (const d of decoded) {
      if (d.kept > 0) continue;
      out.push(
        finding(
          'MASK_EMPTY',
          [d.path],
          `${d.path}: class "${img.label}" but the mask holds ${d.pixels ? `only specks (${d.pixels} px)` : 'no lesion pixels'}. ${anyLesion ? 'The other masks of the image still give boxes.' : 'The image would be uploaded without a box, teaching the model that its lesion is background. Fix the mask or move the image to normal/.'}`,
          { pixels: d.pixels },
          anyLesion ? 'warning' : 'error',
        ),
      );
    }
    if (img.masks.length > 1) {
      out.push(
        finding(
          'MULTIPLE_MASKS',
          img.masks.map((m) => rel(m.path)),
          `${img.relPath}: ${img.masks.length} mask files (one lesion each). By default every lesion gets its own box; \`--boxes image\` gives one box around all of them.`,
          { masks: img.masks.length },
        ),
      );
    }
    for (let i = 0; i < decoded.length; i++) {
      for (let j = i + 1; j < decoded.length; j++) {
        const a = decoded[i];
        const b = decoded[j];
        const shared = sharedPixelCount(a.runs, b.runs);
        if (shared === 0) continue;
        const smaller = a.pixels <= b.pixels ? a : b;
        const larger = smaller === a ? b : a;
        const nested = shared === smaller.pixels;
        out.push(
          finding(
            'MASKS_OVERLAP',
            [a.path, b.path],
            nested
              ? `${smaller.path} lies inside ${larger.path} (${shared} px): probably a lesion and a part of it drawn twice. By default that gives a box inside a box; decide whether it is one lesion (\`--boxes image\`) or remove the inner mask.`
              : `${a.path} and ${b.path} share ${shared} px: overlapping lesions give overlapping boxes. Check that they are two lesions.`,
            { sharedPixels: shared, nested: nested ? 1 : 0 },
          ),
        );
      }
    }
  }
  return { findings: out, fingerprint, masks: img.masks.length };
}
