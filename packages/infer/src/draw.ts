/**
 * Detections → SVG overlays (pure; image.ts composites them with sharp). Each box is drawn twice, a
 * dark outline under a bright class colour, and carries a "label score" tag, so it stays readable on
 * grayscale ultrasound whether the tissue under it is dark or bright.
 */
import type { Detection } from '@bus-tools/core';

/** Bright, mutually distinct colours that stand out on gray: cyan, magenta, yellow, green, orange, … */
export const CLASS_COLOURS = ['#00e5ff', '#ff3df2', '#ffd400', '#4cff4c', '#ff8c1a', '#8c9eff', '#ff5252', '#b2ff59'] as const;

/** The colour of class `classId` (1-based; cycles after 8). */
export function classColour(classId: number | undefined): string {
  const i = Math.max(0, (classId ?? 1) - 1) % CLASS_COLOURS.length;
  return CLASS_COLOURS[i];
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** "benign 0.93": the tag text of a detection. */
export function tagText(d: Detection): string {
  const name = d.label ?? (d.classId !== undefined ? `class ${d.classId}` : 'object');
  return d.score === undefined ? name : `${name} ${d.score.toFixed(2)}`;
}

/** One piece of the overlay: an SVG covering a detection's box and tag, placed at `left, top`. */
export interface Overlay {
  svg: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * One SVG overlay per detection (boxes in pixel-edge `xyxy`), each only as large as its box and tag,
 * so compositing costs in proportion to what is drawn, not to the image. Line width and font size
 * scale with the image: about 1/200 and 1/28 of its shorter side.
 * @example detectionOverlays([{ xyxy: [10, 20, 60, 50], score: 0.93, classId: 1, label: 'benign' }], 300, 200)
 *   // → [{ left: 10, top: 9, width: 104, height: 41, svg: '<svg …>…benign 0.93…</svg>' }]
 */
export function detectionOverlays(detections: readonly Detection[], width: number, height: number): Overlay[] {
  const side = Math.min(width, height);
  const line = Math.max(2, Math.round(side / 200));
  const font = Math.max(11, Math.round(side / 28));
  const charW = font * 0.6; // DejaVu Sans Mono's advance is 0.6 em
  const out: Overlay[] = [];
  for (const d of detections) {
    const [x1, y1, x2, y2] = d.xyxy;
    const colour = classColour(d.classId);
    const text = tagText(d);
    const tagW = Math.min(width, Math.ceil(text.length * charW + font * 0.6));
    const tagH = Math.min(height, Math.ceil(font * 1.35));
    // The tag sits above the box when there is room, else just inside its top edge; never off the image.
    const ty = y1 - tagH >= 0 ? y1 - tagH : Math.max(0, Math.min(y1, height - tagH));
    const tx = Math.max(0, Math.min(x1, width - tagW));
    // The piece covers box and tag, in whole pixels, inside the image.
    const left = Math.max(0, Math.floor(Math.min(x1, tx) - 1));
    const top = Math.max(0, Math.floor(Math.min(y1, ty) - 1));
    const right = Math.min(width, Math.ceil(Math.max(x2, tx + tagW) + 1));
    const bottom = Math.min(height, Math.ceil(Math.max(y2, ty + tagH) + 1));
    const w = right - left;
    const h = bottom - top;
    if (w <= 0 || h <= 0) continue;
    const half = line / 2;
    const rect = `x="${x1 + half - left}" y="${y1 + half - top}" width="${Math.max(0, x2 - x1 - line)}" height="${Math.max(0, y2 - y1 - line)}" fill="none"`;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
      `<rect ${rect} stroke="#000" stroke-opacity="0.7" stroke-width="${line + 2}"/>` +
      `<rect ${rect} stroke="${colour}" stroke-width="${line}"/>` +
      `<rect x="${tx - left}" y="${ty - top}" width="${tagW}" height="${tagH}" fill="${colour}"/>` +
      `<text x="${tx - left + font * 0.3}" y="${ty - top + font * 1.02}" font-family="DejaVu Sans Mono, monospace" font-size="${font}" fill="#000">${escapeXml(text)}</text>` +
      `</svg>`;
    out.push({ svg, left, top, width: w, height: h });
  }
  return out;
}
