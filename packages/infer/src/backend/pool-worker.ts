/**
 * The worker thread of a session pool (backend/pool.ts): it opens one onnxruntime CPU session on the
 * model it is given and answers the runs it is sent, one message at a time, in order.
 *
 * It is a worker entry, started with `new Worker(url)` (see `workerUrl` in pool.ts) and imported
 * elsewhere for its types only. It needs only onnxruntime-node, whose resolved path backend/onnx.ts
 * passes in `workerData`, so onnx.ts stays the one place that finds it.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { TensorData } from '../tensor.js';

type Ort = typeof import('onnxruntime-node');
type OrtSession = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/** What the pool gives each worker at start. */
export interface PoolWorkerData {
  /** Resolved path of onnxruntime-node's entry. */
  ortPath: string;
  /** The `.onnx` model. */
  file: string;
  /** onnxruntime session options. */
  options: Record<string, unknown>;
  /** Silence onnxruntime's own logging. */
  quiet: boolean;
}

/** Model input/output metadata as onnxruntime reports it. */
export interface RawMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: Array<number | string>;
}

/** Pool → worker. */
export type PoolRequest = { type: 'run'; id: number; feeds: Record<string, TensorData> } | { type: 'release' };

/** Worker → pool. */
export type PoolReply =
  | { type: 'ready'; inputs: RawMetadata[]; outputs: RawMetadata[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: Record<string, TensorData>; error?: undefined }
  | { type: 'result'; id: number; error: string };

const port = parentPort;
if (!port) throw new Error('pool-worker.js runs as a worker thread of a session pool (backend/pool.ts), not on its own');
const post = (m: PoolReply) => port.postMessage(m);
const messageOf = (err: unknown) => String((err as Error | undefined)?.message ?? err);
const plain = (m: { name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> }): RawMetadata => ({
  name: m.name,
  isTensor: m.isTensor,
  type: m.type,
  shape: m.shape ? [...m.shape] : undefined,
});

const data = workerData as PoolWorkerData;
const ort = createRequire(import.meta.url)(data.ortPath) as Ort;
if (data.quiet) ort.env.logLevel = 'fatal';

let session: OrtSession | undefined;
ort.InferenceSession.create(data.file, data.options).then(
  (s) => {
    session = s;
    post({ type: 'ready', inputs: s.inputMetadata.map(plain), outputs: s.outputMetadata.map(plain) });
  },
  (err: unknown) => post({ type: 'failed', message: messageOf(err) }),
);

const handle = async (m: PoolRequest): Promise<void> => {
  if (m.type === 'release') {
    if (session) await session.release();
    port.close();
    return;
  }
  try {
    if (!session) throw new Error('the session is not open');
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const [k, t] of Object.entries(m.feeds)) feeds[k] = new ort.Tensor(t.type as never, t.data as never, t.dims);
    const out = await session.run(feeds);
    const outputs: Record<string, TensorData> = {};
    for (const [k, t] of Object.entries(out)) outputs[k] = { type: t.type, data: t.data as TensorData['data'], dims: t.dims };
    post({ type: 'result', id: m.id, outputs });
  } catch (err) {
    post({ type: 'result', id: m.id, error: messageOf(err) });
  }
};

// One message at a time, in order: a release waits for the runs sent before it.
let chain = Promise.resolve();
port.on('message', (m: PoolRequest) => {
  chain = chain.then(() => handle(m));
});
