import { basename } from 'node:path';
import { createDetectServer } from '@bus-tools/infer';
import { BusToolsError } from '@bus-tools/core';
import { ExitCode, plural, type Io } from '../io.js';
import type { ServeArgs } from './serve.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** "1 h 2 min", "3 min 4 s", "12 s". */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}

/**
 * Opens the model, listens, prints where, and waits for SIGINT/SIGTERM (or `stop`); then finishes
 * the requests in flight and prints one summary line.
 */
export async function run(args: ServeArgs, io: Io, stop?: AbortSignal): Promise<void> {
  const server = await createDetectServer({
    ...(args.model ? { model: args.model } : {}),
    labels: args.label,
    port: args.port,
    host: args.host,
    device: args.device,
    threshold: args.threshold,
    maxUploadBytes: Math.round(args['max-upload-mb'] * 1024 * 1024),
    maxPixels: args['max-pixels'],
    queue: args.queue,
    onWarning: (m) => io.stderr(`warning: ${m}\n`),
    onError: (e) => io.stderr(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`),
  });
  let url: string;
  try {
    url = await server.listen();
  } catch (err) {
    await server.close();
    const e = err as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') throw new BusToolsError('PORT_IN_USE', `port ${args.port} on ${args.host} is in use; pass another --port (0 picks a free one)`, { cause: err });
    throw err;
  }
  const info = server.info();
  const model = info.isDefaultModel ? `the bundled BUSI model (${info.model})` : basename(server.detector.model);
  if (args.json) io.stdout(`${JSON.stringify({ event: 'listening', url, ...info })}\n`);
  io.stderr(`serve: ${model}, ${info.layout} layout ${info.inputWidth}x${info.inputHeight} on ${server.detector.deviceNote}; open ${url} (Ctrl+C stops)\n`);

  const signal = await new Promise<string>((resolve) => {
    const done = (why: string) => {
      for (const name of SIGNALS) process.off(name, handlers[name]);
      resolve(why);
    };
    const handlers = { SIGINT: () => done('SIGINT'), SIGTERM: () => done('SIGTERM') };
    for (const name of SIGNALS) process.once(name, handlers[name]);
    if (stop?.aborted) done('stop');
    stop?.addEventListener('abort', () => done('stop'), { once: true });
  });
  const inFlight = server.queue();
  if (inFlight.running + inFlight.waiting > 0) io.stderr(`serve: ${signal}: finishing ${plural(inFlight.running + inFlight.waiting, 'request')} in flight…\n`);
  await server.close();

  const s = server.stats();
  const uptime = Date.now() - s.startedAt.getTime();
  if (args.json) io.stdout(`${JSON.stringify({ event: 'stopped', signal, url, seconds: Math.round(uptime / 100) / 10, ...s })}\n`);
  io.stderr(
    `serve: stopped (${signal}) after ${duration(uptime)} on ${url}; ${plural(s.detected, 'image')} analysed${s.detected ? ` (mean ${s.meanMs} ms)` : ''}, ` +
      `${s.rejected} refused as bad uploads, ${s.refused} turned away while busy, ${s.failed} failed\n`,
  );
  io.exitCode = s.failed ? ExitCode.failed : ExitCode.ok;
}
