/**
 * `bus-tools serve` as a library: an HTTP server (fastify) that loads a detector once and serves a
 * web page and a JSON API for it.
 *
 * Safe by default: loopback only unless told otherwise; uploads kept in memory (never written to
 * disk) up to a byte limit; the format from magic bytes, never from the client's content type; the
 * pixel count checked from the header before anything is decoded; a bounded queue in front of the
 * model (503 + Retry-After when full); error responses carry a code and a message, never a stack
 * trace or a file path; `close()` lets the requests in flight finish.
 */
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { basename } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BusToolsError, SERVE_DEFAULTS, assertIntegerInRange, checkArgument, checkThreshold, describeError, invalidParameterError, isRecord } from '@bus-tools/core';
import { DEFAULT_MODEL } from '../default-model.js';
import { openDetector, type Detector, type DetectorOptions } from '../detector.js';
import { CLASS_COLOURS, classColour } from '../draw.js';
import { decodeBufferForModel } from '../image.js';
import { roundTo } from '../outputs.js';
import { createWorkQueue, type QueueStats } from './queue.js';
import type { UploadFormat } from './sniff.js';
import { formatBytes, hostnameOf, HttpError, type ApiDetection, isLoopbackHost, ms, readUpload, safeHost, sniffOrReject, toApiDetection } from './http.js';

export { HttpError, isLoopbackHost, toApiDetection, type ApiDetection } from './http.js';

export { SERVE_DEFAULTS };

export interface DetectServerOptions extends Omit<DetectorOptions, 'threshold' | 'onWarning'> {
  /** An open detector to serve (then `model`, `layout`, `device`, … are ignored and `close()` leaves it open). */
  detector?: Detector;
  /** Address to listen on; default `127.0.0.1`. Anything that is not loopback gets a warning. */
  host?: string;
  /** Port; default 8080, 0 for any free port. */
  port?: number;
  /** Default score threshold of the API and the page's slider, 0–1; default 0.5. */
  threshold?: number;
  /** Lowest threshold the API accepts, 0–1; default 0.05 (or `threshold` when that is lower). */
  minThreshold?: number;
  /** Largest upload in bytes (413 above); default 20 MiB. */
  maxUploadBytes?: number;
  /** Largest image in pixels, width × height from the header (413 above); default 25 000 000. */
  maxPixels?: number;
  /** Requests that may wait beyond those running (503 above); default 8. */
  queue?: number;
  /** Requests that run decode → model at once; default the detector's `inFlight` (2 per CPU worker session), at least 2. */
  concurrency?: number;
  requestTimeoutMs?: number;
  /** Non-fatal notes: a non-loopback host, label-map gaps. */
  onWarning?: (message: string) => void;
  /** Errors the client was not told the details of (500s), for the server's log. */
  onError?: (error: unknown) => void;
}


/** The body of a successful `POST /api/detect`. */
export interface DetectResponse {
  width: number;
  height: number;
  format: UploadFormat;
  /** The model's file name (no directory). */
  model: string;
  device: 'cpu' | 'cuda';
  /** Detections have `score >= threshold`, best first. */
  threshold: number;
  detections: ApiDetection[];
  /**
   * Milliseconds: waiting for a model slot, decoding and resizing, the model (pre- and postprocessing
   * included), and the whole request from its body being read to the answer.
   */
  timing: { queueMs: number; decodeMs: number; modelMs: number; totalMs: number };
}

/** The body of `GET /api/model`. */
export interface ModelInfo {
  model: string;
  name: string;
  isDefaultModel: boolean;
  layout: string;
  inputWidth: number;
  inputHeight: number;
  device: 'cpu' | 'cuda';
  sessions: number;
  threshold: number;
  minThreshold: number;
  labels: Array<{ classId: number; label: string; colour: string }>;
  /** Class `n` is drawn in `colours[(n - 1) % colours.length]` (draw.ts's `classColour`). */
  colours: readonly string[];
  limits: { maxUploadBytes: number; maxPixels: number; queue: number; concurrency: number };
}

/** Counts since the start, for the summary line on shutdown. */
export interface ServeStats {
  /** `POST /api/detect` requests answered, by outcome. */
  detected: number;
  rejected: number;
  refused: number;
  failed: number;
  /** Mean wall time of the successful detect requests, ms. */
  meanMs: number;
  startedAt: Date;
}

