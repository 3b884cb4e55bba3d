import type { Detection } from '../box.js';

/** A category as in COCO and TF label maps: ids are 1-based. */
export interface Category {
  id: number;
  name: string;
}

/** The default BUSI categories, in label-map order: `benign` = 1, `malignant` = 2. */
export const BUSI_CATEGORIES: readonly Category[] = [
  { id: 1, name: 'benign' },
  { id: 2, name: 'malignant' },
];

/**
 * One image with its boxes: what mask extraction produces, what every annotation format reads and
 * writes, and what evaluation takes as ground truth.
 */
export interface AnnotatedImage {
  /** Upload name, e.g. `benign (1).png`. Datature matches annotations to images by it. */
  fileName: string;
  /** Absolute path of the image file, when it is on disk. */
  path?: string;
  /** Image class (its folder in BUSI): `benign`, `malignant` or `normal`. */
  label?: string;
  width: number;
  height: number;
  /** Boxes with `label` (and `classId` once categories are assigned); `area` = lesion pixels. */
  boxes: Detection[];
}

/** Something wrong with one input file; the run goes on without it. */
export interface Problem {
  /** The file the problem is about (absolute path). */
  file: string;
  /** Stable code, e.g. `BAD_IMAGE`, `MASK_WITHOUT_IMAGE`, `SIZE_MISMATCH`. */
  code: string;
  /** What is wrong and what to do about it. */
  message: string;
  /** `error`: the file was skipped. `warning`: it was used, but look at it. */
  severity: 'error' | 'warning';
}
