/**
 * COCO object-detection JSON: `images`, `annotations` with `bbox = [x, y, w, h]` in pixels, `area`
 * (the lesion's pixel count when boxes come from masks) and `iscrowd = 0`, and `categories`.
 */
import { xywhToXyxy, xyxyArea, xyxyToXywh, type Detection } from '../box.js';
import { BusToolsError } from '../errors.js';
import type { AnnotatedImage, Category } from '../dataset/types.js';

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
  [extra: string]: unknown;
}
export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}
export interface CocoDataset {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
  info?: Record<string, unknown>;
}

/**
 * Images get ids 1…n in the given order, annotations 1…m. A box's category is its `classId`, else
 * the category named by its `label`.
 */
export function toCoco(images: readonly AnnotatedImage[], categories: readonly Category[]): CocoDataset {
  const categoryIds = cocoCategoryIds(categories);
  const out: CocoDataset = {
    info: { description: 'Exported by bus-tools', date_created: new Date().toISOString().slice(0, 10) },
    images: [],
    annotations: [],
    categories: categories.map((c) => ({ id: c.id, name: c.name, supercategory: 'lesion' })),
  };
  images.forEach((img, i) => {
    const entries = cocoEntries(img, i + 1, out.annotations.length + 1, categoryIds, categories);
    out.images.push(entries.image);
    out.annotations.push(...entries.annotations);
  });
  return out;
}

/** Category name → id, for `cocoEntries`. */
export function cocoCategoryIds(categories: readonly Category[]): ReadonlyMap<string, number> {
  return new Map(categories.map((c) => [c.name, c.id]));
}

/**
 * One image's COCO entries: the image with id `imageId` and its boxes as annotations numbered from
 * `firstAnnotationId` (what `toCoco` makes of each image, for writers that go an image at a time).
 * @throws BusToolsError `UNKNOWN_CLASS` for a box whose class is not among `categories`.
 */
export function cocoEntries(
  img: AnnotatedImage,
  imageId: number,
  firstAnnotationId: number,
  categoryIds: ReadonlyMap<string, number>,
  categories: readonly Category[],
): { image: CocoImage; annotations: CocoAnnotation[] } {
  const annotations: CocoAnnotation[] = [];
  for (const b of img.boxes) {
    const categoryId = b.classId ?? categoryIds.get(b.label ?? img.label ?? '');
    if (categoryId === undefined) throw new BusToolsError('UNKNOWN_CLASS', `${img.fileName}: box label "${b.label}" is not one of the categories (${categories.map((c) => c.name).join(', ')})`);
    annotations.push({
      id: firstAnnotationId + annotations.length,
      image_id: imageId,
      category_id: categoryId,
      bbox: xyxyToXywh(b.xyxy),
      area: b.area ?? xyxyArea(b.xyxy),
      iscrowd: 0,
    });
  }
  return { image: { id: imageId, file_name: img.fileName, width: img.width, height: img.height }, annotations };
}

/**
 * Reads a COCO detection dataset back into `AnnotatedImage`s (in `images` order; the COCO image id
 * is kept in `cocoId`). Crowd annotations are kept and flagged with `iscrowd`.
 * @throws BusToolsError `BAD_COCO` naming `file` when the shape is wrong.
 */
export function fromCoco(json: unknown, file = 'COCO JSON'): { images: Array<AnnotatedImage & { cocoId: number }>; categories: Category[] } {
  const d = json as Partial<CocoDataset>;
  if (!d || typeof d !== 'object' || !Array.isArray(d.images) || !Array.isArray(d.annotations)) {
    throw new BusToolsError('BAD_COCO', `${file}: not a COCO dataset (expected an object with "images" and "annotations" arrays)`, { file });
  }
  const categories = (d.categories ?? []).map((c) => ({ id: c.id, name: c.name }));
  const catName = new Map(categories.map((c) => [c.id, c.name]));
  const byId = new Map<number, AnnotatedImage & { cocoId: number }>();
  const images = d.images.map((im) => {
    const img = { fileName: im.file_name, width: im.width, height: im.height, boxes: [] as Detection[], cocoId: im.id };
    byId.set(im.id, img);
    return img;
  });
  for (const a of d.annotations) {
    const img = byId.get(a.image_id);
    if (!img) throw new BusToolsError('BAD_COCO', `${file}: annotation ${a.id} refers to image_id ${a.image_id}, which is not in "images"`, { file });
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4) throw new BusToolsError('BAD_COCO', `${file}: annotation ${a.id} has no [x, y, w, h] bbox`, { file });
    const det: Detection & { iscrowd?: number } = { xyxy: xywhToXyxy(a.bbox), classId: a.category_id, area: a.area };
    const name = catName.get(a.category_id);
    if (name !== undefined) det.label = name;
    if (a.iscrowd) det.iscrowd = 1;
    img.boxes.push(det);
  }
  return { images, categories };
}
