/**
 * The pure parts of `serve`: what an upload is from its first bytes, and the bounded queue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createWorkQueue, sniffImage } from '@bus-tools/infer';
import { SAMPLE_BUSI } from '../../../fixtures/index.js';

const PNG = readFileSync(join(SAMPLE_BUSI, 'benign', 'benign (1).png'));

describe('sniffImage', () => {
  test('PNG and JPEG (baseline and progressive, with EXIF before the frame) by magic bytes, size from the header', async () => {
    expect(sniffImage(PNG)).toEqual({ format: 'png', width: 300, height: 230 });
    const jpeg = await sharp(PNG).jpeg().toBuffer();
    expect(sniffImage(jpeg)).toEqual({ format: 'jpeg', width: 300, height: 230 });
    const progressive = await sharp(PNG).resize(123, 45, { fit: 'fill' }).withMetadata({ orientation: 6 }).jpeg({ progressive: true }).toBuffer();
    expect(sniffImage(progressive)).toEqual({ format: 'jpeg', width: 123, height: 45 });
  });

  // A JPEG made of segments only: SOI, [fill byte, RST0], a frame header (SOF2 with the size and
  // padding to its length), a scan header with no data, EOI.
  const jpegOf = (...segments: number[][]) => Buffer.from([0xff, 0xd8, ...segments.flat(), 0xff, 0xd9]);
  const frame = (marker: number, height: number, width: number) => [0xff, marker, 0x00, 0x11, 0x08, height >> 8, height & 255, width >> 8, width & 255, ...Array(10).fill(0)];
  const scan = [0xff, 0xda, 0x00, 0x02];

  test.each([
    ['empty', 'UNSUPPORTED_FORMAT', 'the upload is empty (0 bytes); send a PNG or JPEG image', Buffer.alloc(0)],
    ['text', 'UNSUPPORTED_FORMAT', 'the upload is not a PNG or JPEG image (judged from its first bytes, not its name or content type)', Buffer.from('<html>')],
    ['WebP', 'UNSUPPORTED_FORMAT', /not a PNG or JPEG/, Buffer.from('RIFF\0\0\0\0WEBPVP8 ')],
    ['a PNG signature only', 'BAD_IMAGE', 'the upload: truncated PNG: the file ends inside the header', PNG.subarray(0, 8)],
    ['a PNG cut short (header intact)', 'BAD_IMAGE', /^the upload: truncated PNG: /, PNG.subarray(0, 200)],
    ['a PNG copied in text mode (\\r\\n → \\n)', 'BAD_IMAGE', /^the upload: damaged PNG signature/, Buffer.concat([PNG.subarray(0, 4), Buffer.from('\n\x1a\n'), PNG.subarray(8)])],
    ['a JPEG with a zero length segment', 'BAD_IMAGE', /corrupt JPEG: segment length 0/, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00])],
    ['a JPEG whose scan starts before any frame', 'BAD_IMAGE', /corrupt JPEG: no frame header before the image data/, jpegOf(scan)],
    ['a JPEG frame of height 0 (DNL)', 'BAD_IMAGE', /corrupt or unsupported JPEG: frame size 256x0/, jpegOf(frame(0xc0, 0, 256), scan)],
    ['a JPEG without its end (cut off while copying)', 'BAD_IMAGE', /truncated JPEG: the end-of-image marker is missing/, jpegOf(frame(0xc0, 2, 3), scan).subarray(0, -2)],
  ])('%s → %s', (_name, code, message, bytes) => {
    expect(() => sniffImage(bytes)).toThrow(expect.objectContaining({ code, message: typeof message === 'string' ? message : expect.stringMatching(message) }));
  });

  test('a JPEG frame header after fill bytes and a standalone marker', () => {
    expect(sniffImage(jpegOf([0xff, 0xff, 0xd0], frame(0xc2, 0x0102, 0x0304), scan))).toEqual({ format: 'jpeg', width: 0x0304, height: 0x0102 });
  });

  test('no pixel limit here: serve applies its own (--max-pixels, 413)', () => {
    expect(sniffImage(jpegOf(frame(0xc0, 60000, 60000), scan))).toEqual({ format: 'jpeg', width: 60000, height: 60000 });
  });
});

describe('createWorkQueue', () => {
  test('runs at most `concurrency` at once, first come first served; admits concurrency + maxWaiting', async () => {
    const q = createWorkQueue({ concurrency: 2, maxWaiting: 1 });
    expect([q.admit(), q.admit(), q.admit(), q.admit()]).toEqual([true, true, true, false]);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = (name: string) => q.run(async () => {
      order.push(`start ${name}`);
      await gate;
      order.push(`end ${name}`);
    });
    const all = Promise.all([job('a'), job('b'), job('c')]);
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['start a', 'start b']);
    expect(q.stats()).toEqual({ running: 2, waiting: 1, capacity: 3, refused: 1 });
    release();
    await all;
    expect(order.slice(2)).toEqual(['end a', 'end b', 'start c', 'end c']);
    q.leave();
    q.leave();
    q.leave();
    expect(q.stats()).toEqual({ running: 0, waiting: 0, capacity: 3, refused: 1 });
    expect(q.admit()).toBe(true);
  });

  test('a job that throws frees its slot', async () => {
    const q = createWorkQueue({ concurrency: 1, maxWaiting: 0 });
    await expect(q.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(q.run(async () => 42)).resolves.toBe(42);
  });
});
