/**
 * The checks of one image and its masks (lint's per-image phase): the image decodes, its masks are
 * PNGs of its size, with lesion values, without specks or colour overlays; and its fingerprint for
 * the duplicate search. `lintDataset` runs it on every image; `finishLint` does the checks across images.
 */
import { unionXyxy, type Xyxy } from '../box.js';
import { describeError, errorCodeOf } from '../errors.js';
import { relativePath, type DatasetImage } from '../dataset/discover.js';
import { components, runsPixelCount, type MaskRuns } from '../mask/runs.js';
import { checkImage } from '../image.js';
import { extensionMismatch } from '../image-check.js';
import { readMaskFile } from '../png/mask.js';
import { LINT_CODES, type LintFinding, type LintSeverity } from './codes.js';
import { fingerprintImage, type ImageFingerprint } from './duplicates.js';
import { maskValueStats } from './mask-values.js';

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

export function finding(code: string, files: string[], message: string, numbers?: Record<string, number>, severity?: LintSeverity): LintFinding {
  const f: LintFinding = { severity: severity ?? LINT_CODES[code]?.severity ?? 'error', code, files, message };
  if (numbers) f.numbers = numbers;
  return f;
}

export interface ImageReport {
  findings: LintFinding[];
  fingerprint?: ImageFingerprint;
  masks: number;
}

export const round3 = (v: number) => Math.round(v * 1000) / 1000;

export async function lintImage(img: DatasetImage, root: string, minArea: number, minColourPixels: number, maxPixels: number, minChroma?: number): Promise<ImageReport> {
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
