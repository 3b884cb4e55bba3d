/**
 * masks → boxes on the real BUSI files (../shared/busi; skipped with a message when absent).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { discoverDataset, extractBoxes, FORMATS, readPngHeader, writeUploadFolder, xyxyToXywh, type AnnotatedImage, type Dataset, type ExtractResult } from '@bus-tools/core';
import { BUSI_DATASET, describeWithBusi } from '../../../../fixtures/index.js';

/** Independent reference: decode with sharp (libpng), label 8-connected components by flood fill. */
async function referenceComponents(path: string): Promise<Array<{ xywh: number[]; area: number }>> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const colour = channels === 4 || channels === 2 ? channels - 1 : channels;
  const on = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < colour; c++) if (data[i * channels + c] !== 0) on[i] = 1;
  }
  const out: Array<{ xywh: number[]; area: number }> = [];
  const stack: number[] = [];
  for (let start = 0; start < on.length; start++) {
    if (on[start] !== 1) continue;
    on[start] = 2;
    stack.push(start);
    let [x1, y1, x2, y2, area] = [width, height, -1, -1, 0];
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      x1 = Math.min(x1, x); x2 = Math.max(x2, x); y1 = Math.min(y1, y); y2 = Math.max(y2, y);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (on[q] === 1) {
            on[q] = 2;
            stack.push(q);
          }
        }
      }
    }
    out.push({ xywh: [x1, y1, x2 - x1 + 1, y2 - y1 + 1], area });
  }
  return out;
}

const byName = (r: ExtractResult, name: string): AnnotatedImage => {
  const img = r.images.find((i) => i.fileName === name);
  if (!img) throw new Error(`${name} not extracted`);
  return img;
};

describeWithBusi('masks → boxes on the real BUSI data', () => {
  let dataset: Dataset;
  let byDefault: ExtractResult;
  let everything: ExtractResult;
  beforeAll(async () => {
    dataset = await discoverDataset(BUSI_DATASET);
    byDefault = await extractBoxes(dataset);
    everything = await extractBoxes(dataset, { minArea: 0 });
  });

  test.each([
    // published rows (docs/prepare-datature-upload.md) and, for (12), OpenCV's boundingRect (tools/bench/masks2csv_opencv.py)
    ['benign (1).png', [288, 134, 51, 26]],
    ['benign (10).png', [24, 67, 209, 197]],
    ['benign (12).png', [343, 178, 78, 44]],
    ['benign (13).png', [182, 107, 355, 198]],
  ])('%s gives the published box', (name, xywh) => {
    expect(byName(byDefault, name).boxes.map((b) => xyxyToXywh(b.xyxy))).toEqual([xywh]);
  });

  test('no problems, and exactly one box per lesion mask file by default', () => {
    expect(byDefault.problems).toEqual([]);
    const lesionImages = dataset.images.filter((i) => i.label !== 'normal');
    const lesionMasks = lesionImages.reduce((n, i) => n + i.masks.length, 0);
    expect(byDefault.stats.masks).toBe(lesionMasks);
    expect(byDefault.stats.boxes).toBe(lesionMasks);
    for (const img of lesionImages) expect([img.fileName, byName(byDefault, img.fileName).boxes.length]).toEqual([img.fileName, img.masks.length]);
    expect(byDefault.stats.specksDropped).toBeGreaterThan(0);
  });

  test('RGBA masks (alpha 255 everywhere) give lesion boxes, not whole-image boxes', async () => {
    const rgba: string[] = [];
    for (const img of dataset.images.filter((i) => i.label !== 'normal')) {
      img.masks.forEach((m, k) => {
        if (readPngHeader(readFileSync(m.path)).colorType !== 6) return;
        rgba.push(m.path);
        const box = byName(byDefault, img.fileName).boxes[k];
        const area = (box.xyxy[2] - box.xyxy[0]) * (box.xyxy[3] - box.xyxy[1]);
        const { width, height } = byName(byDefault, img.fileName);
        expect(area).toBeLessThan((width * height) / 4);
      });
    }
    expect(rgba.map((p) => p.split('/').pop())).toContain('benign (4)_mask_1.png');
  });

  test('malignant (111): the speck would widen the box (x 37 / w 311); by default it does not (x 39 / w 309)', async () => {
    expect(byName(byDefault, 'malignant (111).png').boxes.map((b) => xyxyToXywh(b.xyxy).slice(0, 3))).toEqual([[39, expect.any(Number), 309]]);
    const tutorial = await extractBoxes(dataset, { boxes: 'mask', minArea: 0, classes: ['malignant'] });
    expect(byName(tutorial, 'malignant (111).png').boxes.map((b) => [xyxyToXywh(b.xyxy)[0], xyxyToXywh(b.xyxy)[2]])).toEqual([[37, 311]]);
  });

  test('--min-area 0 gives every 8-connected component, as an independent decoder and flood fill find them', async () => {
    let checked = 0;
    for (const img of dataset.images.filter((i) => i.label !== 'normal')) {
      const want: Array<{ xywh: number[]; area: number }> = [];
      for (const m of img.masks) want.push(...(await referenceComponents(m.path)));
      const got = byName(everything, img.fileName).boxes.map((b) => ({ xywh: xyxyToXywh(b.xyxy), area: b.area }));
      const key = (c: { xywh: number[]; area?: number }) => JSON.stringify([c.xywh, c.area]);
      expect([img.fileName, got.map(key).sort()]).toEqual([img.fileName, want.map(key).sort()]);
      checked += want.length;
    }
    expect(checked).toBe(everything.stats.boxes);
  }, 180_000);

  test('--boxes mask gives the union box of each mask file', () => {
    return extractBoxes(dataset, { boxes: 'mask', minArea: 0 }).then((union) => {
      for (const img of union.images) {
        const comps = byName(everything, img.fileName).boxes;
        // one union per mask file; the union of all of them equals the union of all components
        const hull = (bs: typeof comps) => [Math.min(...bs.map((b) => b.xyxy[0])), Math.min(...bs.map((b) => b.xyxy[1])), Math.max(...bs.map((b) => b.xyxy[2])), Math.max(...bs.map((b) => b.xyxy[3]))];
        expect(img.boxes).toHaveLength(dataset.images.find((i) => i.fileName === img.fileName)!.masks.length);
        expect(hull(img.boxes)).toEqual(hull(comps));
      }
    });
  });

  test('written COCO, VOC and YOLO folders read back to the same boxes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bus-busi-'));
    try {
      const key = (list: AnnotatedImage[]) => Object.fromEntries(list.map((i) => [i.fileName, i.boxes.map((b) => [...b.xyxy, b.label])]));
      for (const format of ['coco', 'voc', 'yolo', 'datature-csv-wh', 'datature-csv-4c'] as const) {
        const dir = join(out, format);
        await writeUploadFolder(dir, byDefault.images, byDefault.categories, { format, link: true });
        expect([format, key(await FORMATS[format].read(dir))]).toEqual([format, key(byDefault.images)]);
      }
      const coco = JSON.parse(readFileSync(join(out, 'coco', 'annotations.json'), 'utf8'));
      expect(coco.annotations[0]).toMatchObject({ bbox: [288, 134, 51, 26], iscrowd: 0, category_id: 1 });
      expect(coco.annotations[0].area).toBe(byName(byDefault, 'benign (1).png').boxes[0].area);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
