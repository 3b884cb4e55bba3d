/**
 * Decoded pixels of an image file, through sharp (the sibling of image.ts, which reads sizes only).
 * Lint and split read every image once through here.
 */
import { BusToolsError, describeError } from './errors.js';
import { checkImage, loadSharp, type CheckImageOptions } from './image.js';
import { maxPixelsOption } from './image-limit.js';

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major 8-bit RGB, `3 * width * height` bytes (alpha dropped, gray expanded). */
  data: Uint8Array;
}

/**
 * Decodes an image file to 8-bit RGB. Gray images are expanded to three equal channels, alpha is
 * dropped, 16-bit samples are reduced to 8 bits.
 *
 * @example
 *   const { width, height, data } = await readImageRgb('benign (1).png'); // data.length = 3 * width * height
 * The file passes `checkImage` first, so it gets the same verdict as everywhere else.
 * @throws BusToolsError as `checkImage`; `BAD_IMAGE` naming the file when decoding fails.
 */
export async function readImageRgb(path: string, options: CheckImageOptions = {}): Promise<RgbImage> {
  const maxPixels = maxPixelsOption(options.maxPixels);
  await checkImage(path, { maxPixels });
  const sharp = (await loadSharp()).default;
  try {
    const { data, info } = await sharp(path, { failOn: 'truncated', limitInputPixels: maxPixels })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (cause) {
    throw new BusToolsError('BAD_IMAGE', `${path}: not a readable image (${describeError(cause)}); re-download or re-export it`, { file: path, cause });
  }
}
