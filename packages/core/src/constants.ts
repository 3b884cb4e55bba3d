/**
 * The names and defaults that options are made of, in a module that imports nothing, so the CLI can
 * describe and check its options (`--help`, `choices`) without loading the code behind them. Import
 * it as `@bus-tools/core/constants`; `@bus-tools/core` exports it too.
 */

/** How `extractBoxes` forms boxes: per lesion component, per mask file, or one per image. */
export const BOX_MODES = ['component', 'mask', 'image'] as const;
export type BoxMode = (typeof BOX_MODES)[number];

/**
 * Default speck threshold in pixels. On BUSI, stray components are 1–8 pixels and real lesions at
 * least 569, so 50 keeps every lesion and drops every speck with a wide margin either side.
 */
export const DEFAULT_MIN_AREA = 50;

/**
 * The most pixels (width × height, from the file's header) an image or mask may have before bus-tools
 * refuses it without decoding it: sharp's `limitInputPixels`, 16383 × 16383. Ultrasound scans are far
 * smaller (BUSI: about 500 × 500; large exports a few thousand pixels a side).
 */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

/** The upload formats `export` and `split` write; `FORMATS` (formats/index.ts) describes each. */
export const EXPORT_FORMATS = ['datature-csv-wh', 'datature-csv-4c', 'coco', 'voc', 'yolo'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Each format's import option in Datature, the one to pick when uploading its annotations. */
export const DATATURE_OPTIONS: Readonly<Record<ExportFormat, string>> = {
  'datature-csv-wh': 'CSV Width Height - Bounding Box',
  'datature-csv-4c': 'CSV Four Corner - Bounding Box',
  coco: 'COCO',
  voc: 'Pascal VOC',
  yolo: 'YOLO Darknet',
};

/** Where a split puts a duplicate group filed under several classes: left out of every part (default), or kept whole in train. */
export const CONFLICT_RULES = ['exclude', 'train'] as const;
export type ConflictRule = (typeof CONFLICT_RULES)[number];

/** Defaults of `bus-tools serve` (`createDetectServer` in @bus-tools/infer), shown by `--help`. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  /** The page's initial slider value and the API's default threshold. */
  threshold: 0.5,
  /** The lowest score the API can be asked for (`?threshold=`); the page asks for this and filters itself. */
  minThreshold: 0.05,
  /** 20 MiB: a BUSI scan is 100–300 kB, a large ultrasound export as PNG a few MB. */
  maxUploadBytes: 20 * 1024 * 1024,
  /** 25 megapixels (5000 × 5000), about 75 MB as decoded RGB. */
  maxPixels: 25_000_000,
  /** Requests that may wait for the model beyond those running. */
  queue: 8,
  /** A request, its upload included, must finish within this. */
  requestTimeoutMs: 60_000,
} as const;

/** Where a detector runs: CUDA when its provider loads else the CPU, CUDA or fail, or the CPU. */
export const DEVICES = ['auto', 'cuda', 'cpu'] as const;
export type Device = (typeof DEVICES)[number];

/**
 * The exported-detector layouts bus-tools reads (`--model-layout`): TF Object Detection API (and
 * tf2onnx), Datature's ONNX export, torchvision's RetinaNet.
 */
export const MODEL_LAYOUTS = ['tfod', 'datature', 'torchvision'] as const;
export type ModelLayout = (typeof MODEL_LAYOUTS)[number];

/** Default Hamming distance (of 64 bits) at which lint compares two images as possible near-copies. */
export const DEFAULT_MAX_HASH_DISTANCE = 16;

/** `--fail-on` of lint (and of merging lint shards): the severity from which findings make exit 1, or never. */
export const FAIL_ON_LEVELS = ['error', 'warning', 'info', 'none'] as const;
export type FailOnLevel = (typeof FAIL_ON_LEVELS)[number];