export interface DetectServer {
  /** Starts listening; resolves to the URL, e.g. `http://127.0.0.1:8080/`. */
  listen(): Promise<string>;
  /** Stops accepting connections, finishes the requests in flight, then releases the model (when it opened it). */
  close(): Promise<void>;
  /** Where it listens (after `listen`). */
  address(): { host: string; port: number; url: string };
  readonly detector: Detector;
  info(): ModelInfo;
  stats(): ServeStats;
  queue(): QueueStats;
}

const WEB = new URL('../../web/', import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

// Everything the page needs comes from this server: no CDN, no inline script, no framing.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * A server for one detector: the page at `/`, `POST /api/detect`, `GET /api/health`, `GET /api/model`.
 * Validates every option and opens the model before it resolves; `listen()` then starts it.
 *
 * @example
 *   const server = await createDetectServer({ model: 'model.onnx', port: 0 });
 *   const url = await server.listen(); // http://127.0.0.1:40123/
 *   // curl -F image=@scan.png ${url}api/detect
 *   await server.close();
 * @throws BusToolsError `INVALID_PARAMETER` for a bad option, and whatever `openDetector` throws.
 */
export async function createDetectServer(options: DetectServerOptions = {}): Promise<DetectServer> {
  checkArgument('createDetectServer', options, isRecord, 'an options object such as { model: "model.onnx", port: 8080 }');
  const host = options.host ?? SERVE_DEFAULTS.host;
  if (typeof host !== 'string' || host.length === 0) throw invalidParameterError('--host', 'a host name or IP address', host);
  const port = assertIntegerInRange('--port', options.port ?? SERVE_DEFAULTS.port, 0, 65535);
  const threshold = checkThreshold('--threshold', options.threshold ?? SERVE_DEFAULTS.threshold);
  const minThreshold = Math.min(threshold, checkThreshold('minThreshold', options.minThreshold ?? SERVE_DEFAULTS.minThreshold));
  const maxUploadBytes = assertIntegerInRange('maxUploadBytes', options.maxUploadBytes ?? SERVE_DEFAULTS.maxUploadBytes, 1024, 1024 ** 3);
  const maxPixels = assertIntegerInRange('--max-pixels', options.maxPixels ?? SERVE_DEFAULTS.maxPixels, 1, 0x3fff * 0x3fff);
  const maxWaiting = assertIntegerInRange('--queue', options.queue ?? SERVE_DEFAULTS.queue, 0, 10000);
  const requestTimeoutMs = assertIntegerInRange('requestTimeoutMs', options.requestTimeoutMs ?? SERVE_DEFAULTS.requestTimeoutMs, 1000, 3_600_000);
  if (options.concurrency !== undefined) assertIntegerInRange('concurrency', options.concurrency, 1, 1024);
  const warn = options.onWarning ?? (() => {});
  if (!isLoopbackHost(host)) {
    warn(`listening on ${host}, not only on this machine: anyone who can reach it can upload images and see the results. Use --host 127.0.0.1 unless that is what you want.`);
  }

  const ownsDetector = !options.detector;
  const detector =
    options.detector ??
    (await openDetector({
      ...options,
      sessions: options.sessions ?? 'auto',
      // The page filters on the client, so the model keeps everything down to the floor.
      threshold: minThreshold,
      onWarning: warn,
    }));
  try {
    if (detector.threshold > minThreshold) {
      throw invalidParameterError('minThreshold', `a value >= the detector's threshold ${detector.threshold}`, minThreshold);
    }
    // At least 2, so one image decodes while another is in the model even with a single session.
    const queue = createWorkQueue({ concurrency: options.concurrency ?? Math.max(2, detector.inFlight), maxWaiting });
    const modelFile = basename(detector.model);
    const labelIds = new Set<number>([...(detector.labels?.keys() ?? [])].filter((id) => id > 0));
    const info: ModelInfo = {
      model: modelFile,
      name: detector.isDefaultModel ? DEFAULT_MODEL.name : modelFile,
      isDefaultModel: detector.isDefaultModel,
      layout: detector.layout.name,
      inputWidth: detector.inputWidth,
      inputHeight: detector.inputHeight,
      device: detector.device,
      sessions: detector.sessions,
      threshold,
      minThreshold,
      labels: [...labelIds].sort((a, b) => a - b).map((classId) => ({ classId, label: detector.labels!.get(classId)!, colour: classColour(classId) })),
      colours: CLASS_COLOURS,
      limits: { maxUploadBytes, maxPixels, queue: maxWaiting, concurrency: queue.concurrency },
    };
    const stats = { detected: 0, rejected: 0, refused: 0, failed: 0, totalMs: 0, startedAt: new Date() };
    const assets = new Map(Object.entries(ASSETS).map(([route, a]) => [route, { body: readFileSync(new URL(a.file, WEB)), type: a.type }]));

    const { default: Fastify } = await import('fastify');
    const { default: multipart } = await import('@fastify/multipart');
    const app: FastifyInstance = Fastify({
      logger: false,
      bodyLimit: maxUploadBytes,
      requestTimeout: requestTimeoutMs,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
    });

    // Bodies: multipart (the page, curl -F) or the raw image (curl --data-binary); never parsed by type.
    app.removeAllContentTypeParsers();
    await app.register(multipart, { limits: { fileSize: maxUploadBytes, files: 1, fields: 8, parts: 9, fieldSize: 1024, headerPairs: 100 }, throwFileSizeLimit: true });
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) => done(null, body));

    let shuttingDown = false;
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      // A keep-alive connection would hold `close()` open after its last answer.
      if (shuttingDown) reply.header('connection', 'close');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    app.setErrorHandler((err: unknown, req, reply) => {
      const e = err as { statusCode?: number; code?: string; message?: string };
      let status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
      let code = typeof e.code === 'string' ? e.code : 'INTERNAL';
      let message: string;
      if (err instanceof HttpError) message = err.message;
      else if (status === 413 || code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        status = 413;
        code = 'UPLOAD_TOO_LARGE';
        message = `the upload is larger than the server's limit of ${formatBytes(maxUploadBytes)} (--max-upload-mb)`;
      } else if (status < 500) {
        // fastify's and the multipart parser's own messages name no files; keep them, without stacks.
        code = code.startsWith('FST_') ? 'BAD_REQUEST' : code;
        message = describeError(err).split('\n')[0].slice(0, 300);
      } else {
        status = 500;
        code = 'INTERNAL';
        message = 'internal error; the server log has the details';
        (options.onError ?? (() => {}))(err);
      }
      if (req.routeOptions.url === '/api/detect') {
        if (status >= 500) stats.failed++;
        else stats.rejected++;
      }
      return reply.code(status).type('application/json; charset=utf-8').send({ statusCode: status, code, error: STATUS_CODES[status] ?? 'Error', message });
    });

    app.setNotFoundHandler((req, reply) =>
      reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `no such page: ${req.method} ${req.url.split('?')[0].slice(0, 100)}` }),
    );

    for (const [route, asset] of assets) {
      app.get(route, (_req, reply) => reply.header('cache-control', 'no-cache').type(asset.type).send(asset.body));
    }
    app.get('/api/health', async () => ({ status: 'ok', model: modelFile, device: detector.device, queue: queue.stats(), uptimeSeconds: Math.round((Date.now() - stats.startedAt.getTime()) / 1000) }));
    app.get('/api/model', async () => info);

    // Bound to loopback, answer only to loopback names: a web page whose DNS name is made to point at
    // 127.0.0.1 (DNS rebinding) sends its own name in Host, and gets nothing.
    if (isLoopbackHost(host)) {
      app.addHook('onRequest', async (req, reply) => {
        const name = hostnameOf(req.headers.host);
        if (name !== undefined && isLoopbackHost(name)) return;
        if (req.url.startsWith('/api/detect')) stats.rejected++;
        return reply.code(403).send({ statusCode: 403, code: 'WRONG_HOST', error: 'Forbidden', message: `this server answers to 127.0.0.1 and localhost only, not to "${String(req.headers.host).slice(0, 60)}"` });
      });
    }

    // The place in the queue is taken before the upload is read, so a full server reads nothing.
    const admitted = new WeakSet<FastifyRequest>();
    app.addHook('onRequest', async (req, reply) => {
      if (req.routeOptions.url !== '/api/detect' || req.method !== 'POST') return;
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== 'null' && safeHost(origin) !== req.headers.host) {
        stats.rejected++;
        return reply.code(403).send({ statusCode: 403, code: 'CROSS_ORIGIN', error: 'Forbidden', message: 'requests from other web pages are refused; open the page this server serves' });
      }
      if (!queue.admit()) {
        stats.refused++;
        return reply
          .code(503)
          .header('retry-after', '1')
          .send({ statusCode: 503, code: 'BUSY', error: 'Service Unavailable', message: `busy: ${queue.concurrency} images are being analysed and ${maxWaiting} are waiting; try again in a moment` });
      }
      admitted.add(req);
    });
    app.addHook('onResponse', async (req) => {
      if (admitted.delete(req)) queue.leave();
    });
    // A client that goes away mid-upload gets no response: give its place back too.
    app.addHook('onRequestAbort', async (req) => {
      if (admitted.delete(req)) queue.leave();
    });

    app.post('/api/detect', async (req: FastifyRequest<{ Querystring: { threshold?: string } }>, reply: FastifyReply): Promise<DetectResponse> => {
      const t0 = process.hrtime.bigint();
      const asked = req.query.threshold;
      const t = asked === undefined ? threshold : Number(asked);
      if (asked !== undefined && (!/^\s*[\d.]+\s*$/.test(asked) || !(t >= minThreshold && t <= 1))) {
        throw new HttpError(400, 'INVALID_PARAMETER', `Expected number between ${minThreshold} and 1 for threshold but received ${JSON.stringify(String(asked).slice(0, 20))}`);
      }
      const bytes = await readUpload(req);
      const sniffed = sniffOrReject(bytes);
      if (sniffed.width * sniffed.height > maxPixels) {
        throw new HttpError(413, 'TOO_MANY_PIXELS', `the image is ${sniffed.width}x${sniffed.height} = ${sniffed.width * sniffed.height} pixels, more than the limit of ${maxPixels} (--max-pixels); nothing was decoded`);
      }
      let decodeMs = 0;
      let modelMs = 0;
      let queueMs = 0;
      const tQueue = process.hrtime.bigint();
      const { width, height, detections } = await queue.run(async () => {
        queueMs = ms(tQueue);
        const t1 = process.hrtime.bigint();
        let image;
        try {
          image = await decodeBufferForModel(bytes, detector.inputWidth, detector.inputHeight, { name: sniffed.format.toUpperCase(), maxPixels });
        } catch (err) {
          const why = describeError(err).replace(/^(PNG|JPEG): not a readable image /, '');
          throw new HttpError(400, 'CORRUPT_IMAGE', `the ${sniffed.format.toUpperCase()} could not be decoded ${why}; the file may be truncated or damaged`);
        }
        decodeMs = ms(t1);
        const t2 = process.hrtime.bigint();
        const dets = detector.postprocess(await detector.run(detector.preprocess(image)), image);
        modelMs = ms(t2);
        return { width: image.width, height: image.height, detections: dets };
      });
      const totalMs = ms(t0);
      stats.detected++;
      stats.totalMs += totalMs;
      reply.type('application/json; charset=utf-8');
      return {
        width,
        height,
        format: sniffed.format,
        model: modelFile,
        device: detector.device,
        threshold: t,
        detections: detections.filter((d) => (d.score ?? 1) >= t).map(toApiDetection),
        timing: { queueMs, decodeMs, modelMs, totalMs },
      };
    });

    let url = '';
    let listening: { host: string; port: number } | undefined;
    let closing: Promise<void> | undefined;
    return {
      detector,
      async listen() {
        await app.listen({ host, port });
        const a = app.server.address();
        const actualPort = typeof a === 'object' && a ? a.port : port;
        listening = { host, port: actualPort };
        url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/`;
        return url;
      },
      close() {
        closing ??= (async () => {
          shuttingDown = true;
          // Connections that fall idle while the last requests finish are closed too (fastify closes
          // those idle at the start only).
          const sweep = setInterval(() => app.server.closeIdleConnections?.(), 50);
          sweep.unref();
          try {
            await app.close();
          } finally {
            clearInterval(sweep);
          }
          if (ownsDetector) await detector.close();
        })();
        return closing;
      },
      address() {
        if (!listening) throw new BusToolsError('NOT_LISTENING', 'the server is not listening yet; call listen() first');
        return { ...listening, url };
      },
      info: () => info,
      stats: () => ({ detected: stats.detected, rejected: stats.rejected, refused: stats.refused, failed: stats.failed, meanMs: stats.detected ? roundTo(stats.totalMs / stats.detected, 1) : 0, startedAt: stats.startedAt }),
      queue: () => queue.stats(),
    };
  } catch (err) {
    if (ownsDetector) await detector.close().catch(() => {});
    throw err;
  }
}
