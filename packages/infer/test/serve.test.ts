/**
 * `createDetectServer` over real HTTP on 127.0.0.1 (port 0), driven with Node's fetch and FormData:
 * good PNG and JPEG uploads, every kind of bad upload, a full queue, shutdown with a request in
 * flight, and no stack traces or file paths in any answer. The small fixture model keeps it fast;
 * one test opens the bundled BUSI model.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { createDetectServer, isLoopbackHost, type DetectResponse, type DetectServer } from '@bus-tools/infer';
import { FIXTURES, MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';
import { jpegClaiming, pngClaiming } from '../../../fixtures/png-encode.js';

const MODEL = join(MODELS, 'retinanet-tfod.onnx');
const PNG = readFileSync(join(SAMPLE_BUSI, 'malignant', 'malignant (1).png'));


const form = (bytes: Uint8Array, field = 'image', name = 'scan.png') => {
  const f = new FormData();
  f.append(field, new Blob([bytes]), name);
  return f;
};

/** The body of an error answer (server.ts's `HttpError`). */
interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}
const detectBody = async (r: Response) => (await r.json()) as DetectResponse;
const errorBody = async (r: Response) => (await r.json()) as ErrorBody;

/** What an error answer must never contain: stack frames, source files, directories of this machine. */
function expectNoLeak(text: string) {
  expect(text).not.toMatch(/\n\s+at |\bat .+:\d+:\d+|\.ts\b|\.js:\d|node_modules/);
  expect(text).not.toContain(FIXTURES);
  expect(text).not.toContain('/work/');
  expect(text).not.toContain(process.cwd());
}

let server: DetectServer;
let url: string;
const warnings: string[] = [];

beforeAll(async () => {
  server = await createDetectServer({ model: MODEL, port: 0, device: 'cpu', threshold: 0.5, maxUploadBytes: 256 * 1024, maxPixels: 4_000_000, onWarning: (m) => warnings.push(m) });
  url = await server.listen();
});
afterAll(() => server.close());

