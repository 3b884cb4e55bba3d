/** COCOeval's default parameters for bbox evaluation (`Params(iouType='bbox')`), and the names of the 12 statistics. */
import { linspace } from './numpy.js';

/** IoU thresholds `np.linspace(.5, .95, 10)`: `0.5, 0.55, …, 0.8999999999999999, 0.95`. */
export const COCO_IOU_THRESHOLDS: Float64Array = linspace(0.5, 0.95, 10);
/** Recall thresholds `np.linspace(0, 1, 101)` (note `[35]` is `0.35000000000000003`). */
export const COCO_RECALL_THRESHOLDS: Float64Array = linspace(0, 1, 101);
/** Detections kept per image: `[1, 10, 100]`. */
export const COCO_MAX_DETS: readonly number[] = [1, 10, 100];
/** Area ranges in square pixels, both ends inclusive, compared with the ground truth's `area`. */
export const COCO_AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
export const COCO_AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;
export type CocoAreaLabel = (typeof COCO_AREA_LABELS)[number];

/** The 12 statistics `COCOeval.summarize()` prints, in its order. */
export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
export type CocoStatName = (typeof COCO_STAT_NAMES)[number];
export type CocoStats = Record<CocoStatName, number>;
