/**
 * Small JPEG thumbnails for the report's gallery, as data URIs (the report must open without the
 * images beside it). Images are read through core's image module (`loadSharp`), four at a time.
 */
import { describeError } from '../../errors.js';
import { loadSharp } from '../../image.js';

export interface Thumbnail {
  dataUri: string;
  /** The original image's size in pixels (box coordinates refer to it). */
  width: number;
  height: number;
}

/**
 * A JPEG thumbnail whose longer side is at most `maxSide` pixels, as a `data:image/jpeg;base64,…` URI.
 * @example (await thumbnail('benign (1).png', 320)).dataUri.startsWith('data:image/jpeg;base64,')
 */
export async function thumbnail(path: string, maxSide = 320): Promise<Thumbnail> {
  const sharp = (await loadSharp()).default;
  const img = sharp(path);
  const meta = await img.metadata();
  const buf = await img.rotate().resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 72 }).toBuffer();
  return { dataUri: `data:image/jpeg;base64,${buf.toString('base64')}`, width: meta.width ?? 0, height: meta.height ?? 0 };
}

/** Thumbnails for many images (`concurrency` at a time); a failure becomes a note, not an error. */
export async function thumbnails(
  paths: ReadonlyMap<number, string>,
  maxSide: number,
  onEach: () => void = () => {},
  concurrency = 4,
): Promise<{ thumbs: Map<number, Thumbnail>; notes: string[] }> {
  const thumbs = new Map<number, Thumbnail>();
  const notes: string[] = [];
  const queue = [...paths];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [id, path] = next;
      try {
        thumbs.set(id, await thumbnail(path, maxSide));
      } catch (err) {
        notes.push(`${path}: no thumbnail (${describeError(err)})`);
      }
      onEach();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { thumbs, notes };
}
