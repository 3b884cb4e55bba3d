/**
 * The committed demo models (fixtures/models, made by tools/models): one set of RetinaNet weights
 * exported three ways, run by onnxruntime-node on the synthetic BUSI sample.
 */
import { join } from 'node:path';
import { iouXyxy, xywhToXyxy, type Detection, type Xyxy } from '@bus-tools/core';
import { decodeForModel, listImages, openDetector, predictImages, type Detector, type LayoutName } from '@bus-tools/infer';
import { MODELS, SAMPLE_BUSI, SAMPLE_EXPECTED } from '../../../fixtures/index.js';

const model = (layout: LayoutName) => join(MODELS, `retinanet-${layout}.onnx`);
const LAYOUT_NAMES: LayoutName[] = ['torchvision', 'tfod', 'datature'];
const images = listImages(SAMPLE_BUSI).files;
const expected = SAMPLE_EXPECTED;

describe('fixture models', () => {
  test.each(LAYOUT_NAMES)('%s: layout, input size and label map are found from the file alone', async (layout) => {
    const det = await openDetector({ model: model(layout), device: 'cpu' });
    expect([det.layout.name, det.inputWidth, det.inputHeight, det.labelFile]).toEqual([layout, 320, 320, join(MODELS, 'label_map.pbtxt')]);
    expect([...det.labels!]).toEqual([[1, 'benign'], [2, 'malignant']]);
    await det.close();
  });

  test('the three layouts give the same detections for the same weights (NMS in graph vs ours)', async () => {
    const runs = await Promise.all(LAYOUT_NAMES.map((l) => predictImages(images, { model: model(l), device: 'cpu', threshold: 0.05, threads: 1 })));
    const [ref, ...others] = runs;
    expect(ref.images).toHaveLength(images.length);
    const total = ref.images.reduce((n, i) => n + i.detections.length, 0);
    expect(total).toBeGreaterThan(images.length); // low threshold: several candidates survive per image
    for (const other of others) {
      other.images.forEach((img, k) => {
        const a = ref.images[k].detections;
        const b = img.detections;
        expect(b.map((d) => [d.classId, d.label])).toEqual(a.map((d) => [d.classId, d.label]));
        b.forEach((d, j) => {
          expect(d.score!).toBeCloseTo(a[j].score!, 5);
          d.xyxy.forEach((v, c) => expect(Math.abs(v - a[j].xyxy[c])).toBeLessThan(0.01));
        });
      });
    }
  });

  describe.each(LAYOUT_NAMES)('%s finds the lesions of the synthetic sample', (layout) => {
    let det: Detector;
    const found = new Map<string, Detection[]>();
    beforeAll(async () => {
      det = await openDetector({ model: model(layout), device: 'cpu', threshold: 0.5 });
      for (const path of images) found.set(path.split('/').pop()!, await det.detect(await decodeForModel(path, det.inputWidth, det.inputHeight)));
    });
    afterAll(() => det.close());

    // A mask drawn inside another lesion's mask (benign (4)_mask_1) marks no separate lesion a detector
    // could see; such nested boxes may be matched but are not required.
    const nestedIn = (b: Xyxy, all: Xyxy[]) => all.some((o) => o !== b && o[0] <= b[0] && o[1] <= b[1] && o[2] >= b[2] && o[3] >= b[3]);

    test('every (non-nested) lesion is matched by a detection with IoU >= 0.5; no detection is unmatched', () => {
      const misses: string[] = [];
      const falsePositives: string[] = [];
      let lesions = 0;
      for (const [name, e] of Object.entries(expected)) {
        const dets = found.get(name)!;
        const gts = e.boxes.map((b) => xywhToXyxy(b.bbox));
        const used = new Set<number>();
        // outer boxes first, so a nested box cannot take the detection of its container
        for (const gt of [...gts].sort((a, b) => Number(nestedIn(a, gts)) - Number(nestedIn(b, gts)))) {
          const j = dets.findIndex((d, k) => !used.has(k) && iouXyxy(d.xyxy, gt) >= 0.5);
          if (j >= 0) used.add(j);
          else if (!nestedIn(gt, gts)) misses.push(`${name} [${gt}]`);
          if (!nestedIn(gt, gts)) lesions++;
        }
        dets.forEach((d, k) => {
          if (!used.has(k)) falsePositives.push(`${name} ${d.label} ${d.score!.toFixed(2)} [${d.xyxy.map(Math.round)}]`);
        });
      }
      expect(lesions).toBe(10); // 11 lesion masks, one nested
      expect(misses).toEqual([]);
      expect(falsePositives).toEqual([]);
    });

    test('the class is right for most lesions (benign/ and malignant/ folders)', () => {
      let right = 0;
      let total = 0;
      for (const [name, e] of Object.entries(expected)) {
        if (e.label === 'normal') continue;
        for (const d of found.get(name)!) {
          total++;
          if (d.label === e.label) right++;
        }
      }
      expect(total).toBeGreaterThanOrEqual(10);
      expect(right / total).toBeGreaterThanOrEqual(0.8);
    });
  });
});
