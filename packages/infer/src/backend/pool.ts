/**
 * Several copies of one model, each in its own worker thread with its own onnxruntime CPU session.
 *
 * onnxruntime-node runs `session.run` synchronously on the calling JS thread, and a small detector
 * gains little from intra-op threads (on 2 cores, 2 threads do one 320×320 RetinaNet run in 17 ms of
 * wall time but 29 ms of CPU; 1 thread in 26 ms of CPU). So on the CPU, N single-threaded sessions
 * working on N images at once get more images through than one N-threaded session, they keep the
 * main thread free for decoding, postprocessing and drawing, and a busy core slows one image down
 * rather than stalling every thread of a parallel operator.
 *
 * Each worker runs backend/pool-worker.ts, compiled by tsc like the rest of the package.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BusToolsError } from '@bus-tools/core';
import type { TensorData } from '../tensor.js';
import type { PoolReply, PoolRequest, PoolWorkerData, RawMetadata } from './pool-worker.js';

export type { RawMetadata } from './pool-worker.js';

/**
 * The worker's module file. From dist/ (the CLI, the published package) it is the compiled
 * pool-worker.js beside this file. Jest runs this file from its TypeScript source
 * (src/backend/pool.ts), but a worker thread is plain Node and cannot run TypeScript; there the
 * worker is the compiled one in the package's dist/, which jest's global setup
 * (tools/jest/global-setup.cjs) brings up to date with `tsc -b` before any test runs, so tests
 * never run a stale worker. Loading a real file (rather than a script string run with `eval`)
 * keeps the worker type-checked, linted and covered like any other module.
 */
export function workerUrl(from = import.meta.url): URL {
  if (!from.endsWith('.ts')) return new URL('./pool-worker.js', from);
  const built = new URL('../../dist/backend/pool-worker.js', from);
  if (!existsSync(built)) {
    throw new Error(`${fileURLToPath(built)} is missing: the session pool's worker runs from the build even under tests. Run \`npx tsc -b\` first.`);
  }
  return built;
}

export interface SessionPool {
  readonly size: number;
  readonly inputMetadata: RawMetadata[];
  readonly outputMetadata: RawMetadata[];
  /** Runs on the least busy session (or waits for room); outputs are copies owned by the caller. */
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

interface Slot {
  worker: Worker;
  exited: boolean;
  /** Runs sent to this worker and not yet answered. */
  queued: number;
}

/**
 * Runs sent ahead to each worker: one running and one waiting in its message queue, so a worker
 * never idles while this thread is busy (decoding an image, say) before it can hand out the next.
 */
export const RUNS_PER_SESSION = 2;

/**
 * How many sessions and threads each for `cores` CPU cores: one single-threaded session per core,
 * at most 4 sessions (each holds a copy of the model); past that, the threads are shared out.
 */
export function cpuPlan(cores = availableParallelism(), threads?: number): { sessions: number; threads: number } {
  const sessions = Math.max(1, Math.min(4, cores));
  return { sessions, threads: threads ?? Math.max(1, Math.floor(cores / sessions)) };
}

/**
 * Starts `sessions` workers, each opening `file` with `options`. Rejects with the first worker's
 * load error (message as onnxruntime gave it), after stopping every worker.
 */
export async function openSessionPool(ortPath: string, file: string, sessions: number, options: Record<string, unknown>, quiet: boolean): Promise<SessionPool> {
  const slots: Slot[] = [];
  const waiting: Array<() => void> = [];
  const pending = new Map<number, { resolve: (v: Record<string, TensorData>) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let closed = false;
  let crashed: Error | undefined;

  const failAll = (err: Error) => {
    crashed ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    for (const wake of waiting.splice(0)) wake();
  };

  const started = Array.from({ length: sessions }, () => {
    const worker = new Worker(workerUrl(), { workerData: { ortPath, file, options, quiet } satisfies PoolWorkerData });
    const slot: Slot = { worker, exited: false, queued: 0 };
    slots.push(slot);
    return new Promise<{ inputs: RawMetadata[]; outputs: RawMetadata[] }>((resolve, reject) => {
      worker.on('message', (m: PoolReply) => {
        if (m.type === 'ready') resolve({ inputs: m.inputs, outputs: m.outputs });
        else if (m.type === 'failed') reject(new Error(m.message));
        else if (m.type === 'result') {
          const p = pending.get(m.id);
          pending.delete(m.id);
          slot.queued--;
          waiting.shift()?.();
          if (m.error !== undefined) p?.reject(new BusToolsError('INFERENCE_FAILED', `${file}: onnxruntime failed on an image (${m.error})`, { file }));
          else p?.resolve(m.outputs);
        }
      });
      worker.on('error', (err) => {
        reject(err);
        failAll(new BusToolsError('INFERENCE_FAILED', `${file}: an onnxruntime worker thread stopped (${err.message})`, { file, cause: err }));
      });
      worker.on('exit', (code) => {
        slot.exited = true;
        reject(new Error(`worker exited with code ${code}`));
        if (!closed) failAll(new BusToolsError('INFERENCE_FAILED', `${file}: an onnxruntime worker thread exited unexpectedly (code ${code})`, { file }));
      });
    });
  });

  // A worker is stopped by asking it to release its session and close (terminating one while
  // onnxruntime is still loading or running in it would abort the process when that native work
  // completes); terminate() only if it has not exited 5 s later.
  const stop = (s: Slot) =>
    new Promise<void>((resolve) => {
      if (s.exited) return resolve();
      const timer = setTimeout(() => void s.worker.terminate().then(() => resolve()), 5000);
      s.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      s.worker.postMessage({ type: 'release' } satisfies PoolRequest);
    });
  const release = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(slots.map(stop));
  };

  // Every worker must have finished loading (or failed to) before any is stopped.
  const settled = await Promise.allSettled(started);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await release();
    throw failure.reason;
  }
  const meta = (settled[0] as PromiseFulfilledResult<{ inputs: RawMetadata[]; outputs: RawMetadata[] }>).value;

  return {
    size: sessions,
    inputMetadata: meta.inputs,
    outputMetadata: meta.outputs,
    async run(feeds) {
      for (;;) {
        if (crashed) throw crashed;
        if (closed) throw new BusToolsError('INFERENCE_FAILED', `${file}: the session was released`, { file });
        let slot: Slot | undefined;
        for (const s of slots) if (s.queued < RUNS_PER_SESSION && (!slot || s.queued < slot.queued)) slot = s;
        if (slot) {
          slot.queued++;
          const id = nextId++;
          return new Promise((resolve, reject) => {
            pending.set(id, { resolve, reject });
            slot.worker.postMessage({ type: 'run', id, feeds } satisfies PoolRequest);
          });
        }
        await new Promise<void>((wake) => waiting.push(wake));
      }
    },
    release,
  };
}
