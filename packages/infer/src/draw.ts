/**
 * Drawing detections onto RGB pixels, in plain loops over the pixel buffer. Each box is drawn twice,
 * a dark outline around a bright class-colour line, and carries a "label score" tag, so it stays
 * readable on grayscale ultrasound whether the tissue under it is dark or bright.
 *
 * Text comes from a glyph atlas: each character is rendered once per font size (sharp renders an SVG
 * line of them in DejaVu Sans Mono) and then blended from its coverage mask. Rendering an SVG overlay
 * per image cost about 10 ms of CPU per annotated image; the loops here cost well under one.
 */
import { classColour, type Detection } from '@bus-tools/core';

/** The class colours are core's one palette (also the report's and the serve page's). */
export { CLASS_COLOURS, classColour } from '@bus-tools/core';

const rgbOf = (hex: string): [number, number, number] => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];

/** "benign 0.93": the tag text of a detection. */
export function tagText(d: Detection): string {
  const name = d.label ?? (d.classId !== undefined ? `class ${d.classId}` : 'object');
  return d.score === undefined ? name : `${name} ${d.score.toFixed(2)}`;
}

/** Line width and font size for an image: about 1/200 and 1/28 of its shorter side. */
export function drawingScale(width: number, height: number): { line: number; font: number } {
  const side = Math.min(width, height);
  return { line: Math.max(2, Math.round(side / 200)), font: Math.max(11, Math.round(side / 28)) };
}

/** Where a detection's box and tag go, in whole pixels inside the image. */
export interface BoxLayout {
  /** The box, pixel-edge (`x2`, `y2` exclusive), rounded and clipped to the image. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** The tag: a filled rectangle with the text, above the box when there is room, else inside its top. */
  tagX: number;
  tagY: number;
  tagW: number;
  tagH: number;
  text: string;
  colour: string;
  /** The detection's score: weaker boxes are drawn first, so the strongest box and tag end on top. */
  score?: number;
}

/** One character cell of the tag font: 0.6 em wide (DejaVu Sans Mono's advance), 1.35 em high. */
export function cellSize(font: number): { cellW: number; cellH: number } {
  return { cellW: Math.ceil(font * 0.6), cellH: Math.ceil(font * 1.35) };
}

/**
 * Box and tag geometry for each detection (pure).
 * @example layoutDetections([{ xyxy: [100, 60, 200, 140], score: 0.934, classId: 2, label: 'malignant' }], 400, 300)
 *   // → [{ x1: 100, y1: 60, x2: 200, y2: 140, tagX: 100, tagY: 45, tagW: 104, tagH: 15, text: 'malignant 0.93', colour: '#ff3df2', score: 0.934 }]
 */
export function layoutDetections(detections: readonly Detection[], width: number, height: number): BoxLayout[] {
  const { font } = drawingScale(width, height);
  const { cellW, cellH } = cellSize(font);
  const pad = Math.round(font * 0.3);
  const out: BoxLayout[] = [];
  for (const d of detections) {
    const x1 = Math.max(0, Math.min(width, Math.round(d.xyxy[0])));
    const y1 = Math.max(0, Math.min(height, Math.round(d.xyxy[1])));
    const x2 = Math.max(0, Math.min(width, Math.round(d.xyxy[2])));
    const y2 = Math.max(0, Math.min(height, Math.round(d.xyxy[3])));
    const text = tagText(d);
    const tagW = Math.min(width, text.length * cellW + 2 * pad);
    const tagH = Math.min(height, cellH);
    const tagY = y1 - tagH >= 0 ? y1 - tagH : Math.max(0, Math.min(y1, height - tagH));
    const tagX = Math.max(0, Math.min(x1, width - tagW));
    const layout: BoxLayout = { x1, y1, x2, y2, tagX, tagY, tagW, tagH, text, colour: classColour(d.classId) };
    if (d.score !== undefined) layout.score = d.score;
    out.push(layout);
  }
  return out;
}

/** Coverage masks (0–255) of characters in one font size, `cellW × cellH` each. */
export interface GlyphAtlas {
  font: number;
  cellW: number;
  cellH: number;
  /** Left padding of the text inside its tag, in pixels. */
  pad: number;
  glyphs: Map<string, Uint8Array>;
}

