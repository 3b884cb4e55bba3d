/**
 * YOLO Darknet: one `.txt` per image, a line `class cx cy w h` per box, class a 0-based index into
 * the class list, the rest divided by the image size; plus the class list, one name per line.
 */
import { cxcywhNormalizedToXyxy, xyxyToCxcywhNormalized, type Detection, type Xyxy } from '../box.js';
import { BusToolsError } from '../errors.js';
import type { AnnotatedImage, Category } from '../dataset/types.js';

/** Label file name for an image: `benign (1).png` → `benign (1).txt`. */
export function yoloFileName(imageFileName: string): string {
  return imageFileName.replace(/\.[^.]+$/, '') + '.txt';
}

// 8 significant decimals: rounding `v * size` recovers integer pixels exactly for any image < 10^6 px.
const fmt = (v: number) => Number(v.toFixed(8)).toString();

/** One image's label file. Classes are looked up by box `label` (else `classId` - 1). */
export function toYolo(img: AnnotatedImage, categories: readonly Category[]): string {
  const index = new Map(categories.map((c, i) => [c.name, i]));
  return img.boxes
    .map((b) => {
      const k = index.get(b.label ?? img.label ?? '') ?? (b.classId !== undefined ? categories.findIndex((c) => c.id === b.classId) : -1);
      if (k === undefined || k < 0) throw new BusToolsError('UNKNOWN_CLASS', `${img.fileName}: box label "${b.label}" is not in the class list`);
      return [k, ...xyxyToCxcywhNormalized(b.xyxy, img.width, img.height).map(fmt)].join(' ');
    })
    .map((l) => `${l}\n`)
    .join('');
}

/** The class list file: one name per line, line i = class index i. */
export function toYoloClasses(categories: readonly Category[]): string {
  return categories.map((c) => `${c.name}\n`).join('');
}

/**
 * Parses a label file for an image of `width`×`height`. Coordinates are rounded to whole pixels
 * when `round` (the default), which recovers mask-derived boxes exactly.
 * @throws BusToolsError `BAD_YOLO` naming `file` and the line.
 */
export function fromYolo(text: string, width: number, height: number, classNames: readonly string[], file = 'YOLO labels', round = true): Detection[] {
  const out: Detection[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const parts = line.trim().split(/\s+/).map(Number);
    if (parts.length !== 5 || parts.some((n) => !Number.isFinite(n)) || !Number.isInteger(parts[0]) || !classNames[parts[0]]) {
      throw new BusToolsError('BAD_YOLO', `${file}: line ${i + 1} is not "class cx cy w h" with a known class: ${line}`, { file });
    }
    let xyxy = cxcywhNormalizedToXyxy([parts[1], parts[2], parts[3], parts[4]], width, height);
    if (round) xyxy = xyxy.map((v) => Math.round(v) || 0) as Xyxy; // `|| 0`: no -0 at the left edge
    out.push({ xyxy, label: classNames[parts[0]], classId: parts[0] + 1 });
  });
  return out;
}
