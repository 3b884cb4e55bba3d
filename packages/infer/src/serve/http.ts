/**
 * The HTTP side of `bus-tools serve`, apart from the server's wiring: the API's error type and status
 * texts, the detection shape it answers with, and reading an upload (multipart field `image` or raw
 * body) with its format judged from the first bytes.
 */
import type { FastifyRequest } from 'fastify';
import { BusToolsError, describeError, type Detection } from '@bus-tools/core';
import { reportedDetection, roundTo } from '../outputs.js';
import { sniffImage } from './sniff.js';

/** What one detection looks like in the API (COCO's `bbox`, rounded to 0.01 px). */
export interface ApiDetection {
  label: string;
  classId: number;
  /** 0–1, six decimals. */
  score: number;
  /** `[x, y, width, height]` in pixels of the original image. */
  bbox: [number, number, number, number];
}

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * An answer the client gets as `{ statusCode, code, error, message }`. Its codes are the HTTP API's
 * (docs/serve.md), not `ErrorCode`s: they describe a request, not a file on disk.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}


export const ms = (from: bigint) => roundTo(Number(process.hrtime.bigint() - from) / 1e6, 1);

/** A detection in the API's shape. */
export function toApiDetection(d: Detection): ApiDetection {
  const { label, classId, score, bbox } = reportedDetection(d); // the rounding predict's files use
  return { label, classId, score, bbox };
}

/** 20971520 → "20 MiB". */
export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${roundTo(n / 1024 / 1024, 2)} MiB` : `${roundTo(n / 1024, 1)} KiB`;
}

/** The host name of a Host header (`127.0.0.1:8080` → `127.0.0.1`, `[::1]:80` → `[::1]`). */
export function hostnameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}

export function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** The image bytes of a detect request: the multipart field `image`, or the whole body. */
export async function readUpload(req: FastifyRequest): Promise<Buffer> {
  if (req.isMultipart()) {
    const part = await req.file();
    if (!part) throw new HttpError(400, 'NO_IMAGE', 'the form has no file; send the image in a multipart field named "image"');
    if (part.fieldname !== 'image') {
      part.file.resume();
      throw new HttpError(400, 'NO_IMAGE', `the form's file is in the field "${part.fieldname.slice(0, 40)}"; send it in a field named "image"`);
    }
    return part.toBuffer();
  }
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new HttpError(400, 'NO_IMAGE', 'no image in the request; send it as the multipart field "image" (curl -F image=@scan.png) or as the raw body (curl --data-binary @scan.png)');
  }
  return body;
}

export function sniffOrReject(bytes: Buffer) {
  try {
    return sniffImage(bytes);
  } catch (err) {
    if (err instanceof BusToolsError && err.code === 'UNSUPPORTED_FORMAT') throw new HttpError(415, 'NOT_AN_IMAGE', err.message);
    throw new HttpError(400, 'CORRUPT_IMAGE', describeError(err)); // says what is wrong and what to do
  }
}
