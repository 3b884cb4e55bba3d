/** Predictions → the files `bus-tools predict` writes: COCO results JSON and a detections CSV. */
import { openFileAtomic, predictionsCsvRows, predictionsJson, PREDICTIONS_CSV_HEADER, xyxyToXywh, type CocoResult, type Detection } from '@bus-tools/core';
import type { ImagePrediction } from './predict.js';

/** `v` rounded to `digits` decimals: `roundTo(0.123456789, 6)` → 0.123457. */
export const roundTo = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/**
 * A detection as bus-tools reports it, in predict's files and serve's API alike: its class as id and
 * name, `bbox` as COCO's `[x, y, width, height]` in original pixels to 0.01 px, `score` to 6 decimals.
 * @example reportedDetection({ xyxy: [10, 20, 40.004, 60], score: 0.91234567, classId: 2, label: 'malignant' })
 *   // → { label: 'malignant', classId: 2, bbox: [10, 20, 30, 40], score: 0.912346 }
 */
export function reportedDetection(d: Detection): { label: string; classId: number; bbox: [number, number, number, number]; score: number } {
  const [x, y, w, h] = xyxyToXywh(d.xyxy);
  return { label: d.label ?? `class ${d.classId ?? 1}`, classId: d.classId ?? 1, bbox: [roundTo(x, 2), roundTo(y, 2), roundTo(w, 2), roundTo(h, 2)], score: roundTo(d.score ?? 1, 6) };
}

/**
 * COCO results (what pycocotools' `loadRes` reads), one entry per detection:
 * `{ file_name, image_id, category_id, label, bbox: [x, y, w, h], score }`, bbox in original pixels
 * (2 decimals), score to 6 decimals.
 * @example toCocoResults([{ imageId: 1, fileName: 'a.png', width: 100, height: 80,
 *   detections: [{ xyxy: [10, 20, 40, 60], score: 0.9, classId: 1, label: 'benign' }] }])
 *   // → [{ file_name: 'a.png', image_id: 1, category_id: 1, label: 'benign', bbox: [10, 20, 30, 40], score: 0.9 }]
 */
export function toCocoResults(images: readonly Pick<ImagePrediction, 'imageId' | 'fileName' | 'detections'>[]): Required<CocoResult>[] {
  const out: Required<CocoResult>[] = [];
  for (const img of images) {
    for (const d of img.detections) {
      const { label, classId, bbox, score } = reportedDetection(d);
      out.push({ file_name: img.fileName, image_id: img.imageId, category_id: classId, label, bbox, score });
    }
  }
  return out;
}

/** COCO results as JSON text, one detection per line (diff- and grep-friendly). */
export function cocoResultsJson(results: readonly CocoResult[]): string {
  return predictionsJson(results);
}

/** The CSV header `bus-tools predict` writes. */
export const DETECTIONS_CSV_HEADER = PREDICTIONS_CSV_HEADER.join(',');

/**
 * Detections as CSV rows `filename,xmin,ymin,width,height,label,score` (pixels, 2 decimals; the
 * Datature "Width Height" column order plus a score), one row per detection, header first.
 */
export function toDetectionsCsv(images: readonly Pick<ImagePrediction, 'fileName' | 'detections'>[]): string {
  return `${DETECTIONS_CSV_HEADER}\n${images.map(detectionsCsvRows).join('')}`;
}

/** One image's rows of `toDetectionsCsv` ('' without detections), each ending in a newline. */
export function detectionsCsvRows(img: Pick<ImagePrediction, 'fileName' | 'detections'>): string {
  return predictionsCsvRows(toCocoResults([{ ...img, imageId: 0 }]));
}


/**
 * The COCO results JSON and the CSV written image by image, each to a temporary file renamed into
 * place by `commit()`: the same bytes as `cocoResultsJson(toCocoResults(images))` and
 * `toDetectionsCsv(images)`, without holding the images.
 */
export function openDetectionsWriters(json: string, csv: string): {
  add(image: Pick<ImagePrediction, 'imageId' | 'fileName' | 'detections'>): void;
  commit(): void;
  abort(): void;
} {
  const j = openFileAtomic(json);
  let c;
  try {
    c = openFileAtomic(csv);
  } catch (err) {
    j.abort();
    throw err;
  }
  const out = c;
  out.write(`${DETECTIONS_CSV_HEADER}\n`);
  let entries = 0;
  return {
    add(image) {
      const results = toCocoResults([image]);
      for (const r of results) j.write(`${entries++ ? ',\n' : '[\n'}${JSON.stringify(r)}`);
      out.write(predictionsCsvRows(results));
    },
    commit() {
      j.write(entries ? '\n]\n' : '[]\n');
      j.commit();
      out.commit();
    },
    abort() {
      j.abort();
      out.abort();
    },
  };
}
