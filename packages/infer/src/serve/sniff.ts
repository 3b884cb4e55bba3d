/**
 * What an upload is, from its first bytes: PNG or JPEG by magic number (never the client's content
 * type), and its size in pixels from the header, so an oversized image is refused before anything
 * is decoded. Pure functions over bytes; no image library.
 */
import { BusToolsError, readPngHeader } from '@bus-tools/core';

export type UploadFormat = 'png' | 'jpeg';

export interface SniffedImage {
  format: UploadFormat;
  /** Size in pixels as the header declares it (JPEG: before EXIF orientation). */
  width: number;
  height: number;
}

/** True when `bytes` start with the JPEG SOI marker followed by another marker (`FF D8 FF`). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

// Start-of-frame markers (baseline, progressive, lossless, arithmetic…); C4 DHT, C8 JPG and CC DAC are not frames.
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

const corrupt = (message: string) => new BusToolsError('BAD_IMAGE', message);

/**
 * Width and height of a JPEG from its start-of-frame segment (walks the marker segments; reads no
 * entropy-coded data).
 * @example readJpegSize(readFileSync('scan.jpg')) // → { width: 500, height: 375 }
 * @throws BusToolsError `BAD_IMAGE` when the markers are broken or no frame header comes before the scan.
 */
export function readJpegSize(bytes: Uint8Array): { width: number; height: number } {
  if (!isJpeg(bytes)) throw corrupt('not a JPEG file (the JPEG signature is missing)');
  let pos = 2;
  while (pos < bytes.length) {
    if (bytes[pos] !== 0xff) throw corrupt(`corrupt JPEG: expected a marker at byte ${pos}`);
    while (bytes[pos] === 0xff) pos++; // fill bytes
    const marker = bytes[pos++];
    if (marker === undefined) break;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) throw corrupt('corrupt JPEG: no frame header before the image data');
    if (pos + 2 > bytes.length) break;
    const length = (bytes[pos] << 8) | bytes[pos + 1];
    if (length < 2) throw corrupt(`corrupt JPEG: segment length ${length}`);
    if (SOF.has(marker)) {
      if (pos + 7 > bytes.length) break;
      const height = (bytes[pos + 3] << 8) | bytes[pos + 4];
      const width = (bytes[pos + 5] << 8) | bytes[pos + 6];
      if (width === 0 || height === 0) throw corrupt(`corrupt or unsupported JPEG: frame size ${width}x${height}`);
      return { width, height };
    }
    pos += length;
  }
  throw corrupt('truncated JPEG: the file ends before the frame header');
}

/**
 * The format and declared size of an uploaded image.
 * @example sniffImage(pngBytes) // → { format: 'png', width: 500, height: 400 }
 * @throws BusToolsError `UNSUPPORTED_FORMAT` unless the bytes are a PNG or JPEG; `BAD_IMAGE` when the
 *   header is broken.
 */
export function sniffImage(bytes: Uint8Array): SniffedImage {
  if (bytes.length === 0) throw new BusToolsError('UNSUPPORTED_FORMAT', 'the upload is empty (0 bytes); send a PNG or JPEG image');
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    try {
      const h = readPngHeader(bytes);
      return { format: 'png', width: h.width, height: h.height };
    } catch (cause) {
      throw new BusToolsError('BAD_IMAGE', cause instanceof Error ? cause.message : String(cause), { cause });
    }
  }
  if (isJpeg(bytes)) return { format: 'jpeg', ...readJpegSize(bytes) };
  throw new BusToolsError('UNSUPPORTED_FORMAT', 'the upload is not a PNG or JPEG image (judged from its first bytes, not its name or content type)');
}