describe('POST /api/detect', () => {
  test('a PNG in the multipart field "image": size, model, detections with COCO bboxes, timing', async () => {
    const r = await fetch(`${url}api/detect`, { method: 'POST', body: form(PNG) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await detectBody(r);
    expect(body).toMatchObject({ width: 310, height: 240, format: 'png', model: 'retinanet-tfod.onnx', device: 'cpu', threshold: 0.5 });
    expect(body.detections).toEqual([{ label: 'malignant', classId: 2, score: expect.closeTo(0.8566, 3), bbox: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)] }]);
    const [x, y, w, h] = body.detections[0].bbox;
    expect([x, y, x + w, y + h].every((v) => v >= 0)).toBe(true);
    expect(x + w).toBeLessThanOrEqual(310);
    expect(body.timing).toEqual({ queueMs: expect.any(Number), decodeMs: expect.any(Number), modelMs: expect.any(Number), totalMs: expect.any(Number) });
    expect(warnings).toEqual([]);
  });

  test('the raw image as the body, whatever content type it claims; ?threshold= goes down to the floor', async () => {
    const r = await fetch(`${url}api/detect?threshold=0.05`, { method: 'POST', body: PNG, headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(200);
    const body = await detectBody(r);
    expect(body.threshold).toBe(0.05);
    expect(body.detections.length).toBeGreaterThan(1);
    expect(body.detections.every((d: { score: number }) => d.score >= 0.05)).toBe(true);
    // best first, and the 0.5 answer is the head of this one
    const scores = body.detections.map((d: { score: number }) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.filter((s: number) => s >= 0.5)).toHaveLength(1);
  });

  test('a JPEG (made with sharp): the same lesion found', async () => {
    const jpeg = await sharp(PNG).jpeg({ quality: 95 }).toBuffer();
    const r = await fetch(`${url}api/detect`, { method: 'POST', body: form(jpeg, 'image', 'scan.jpg') });
    expect(r.status).toBe(200);
    const body = await detectBody(r);
    expect(body).toMatchObject({ width: 310, height: 240, format: 'jpeg' });
    expect(body.detections.map((d: { label: string }) => d.label)).toEqual(['malignant']);
  });

  test.each([
    ['a text file', 415, 'NOT_AN_IMAGE', /not a PNG or JPEG image \(judged from its first bytes/, Buffer.from('hello, this is not an image\n')],
    ['a GIF', 415, 'NOT_AN_IMAGE', /not a PNG or JPEG/, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
    ['a PNG cut short', 400, 'CORRUPT_IMAGE', /^the upload: truncated PNG: .+; re-download or re-export it$/, PNG.subarray(0, 200)],
    ['a PNG with a broken header', 400, 'CORRUPT_IMAGE', /corrupt PNG: the first chunk is "JUNK", not IHDR/, Buffer.concat([PNG.subarray(0, 12), Buffer.from('JUNK'), PNG.subarray(16)])],
    ['a JPEG signature and nothing else', 400, 'CORRUPT_IMAGE', /truncated JPEG/, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00])],
    ['a PNG header claiming 50000 x 50000 pixels', 413, 'TOO_MANY_PIXELS', /^the image is 50000x50000 = 2500000000 pixels, more than the limit of 4000000 \(--max-pixels\); nothing was decoded$/, pngClaiming(50000, 50000)],
    ['a JPEG with too many pixels', 413, 'TOO_MANY_PIXELS', /10000x10000/, jpegClaiming(10000, 10000)],
    ['an empty body', 400, 'NO_IMAGE', /no image in the request; send it as the multipart field "image"/, Buffer.alloc(0)],
  ])('%s → %d %s, a clear message, nothing leaked', async (_name, status, code, message, bytes) => {
    for (const body of [form(bytes), bytes]) {
      if (bytes.length === 0 && body instanceof FormData) continue;
      const r = await fetch(`${url}api/detect`, { method: 'POST', body });
      const text = await r.text();
      expect(r.status).toBe(status);
      const json = JSON.parse(text);
      expect(json).toEqual({ statusCode: status, code, error: expect.any(String), message: expect.stringMatching(message) });
      expectNoLeak(text);
    }
  });

  test('an upload over the byte limit → 413, as a form or a raw body', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(300 * 1024)]);
    for (const body of [form(big), big]) {
      const r = await fetch(`${url}api/detect`, { method: 'POST', body });
      expect(r.status).toBe(413);
      expect(await r.json()).toMatchObject({ code: 'UPLOAD_TOO_LARGE', message: "the upload is larger than the server's limit of 256 KiB (--max-upload-mb)" });
    }
  });

  test('a form without the "image" field, a bad threshold, another web page → 400, 400, 403', async () => {
    let r = await fetch(`${url}api/detect`, { method: 'POST', body: form(PNG, 'file') });
    expect([r.status, (await errorBody(r)).message]).toEqual([400, 'the form\'s file is in the field "file"; send it in a field named "image"']);
    r = await fetch(`${url}api/detect?threshold=0.01`, { method: 'POST', body: PNG });
    expect([r.status, (await errorBody(r)).message]).toEqual([400, 'Expected number between 0.05 and 1 for threshold but received "0.01"']);
    r = await fetch(`${url}api/detect`, { method: 'POST', body: form(PNG), headers: { origin: 'http://evil.example' } });
    expect([r.status, (await errorBody(r)).code]).toEqual([403, 'CROSS_ORIGIN']);
    // the server is fine afterwards
    r = await fetch(`${url}api/detect`, { method: 'POST', body: PNG });
    expect(r.status).toBe(200);
  });

  test('bound to loopback, a request naming another host (DNS rebinding) → 403', async () => {
    const { port } = server.address();
    const answer = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/model', headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const evil = await answer(`evil.example:${port}`);
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ code: 'WRONG_HOST', message: `this server answers to 127.0.0.1 and localhost only, not to "evil.example:${port}"` });
    expect((await answer(`localhost:${port}`)).status).toBe(200);
    expect((await answer(`[::1]:${port}`)).status).toBe(200);
  });
});

