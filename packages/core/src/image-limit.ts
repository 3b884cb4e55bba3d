/**
 * The pixel limit every image and mask reader applies to the size a file's header declares, before
 * any pixel is decoded: a damaged or hostile header cannot make bus-tools allocate gigabytes.
 */
import { DEFAULT_MAX_PIXELS } from './constants.js';
import { BusToolsError, assertIntegerInRange } from './errors.js';

/**
 * Checks a `maxPixels` option: an integer from 1 up. `undefined` gives `DEFAULT_MAX_PIXELS`.
 * @throws BusToolsError `INVALID_PARAMETER` in sharp's wording.
 */
export function maxPixelsOption(value: unknown, name = 'maxPixels'): number {
  return value === undefined ? DEFAULT_MAX_PIXELS : assertIntegerInRange(name, value, 1, Number.MAX_SAFE_INTEGER);
}

/**
 * Throws unless `width × height` is at most `maxPixels`.
 * @example assertPixelLimit(20000, 20000, 'big.png', DEFAULT_MAX_PIXELS) // throws IMAGE_TOO_LARGE
 * @throws BusToolsError `IMAGE_TOO_LARGE` naming `file`.
 */
export function assertPixelLimit(width: number, height: number, file: string | undefined, maxPixels: number = DEFAULT_MAX_PIXELS): void {
  const pixels = width * height;
  if (pixels <= maxPixels) return;
  const limit = maxPixels === DEFAULT_MAX_PIXELS ? `${maxPixels} (16383x16383, bus-tools' DEFAULT_MAX_PIXELS)` : `${maxPixels} (maxPixels)`;
  throw new BusToolsError(
    'IMAGE_TOO_LARGE',
    `${file ?? 'image'}: ${width}x${height} = ${pixels} pixels, more than the limit of ${limit}; its pixels were not read. No ultrasound scan is this large: check that it is the right file, or downscale it.`,
    { file },
  );
}
