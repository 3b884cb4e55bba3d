/**
 * Detections → an SVG overlay (pure; image.ts composites it with sharp). Each box is drawn twice, a
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

/**
 * An SVG of `width x height` pixels with one box and tag per detection (boxes in pixel-edge `xyxy`).
 * Line width and font size scale with the image: about 1/200 and 1/28 of its shorter side.
 * @example detectionsSvg([{ xyxy: [10, 20, 60, 50], score: 0.93, classId: 1, label: 'benign' }], 300, 200)
 */
export function detectionsSvg(detections: readonly Detection[], width: number, height: number): string {
  const side = Math.min(width, height);
  const line = Math.max(2, Math.round(side / 200));
  const font = Math.max(11, Math.round(side / 28));
  const charW = font * 0.6; // DejaVu Sans Mono-ish advance; tags use a monospace font so this is exact enough
  const parts: string[] = [];
  for (const d of detections) {
    const [x1, y1, x2, y2] = d.xyxy;
    const colour = classColour(d.classId);
    const half = line / 2;
    const rx = x1 + half;
    const ry = y1 + half;
    const rw = Math.max(0, x2 - x1 - line);
    const rh = Math.max(0, y2 - y1 - line);
    parts.push(
      `<rect x="${rx}" y="${ry}" width="${rw}" height="${rh}" fill="none" stroke="#000" stroke-opacity="0.7" stroke-width="${line + 2}"/>`,
      `<rect x="${rx}" y="${ry}" width="${rw}" height="${rh}" fill="none" stroke="${colour}" stroke-width="${line}"/>`,
    );
    const text = tagText(d);
    const tagW = Math.ceil(text.length * charW + font * 0.6);
    const tagH = Math.ceil(font * 1.35);
    // Above the box when there is room, else just inside its top edge; never off the right edge.
    const ty = y1 - tagH >= 0 ? y1 - tagH : Math.min(y1, height - tagH);
    const tx = Math.max(0, Math.min(x1, width - tagW));
    parts.push(
      `<rect x="${tx}" y="${ty}" width="${tagW}" height="${tagH}" fill="${colour}"/>`,
      `<text x="${tx + font * 0.3}" y="${ty + font * 1.02}" font-family="DejaVu Sans Mono, monospace" font-size="${font}" fill="#000">${escapeXml(text)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}