describe('GET /api/health, /api/model, the page', () => {
  test('health: ok, the queue', async () => {
    const r = await fetch(`${url}api/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', model: 'retinanet-tfod.onnx', device: 'cpu', queue: { running: 0, waiting: 0 } });
  });

  test('model: file name only, layout, input size, labels with the colours of draw.ts, limits', async () => {
    const r = await fetch(`${url}api/model`);
    const text = await r.text();
    expect(JSON.parse(text)).toMatchObject({
      model: 'retinanet-tfod.onnx',
      isDefaultModel: false,
      layout: 'tfod',
      inputWidth: 320,
      inputHeight: 320,
      device: 'cpu',
      threshold: 0.5,
      minThreshold: 0.05,
      labels: [
        { classId: 1, label: 'benign', colour: '#00e5ff' },
        { classId: 2, label: 'malignant', colour: '#ff3df2' },
      ],
      limits: { maxUploadBytes: 256 * 1024, maxPixels: 4_000_000, queue: 8 },
    });
    expectNoLeak(text);
  });

  test('the page and its assets come from the server, with a strict content security policy', async () => {
    for (const [path, type] of [['', 'text/html'], ['app.js', 'text/javascript'], ['app.css', 'text/css']]) {
      const r = await fetch(`${url}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain(type);
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      const text = await r.text();
      expect(text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN, no external anything
    }
    const r = await fetch(`${url}nope`);
    expect(r.status).toBe(404);
    expectNoLeak(await r.text());
  });
});

describe('load and shutdown', () => {
  test('more concurrent requests than the queue holds: 503 with Retry-After for the rest, no crash', async () => {
    const small = await createDetectServer({ model: MODEL, port: 0, device: 'cpu', concurrency: 1, queue: 1 });
    const base = await small.listen();
    try {
      const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}api/detect`, { method: 'POST', body: PNG }).then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.json() }))));
      const ok = answers.filter((a) => a.status === 200);
      const busy = answers.filter((a) => a.status === 503);
      expect(ok.length + busy.length).toBe(10);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(busy.length).toBeGreaterThanOrEqual(1);
      for (const b of busy) {
        expect(b.retry).toBe('1');
        expect(b.body).toMatchObject({ statusCode: 503, code: 'BUSY', message: expect.stringMatching(/^busy: 1 images are being analysed and 1 are waiting; try again in a moment$/) });
      }
      expect(small.queue()).toMatchObject({ running: 0, waiting: 0, capacity: 2, refused: busy.length });
      // and it still answers
      const again = await fetch(`${base}api/detect`, { method: 'POST', body: PNG });
      expect(again.status).toBe(200);
      expect(small.stats()).toMatchObject({ detected: ok.length + 1, refused: busy.length, failed: 0 });
    } finally {
      await small.close();
    }
  });

  test('close() lets a request in flight finish, then refuses new connections', async () => {
    const s = await createDetectServer({ model: MODEL, port: 0, device: 'cpu' });
    const base = await s.listen();
    const pending = fetch(`${base}api/detect`, { method: 'POST', body: form(PNG) });
    while (s.queue().running === 0 && s.queue().waiting === 0) await new Promise((r) => setTimeout(r, 2));
    const closed = s.close();
    const r = await pending;
    expect(r.status).toBe(200);
    expect((await detectBody(r)).detections).toHaveLength(1);
    await closed;
    await expect(fetch(`${base}api/health`)).rejects.toThrow();
  });
});

describe('options', () => {
  test('bad options are refused before the model loads', async () => {
    await expect(createDetectServer({ model: MODEL, port: 70000 })).rejects.toThrow('Expected integer between 0 and 65535 for --port but received 70000');
    await expect(createDetectServer({ model: MODEL, threshold: 2 })).rejects.toThrow('Expected number between 0 and 1 for --threshold but received 2');
    await expect(createDetectServer({ model: MODEL, queue: -1 })).rejects.toThrow('Expected integer between 0 and 10000 for --queue but received -1');
  });

  test('a host that is not loopback gets a warning', async () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '::', '192.168.1.10', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false, false]);
    const seen: string[] = [];
    const s = await createDetectServer({ model: MODEL, host: '0.0.0.0', port: 0, onWarning: (m) => seen.push(m) });
    await s.close();
    expect(seen).toEqual(['listening on 0.0.0.0, not only on this machine: anyone who can reach it can upload images and see the results. Use --host 127.0.0.1 unless that is what you want.']);
  });

  test('the bundled BUSI model by default', async () => {
    const s = await createDetectServer({ port: 0, device: 'cpu' });
    const base = await s.listen();
    try {
      const info = await (await fetch(`${base}api/model`)).json();
      expect(info).toMatchObject({ model: 'busi-retinanet.onnx', name: 'bundled BUSI RetinaNet', isDefaultModel: true, labels: [{ label: 'benign' }, { label: 'malignant' }] });
      const r = await fetch(`${base}api/detect?threshold=0.05`, { method: 'POST', body: form(PNG) });
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ width: 310, height: 240, model: 'busi-retinanet.onnx', detections: expect.any(Array) });
    } finally {
      await s.close();
    }
  });
});
