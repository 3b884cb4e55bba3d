/**
 * The class colours, one palette for every picture bus-tools makes: annotated images (infer's
 * draw.ts), the `serve` page and the evaluation report. Bright, mutually distinct colours that stand
 * out on grayscale ultrasound: cyan, magenta, yellow, green, orange, … With BUSI's label map
 * (`benign` = 1, `malignant` = 2) benign is cyan and malignant magenta everywhere.
 */

/** Class colours in class-id order (class 1 first); they repeat after 8. */
export const CLASS_COLOURS = ['#00e5ff', '#ff3df2', '#ffd400', '#4cff4c', '#ff8c1a', '#8c9eff', '#ff5252', '#b2ff59'] as const;

/**
 * The colour of class `classId` (1-based, as in label maps and COCO; cycles after 8; ids below 1
 * and a missing id take the first colour).
 * @example classColour(2) // '#ff3df2' (malignant in BUSI's label map)
 */
export function classColour(classId: number | undefined): string {
  const i = Math.max(0, (classId ?? 1) - 1) % CLASS_COLOURS.length;
  return CLASS_COLOURS[i];
}
