/**
 * A bounded queue for requests that need the model: at most `concurrency` run at once, at most
 * `maxWaiting` more wait (first come, first served), and anything past that is refused at once
 * (the server answers 503 with Retry-After) instead of piling up memory and latency.
 *
 * A request is *admitted* when it arrives, before its upload is read, and holds its place until its
 * response is sent; so uploads in memory are bounded by `(concurrency + maxWaiting) × upload limit`.
 * It takes one of the `concurrency` *slots* only for decode → model → postprocess.
 */
import { assertIntegerInRange } from '@bus-tools/core';

export interface QueueStats {
  /** Requests holding a slot now. */
  running: number;
  /** Admitted requests without a slot (uploading, or waiting for one). */
  waiting: number;
  /** `concurrency + maxWaiting`: admitted requests beyond this are refused. */
  capacity: number;
  /** Requests refused because the queue was full, since the start. */
  refused: number;
}

export interface WorkQueue {
  readonly concurrency: number;
  readonly maxWaiting: number;
  /** Takes a place in the queue; false (and counted as refused) when it is full. */
  admit(): boolean;
  /** Gives a place back (once per successful `admit`). */
  leave(): void;
  /** Runs `fn` in a slot, waiting for one first; the caller must have been admitted. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  stats(): QueueStats;
}

/**
 * @example
 *   const q = createWorkQueue({ concurrency: 2, maxWaiting: 4 });
 *   if (!q.admit()) return reply.code(503).header('Retry-After', '1').send();
 *   try { return await q.run(() => detector.detect(image)); } finally { q.leave(); }
 */
export function createWorkQueue(options: { concurrency: number; maxWaiting: number }): WorkQueue {
  const concurrency = assertIntegerInRange('concurrency', options.concurrency, 1, 1024);
  const maxWaiting = assertIntegerInRange('--queue', options.maxWaiting, 0, 100000);
  let admitted = 0;
  let running = 0;
  let refused = 0;
  const waiters: Array<() => void> = [];

  const next = () => {
    const wake = waiters.shift();
    if (wake) wake();
    else running--;
  };

  return {
    concurrency,
    maxWaiting,
    admit() {
      if (admitted >= concurrency + maxWaiting) {
        refused++;
        return false;
      }
      admitted++;
      return true;
    },
    leave() {
      admitted = Math.max(0, admitted - 1);
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      // A slot passes straight from a finishing run to the first waiter, so `running` never dips.
      if (running < concurrency) running++;
      else await new Promise<void>((resolve) => waiters.push(resolve));
      try {
        return await fn();
      } finally {
        next();
      }
    },
    stats: () => ({ running, waiting: admitted - running, capacity: concurrency + maxWaiting, refused }),
  };
}
