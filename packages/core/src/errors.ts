/**
 * One error shape for everything bus-tools reports about its input.
 *
 * `BusToolsError` carries a stable `code` from the closed set `ERROR_CODES` (so scripts and tests can
 * branch on it), the `file` it is about when there is one, and a message written for the person at
 * the terminal: what is wrong and what to do about it. Library errors are wrapped with `{ cause }`
 * so nothing is lost.
 *
 * Each code has one outcome: `usage` (the call itself is wrong: an option, an argument, an output
 * path; the CLI exits 2) or `failed` (an input or the machine let the job down; the CLI exits 1).
 * The CLI takes its exit code from this table and nowhere else (`exitCodeFor` in the CLI).
 */
export const ERROR_CODES = {
  // The call is wrong: exit 2.
  INVALID_PARAMETER: { outcome: 'usage', meaning: 'An option or argument has a value it does not accept (out of range, not a number, not one of the choices, missing).' },
  UNKNOWN_CLASS: { outcome: 'usage', meaning: 'A class named in the call (--classes, a box label) is not one of the classes the data has.' },
  INPUT_NOT_FOUND: { outcome: 'usage', meaning: 'A path given as input (dataset, --input, --model, --gt, --pred, --label) does not exist.' },
  NOT_A_FOLDER: { outcome: 'usage', meaning: 'A path that must be a folder is a file.' },
  OUTPUT_EXISTS: { outcome: 'usage', meaning: 'The output exists and --force (library: force: true) was not given; nothing was written.' },
  OUTPUT_OVERLAPS_INPUT: { outcome: 'usage', meaning: 'The output lies inside an input folder or contains it (real paths compared, symlinks resolved).' },
  NOT_A_DATASET: { outcome: 'usage', meaning: 'The folder holds images but no masks beside them: not a BUSI-like dataset.' },
  // An input or the machine let the job down: exit 1.
  UNREADABLE: { outcome: 'failed', meaning: 'A file or folder exists but cannot be read (permissions, I/O error).' },
  NO_IMAGES: { outcome: 'failed', meaning: 'The input holds no images to work on.' },
  UNSUPPORTED_FORMAT: { outcome: 'failed', meaning: 'A file is not in an image format bus-tools reads (judged from its first bytes, not its name).' },
  BAD_IMAGE: { outcome: 'failed', meaning: 'An image or mask cannot be decoded: truncated, damaged, or its content is not the format its name says.' },
  IMAGE_TOO_LARGE: { outcome: 'failed', meaning: 'An image has more pixels than the documented limit; its header was read, its pixels were not.' },
  UNSUPPORTED_MASK: { outcome: 'failed', meaning: 'A mask decodes but is not a lesion mask bus-tools can read (e.g. 16-bit, palette without a lesion value).' },
  BAD_CSV: { outcome: 'failed', meaning: 'A CSV file (Datature annotations, predictions, split manifest) does not have the expected columns or values.' },
  BAD_COCO: { outcome: 'failed', meaning: 'A COCO JSON file is not valid JSON or lacks images, annotations or categories as COCO defines them.' },
  BAD_VOC: { outcome: 'failed', meaning: 'A Pascal VOC XML file cannot be parsed or lacks the size or object fields.' },
  BAD_YOLO: { outcome: 'failed', meaning: 'A YOLO label file has a line that is not "class cx cy w h" with normalized numbers.' },
  BAD_PREDICTIONS: { outcome: 'failed', meaning: 'A predictions file (detections.json / .csv) is not what `bus-tools predict` writes.' },
  BAD_LABEL_MAP: { outcome: 'failed', meaning: 'A label map (.pbtxt, .json, .txt) cannot be parsed.' },
  BAD_MODEL: { outcome: 'failed', meaning: 'The ONNX model cannot be loaded, or its inputs and outputs fit no supported layout.' },
  INFERENCE_FAILED: { outcome: 'failed', meaning: 'onnxruntime failed while running the model on an image.' },
  CUDA_UNAVAILABLE: { outcome: 'failed', meaning: '--device cuda was asked for but the CUDA execution provider cannot be used on this machine.' },
  NAME_COLLISION: { outcome: 'failed', meaning: 'Two images would get the same file name in an output (Datature matches annotations by name).' },
  WRITE_FAILED: { outcome: 'failed', meaning: 'An output could not be written (disk full, permissions); nothing partial is left behind.' },
  PORT_IN_USE: { outcome: 'failed', meaning: 'serve: the port is taken by another program.' },
  NOT_LISTENING: { outcome: 'failed', meaning: 'A server method was called before listen().' },
} as const;

/** Every error code bus-tools raises. */
export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorOutcome = (typeof ERROR_CODES)[ErrorCode]['outcome'];

export class BusToolsError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;

  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BusToolsError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
  }

  /** `usage` when the call is wrong, `failed` when an input or the machine is. */
  get outcome(): ErrorOutcome {
    return ERROR_CODES[this.code].outcome;
  }
}

/**
 * The error for a bad parameter, in sharp's wording:
 * `Expected integer between 0 and 1000000 for minArea but received -3`.
 */
export function invalidParameterError(name: string, expected: string, actual: unknown): BusToolsError {
  const shown = typeof actual === 'string' ? JSON.stringify(actual) : String(actual);
  return new BusToolsError('INVALID_PARAMETER', `Expected ${expected} for ${name} but received ${shown}`);
}

export const is = {
  integer: (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v),
  inRange: (v: number, min: number, max: number): boolean => v >= min && v <= max,
};

/** Throws `invalidParameterError` unless `value` is an integer in [min, max]. */
export function assertIntegerInRange(name: string, value: unknown, min: number, max: number): number {
  if (!is.integer(value) || !is.inRange(value, min, max)) {
    throw invalidParameterError(name, `integer between ${min} and ${max}`, value);
  }
  return value;
}

/** Throws `invalidParameterError` unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidParameterError(name, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** A short, human description of an unknown thrown value. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The code of a `BusToolsError`, else `fallback`: how a loop over many files names the failure of
 * one file it reports and then goes on.
 * @example errorCodeOf(new BusToolsError('BAD_IMAGE', 'scan.png: truncated PNG'), 'UNREADABLE') // 'BAD_IMAGE'
 */
export function errorCodeOf(err: unknown, fallback: ErrorCode): ErrorCode {
  return err instanceof BusToolsError ? err.code : fallback;
}