/** Blends `value` into one channel at `a`/255 opacity. */
const mix = (under: number, value: number, a: number) => (under * (255 - a) + value * a + 127) / 255;

/** Weakest first (a missing score counts as weakest), ties in the given order: the drawing order. */
export function drawingOrder<T extends { score?: number }>(layouts: readonly T[]): T[] {
  return layouts
    .map((l, i) => ({ l, i }))
    .sort((a, b) => (a.l.score ?? -Infinity) - (b.l.score ?? -Infinity) || a.i - b.i)
    .map(({ l }) => l);
}

/**
 * Draws `layouts` onto `pixels` (RGB, `[height, width, 3]`) in place: every box, then every tag,
 * each weakest first, so a tag is never covered by a box and the strongest detection's tag ends on
 * top of any weaker one it overlaps. Characters missing from `atlas` are left blank (the tag is
 * still drawn).
 */
export function drawLayouts(pixels: Uint8Array, width: number, height: number, layouts: readonly BoxLayout[], line: number, atlas?: GlyphAtlas): void {
  const fill = (x0: number, y0: number, x1: number, y1: number, rgb: readonly number[], alpha: number) => {
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    x1 = Math.min(width, x1);
    y1 = Math.min(height, y1);
    for (let y = y0; y < y1; y++) {
      for (let p = (y * width + x0) * 3, end = (y * width + x1) * 3; p < end; p += 3) {
        if (alpha === 255) {
          pixels[p] = rgb[0];
          pixels[p + 1] = rgb[1];
          pixels[p + 2] = rgb[2];
        } else {
          pixels[p] = mix(pixels[p], rgb[0], alpha);
          pixels[p + 1] = mix(pixels[p + 1], rgb[1], alpha);
          pixels[p + 2] = mix(pixels[p + 2], rgb[2], alpha);
        }
      }
    }
  };
  // A frame `t` pixels thick whose outer edge is the rectangle (x0, y0)–(x1, y1).
  const frame = (x0: number, y0: number, x1: number, y1: number, t: number, rgb: readonly number[], alpha: number) => {
    if (x1 - x0 <= 2 * t || y1 - y0 <= 2 * t) return fill(x0, y0, x1, y1, rgb, alpha);
    fill(x0, y0, x1, y0 + t, rgb, alpha);
    fill(x0, y1 - t, x1, y1, rgb, alpha);
    fill(x0, y0 + t, x0 + t, y1 - t, rgb, alpha);
    fill(x1 - t, y0 + t, x1, y1 - t, rgb, alpha);
  };
  const black = [0, 0, 0];
  const ordered = drawingOrder(layouts);
  for (const b of ordered) {
    const rgb = rgbOf(b.colour);
    // The line runs just inside the box edge; a 1-pixel dark outline on both sides of it.
    frame(b.x1 - 1, b.y1 - 1, b.x2 + 1, b.y2 + 1, line + 2, black, 179);
    frame(b.x1, b.y1, b.x2, b.y2, line, rgb, 255);
  }
  for (const b of ordered) {
    fill(b.tagX, b.tagY, b.tagX + b.tagW, b.tagY + b.tagH, rgbOf(b.colour), 255);
    if (!atlas) continue;
    let x = b.tagX + atlas.pad;
    for (const ch of b.text) {
      const g = atlas.glyphs.get(ch);
      if (g) {
        for (let gy = 0; gy < atlas.cellH && b.tagY + gy < Math.min(height, b.tagY + b.tagH); gy++) {
          const y = b.tagY + gy;
          for (let gx = 0; gx < atlas.cellW && x + gx < Math.min(width, b.tagX + b.tagW); gx++) {
            const a = g[gy * atlas.cellW + gx];
            if (a === 0) continue;
            const p = (y * width + x + gx) * 3;
            pixels[p] = mix(pixels[p], 0, a);
            pixels[p + 1] = mix(pixels[p + 1], 0, a);
            pixels[p + 2] = mix(pixels[p + 2], 0, a);
          }
        }
      }
      x += atlas.cellW;
    }
  }
}
