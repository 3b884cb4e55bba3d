/**
 * The committed demo models (fixtures/models, made by tools/models): one set of RetinaNet weights
 * exported three ways, run by onnxruntime-node on the synthetic BUSI sample.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iouXyxy, xywhToXyxy, type Detection, type Xywh } from '@bus-tools/core';
import { decodeForModel, listImages, openDetector, predictImages, type Detector, type LayoutName } from '@bus-tools/infer';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';

const model = (layout: LayoutName) => join(MODELS, `retinanet-${layout}.onnx`);
const LAYOUT_NAMES: LayoutName[] = ['torchvision', 'tfod', 'datature'];
const images = listImages(SAMPLE_BUSI).files;
const expected = JSON.parse(readFileSync(join(SAMPLE_BUSI, '..', 'sample-busi-expected.json'), 'utf8')) as Record<string, { label: string; boxes: Array<{ bbox: Xywh }> }>;

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

    test('every lesion is matched by a detection with IoU >= 0.5; no detection is unmatched', () => {
      const misses: string[] = [];
      const falsePositives: string[] = [];
      for (const [name, e] of Object.entries(expected)) {
        const dets = found.get(name)!;
        const used = new Set<number>();
        for (const { bbox } of e.boxes) {
          const gt = xywhToXyxy(bbox);
          const j = dets.findIndex((d, k) => !used.has(k) && iouXyxy(d.xyxy, gt) >= 0.5);
          if (j < 0) misses.push(`${name} ${bbox}`);
          else used.add(j);
        }
        dets.forEach((d, k) => {
          if (!used.has(k)) falsePositives.push(`${name} ${d.label} ${d.score!.toFixed(2)} [${d.xyxy.map(Math.round)}]`);
        });
      }
      expect(misses).toEqual([]);
      expect(falsePositives).toEqual([]);
    });
  });
});
