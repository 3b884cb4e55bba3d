/** What lint reports: the finding shape and every code with what it means for the user. */

export type LintSeverity = 'error' | 'warning' | 'info';

/** One thing lint found. */
export interface LintFinding {
  /** `error`: the data is wrong for training or upload · `warning`: probably wrong, look · `info`: worth knowing. */
  severity: LintSeverity;
  /** Stable code, e.g. `LABEL_CONFLICT`; see `LINT_CODES`. */
  code: string;
  /** The files concerned, relative to the dataset root with `/` separators. */
  files: string[];
  /** What was found and what it means for the user. */
  message: string;
  /** Measurements behind the finding (pixel counts, distances, …), by name. */
  numbers?: Record<string, number>;
}

export type LintArea = 'structure' | 'masks' | 'images' | 'duplicates';

export interface LintCodeInfo {
  area: LintArea;
  /** Usual severity; a few codes vary (see `meaning`). */
  severity: LintSeverity;
  /** One line for docs and summaries. */
  meaning: string;
}

/** Every code lint can report. Codes from discovery and decoding keep their foundation names. */
export const LINT_CODES: Record<string, LintCodeInfo> = {
  MASK_WITHOUT_IMAGE: { area: 'structure', severity: 'error', meaning: 'a mask file whose image is missing; it is skipped' },
  IMAGE_WITHOUT_MASK: { area: 'structure', severity: 'error', meaning: 'a benign/malignant image without a mask; it is skipped' },
  DUPLICATE_STEM: { area: 'structure', severity: 'error', meaning: 'two images of one name but for the extension (x.png, x.jpg): their masks cannot say whose they are; the one sorting first is skipped' },
  BAD_IMAGE: { area: 'structure', severity: 'error', meaning: 'an image or mask that cannot be decoded (empty, truncated, damaged)' },
  UNREADABLE: { area: 'structure', severity: 'error', meaning: 'a file that cannot be read (permissions, I/O)' },
  UNSUPPORTED_FORMAT: { area: 'structure', severity: 'error', meaning: 'a file whose content is no image format bus-tools reads (judged from its first bytes)' },
  IMAGE_TOO_LARGE: { area: 'structure', severity: 'error', meaning: 'an image or mask whose header declares more pixels than the limit; not decoded' },
  EXTENSION_MISMATCH: { area: 'structure', severity: 'warning', meaning: 'a file whose name says another format than its content (a JPEG named .png); read by its content' },
  UNSUPPORTED_MASK: { area: 'structure', severity: 'error', meaning: 'a mask that is not a PNG (lossy formats blur the lesion edge)' },
  SIZE_MISMATCH: { area: 'structure', severity: 'error', meaning: 'a mask whose size differs from its image: its boxes would be misplaced' },
  UPLOAD_NAME_COLLISION: { area: 'structure', severity: 'error', meaning: 'two images with the same file name: Datature matches annotations by name' },
  FORMULA_FILE_NAME: { area: 'structure', severity: 'warning', meaning: 'a file name starting with = + - @: a spreadsheet opening the CSV runs it as a formula' },
  MASK_EMPTY: { area: 'masks', severity: 'error', meaning: 'a lesion-class mask with no lesion (error when the image gets no box at all, else warning)' },
  NORMAL_MASK_NOT_EMPTY: { area: 'masks', severity: 'error', meaning: 'a normal-class mask that marks a lesion: the class or the mask is wrong' },
  MASK_VALUES: { area: 'masks', severity: 'warning', meaning: 'a mask with several foreground values (anti-aliased or lossy edges): thresholds disagree' },
  MASK_ALPHA: { area: 'masks', severity: 'info', meaning: 'an RGBA mask; its alpha is not a lesion signal (warning when coloured pixels are transparent)' },
  MASK_SPECK: { area: 'masks', severity: 'warning', meaning: 'stray components below the speck size (warning when one would widen the box, else info)' },
  MULTIPLE_MASKS: { area: 'masks', severity: 'info', meaning: 'an image with several mask files (one box per lesion by default)' },
  MASKS_OVERLAP: { area: 'masks', severity: 'warning', meaning: 'two masks of one image overlap or one lies inside the other' },
  COLOUR_OVERLAY: { area: 'images', severity: 'warning', meaning: 'coloured pixels (Doppler, calipers, annotations) a model can learn as a shortcut' },
  UNUSUAL_SIZE: { area: 'images', severity: 'info', meaning: 'an image far from the dataset’s usual size or aspect ratio' },
  EXACT_DUPLICATE: { area: 'duplicates', severity: 'warning', meaning: 'images with identical decoded pixels' },
  NEAR_DUPLICATE: { area: 'duplicates', severity: 'warning', meaning: 'a group of near-copies (rescaled, re-cropped, re-annotated, neighbouring frames)' },
  LABEL_CONFLICT: { area: 'duplicates', severity: 'error', meaning: 'one duplicate group filed under different classes' },
};

const RANK: Record<LintSeverity, number> = { error: 0, warning: 1, info: 2 };

/** True when `severity` is at least as serious as `threshold` (`error` > `warning` > `info`). */
export function atLeast(severity: LintSeverity, threshold: LintSeverity): boolean {
  return RANK[severity] <= RANK[threshold];
}

/** Sort order for findings: severity, then code, then first file. */
export function compareFindings(a: LintFinding, b: LintFinding, fileCompare: (x: string, y: string) => number): number {
  return RANK[a.severity] - RANK[b.severity] || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || fileCompare(a.files[0] ?? '', b.files[0] ?? '');
}
