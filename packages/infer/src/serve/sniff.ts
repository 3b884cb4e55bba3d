/**
 * What an upload is, from its bytes: PNG or JPEG by magic number (never the client's content type),
 * its size in pixels from the header, and its structure checked (a cut-off PNG or JPEG is refused) by
 * core's one image check, `checkImageBytes`, the verdict every command gives a file. Nothing is
 * decoded; `serve` applies its own pixel limit (`--max-pixels`) to the size.
 */
import { BusToolsError, checkImageBytes, errorCodeOf } from '@bus-tools/core';

export type UploadFormat = 'png' | 'jpeg';

export interface SniffedImage {
  format: UploadFormat;
  /** Size in pixels as the header declares it (JPEG: before EXIF orientation). */
  width: number;
  height: number;
}

/**
 * The format and declared size of an uploaded image.
 * @example sniffImage(pngBytes) // → { format: 'png', width: 500, height: 400 }
 * @throws BusToolsError `UNSUPPORTED_FORMAT` unless the bytes are a PNG or JPEG; `BAD_IMAGE` when the
 *   header or the structure is broken (as `checkImageBytes` says, naming "the upload").
 */
export function sniffImage(bytes: Uint8Array): SniffedImage {
  if (bytes.length === 0) throw new BusToolsError('UNSUPPORTED_FORMAT', 'the upload is empty (0 bytes); send a PNG or JPEG image');
  const notPngOrJpeg = () => new BusToolsError('UNSUPPORTED_FORMAT', 'the upload is not a PNG or JPEG image (judged from its first bytes, not its name or content type)');
  let checked;
  try {
    checked = checkImageBytes(bytes, 'the upload', { maxPixels: Infinity });
  } catch (err) {
    throw errorCodeOf(err, 'BAD_IMAGE') === 'UNSUPPORTED_FORMAT' ? notPngOrJpeg() : err;
  }
  const { format, width, height } = checked;
  if (format !== 'png' && format !== 'jpeg') throw notPngOrJpeg(); // WebP, TIFF, GIF: not taken here
  return { format, width, height };
}
