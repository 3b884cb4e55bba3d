/**
 * The only module that imports onnxruntime-node. It opens a model on the CPU or the CUDA execution
 * provider and runs it on plain `TensorData`.
 *
 * Facts this relies on (checked with onnxruntime-node 1.29.0): the Linux x64 package ships the CPU
 * provider only; asking for `cuda` when `libonnxruntime_providers_{shared,cuda}.so` are missing throws
 * (there is no silent fallback), so `auto` tries CUDA itself and falls back to the CPU, saying so.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BusToolsError, DEVICES, assertIntegerInRange, assertOneOf, describeError, type Device } from '@bus-tools/core';
import type { ModelSignature, TensorData, TensorInfo } from '../tensor.js';
import { cpuPlan, openSessionPool, RUNS_PER_SESSION } from './pool.js';

type Ort = typeof import('onnxruntime-node');

export { DEVICES, type Device };

/** The CUDA provider libraries onnxruntime looks for next to its Node binding. */
export const CUDA_PROVIDER_LIBS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'] as const;
/** The npm package that carries those libraries for onnxruntime 1.29.0 (see docs/gpu.md). */
export const CUDA_PROVIDER_PACKAGE = 'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9';

export interface OpenSessionOptions {
  /** Default `auto`. */
  device?: Device;
  /** onnxruntime intra-op threads (of each session); default: onnxruntime's choice (one per core). */
  threads?: number;
  /**
   * CPU only: open this many copies of the model, each in a worker thread, and run up to that many
   * images at once (see backend/pool.ts). `auto`: one single-threaded session per core, at most 4
   * (`cpuPlan`). Default 1: one session on the calling thread. Ignored on CUDA (one session).
   */
  sessions?: number | 'auto';
  /**
   * Let onnxruntime's CPU worker threads spin while waiting for work (its default). Spinning shaves
   * latency off back-to-back runs but burns CPU that image decoding needs; default false.
   */
  spinning?: boolean;
  /** CUDA device index; default 0. */
  deviceId?: number;
  /** Where to look for the CUDA provider libraries; default the onnxruntime-node binding folder. */
  providerDir?: string;
}

export interface OnnxSession {
  /** The model file. */
  readonly file: string;
  readonly signature: ModelSignature;
  /** The execution provider in use. */
  readonly device: 'cpu' | 'cuda';
  /** Why that provider, e.g. `cpu (CUDA provider libraries not installed: see docs/gpu.md)`. */
  readonly deviceNote: string;
  /** How many `run`s proceed at once: the worker sessions on the CPU, else 1. */
  readonly sessions: number;
  /** How many `run`s are worth keeping started: those running and those queued in the workers. */
  readonly inFlight: number;
  /** Runs the model; resolves to every output by name. Calls beyond `sessions` wait their turn. */
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

/**
 * onnxruntime-node's JS calls its native `initOrtOnce` once per copy of its module, but the native
 * binding is loaded once per process and aborts the whole process when initialised twice. A second
 * copy of the JS happens under test runners with per-file module registries (jest) and with bundler
 * duplicates. Make the shared binding's init idempotent before any copy calls it.
 */
function guardOrtInit(): void {
  try {
    const binding = createRequire(import.meta.url)(join(ortBindingDir(), 'onnxruntime_binding.node')) as Record<string, unknown>;
    if (binding.busToolsInitGuard) return;
    const init = binding.initOrtOnce as (...args: unknown[]) => unknown;
    let done = false;
    binding.initOrtOnce = (...args: unknown[]) => {
      if (done) return undefined;
      done = true;
      return init.apply(binding, args);
    };
    binding.busToolsInitGuard = true;
  } catch {
    // No binding at that path: importing onnxruntime-node reports the real problem.
  }
}

let ortModule: Promise<Ort> | undefined;
function loadOrt(): Promise<Ort> {
  guardOrtInit();
  ortModule ??= import('onnxruntime-node').then((m) => {
    const ort = ((m as unknown as { default?: Ort }).default ?? m) as Ort;
    // onnxruntime prints provider-load failures itself; bus-tools reports them in its own words.
    if (!process.env.BUS_TOOLS_ORT_LOG) ort.env.logLevel = 'fatal';
    return ort;
  });
  return ortModule;
}

/** The folder holding onnxruntime-node's native binding, where the CUDA provider libraries must go. */
export function ortBindingDir(): string {
  const req = createRequire(import.meta.url);
  const main = req.resolve('onnxruntime-node');
  return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

export interface CudaProviderStatus {
  dir: string;
  /** Provider libraries absent from `dir`. */
  missing: string[];
}

/** Which CUDA provider libraries are missing from `dir` (default: the binding folder). */
export function cudaProviderStatus(dir = ortBindingDir()): CudaProviderStatus {
  const missing = CUDA_PROVIDER_LIBS.filter((lib) => !existsSync(join(dir, lib)));
  return { dir, missing };
}

/** The message for `--device cuda` when the provider cannot be used: what is missing, how to get it. */
export function cudaUnavailableMessage(status: CudaProviderStatus, loadError?: string): string {
  const lines = ['--device cuda: the CUDA execution provider cannot be used.'];
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    lines.push(`bus-tools knows how to set it up on linux/x64 only (this is ${process.platform}/${process.arch}).`);
  }
  if (status.missing.length > 0) {
    lines.push(
      `Missing: ${status.missing.join(', ')} in ${status.dir}.`,
      `Get them from npm (they must match onnxruntime-node 1.29.0): npm install --no-save ${CUDA_PROVIDER_PACKAGE}`,
      `then copy its libonnxruntime_providers_*.so into ${status.dir}.`,
    );
  } else if (loadError) {
    lines.push(`onnxruntime could not load it: ${loadError}`);
  }
  lines.push('The provider also needs the CUDA 12 runtime and cuDNN 9 on the library path (LD_LIBRARY_PATH). Steps: docs/gpu.md. Or use --device cpu (or auto).');
  return lines.join('\n');
}

function toInfo(meta: { name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> }): TensorInfo {
  return { name: meta.name, type: meta.isTensor ? (meta.type ?? 'unknown') : 'non-tensor', shape: meta.isTensor ? [...(meta.shape ?? [])] : [] };
}

/** onnxruntime session options (plain data: the worker sessions get them by message). */
function sessionOptions(providers: string[], options: OpenSessionOptions) {
  return {
    executionProviders: providers.map((p) => (p === 'cuda' ? { name: 'cuda', deviceId: options.deviceId ?? 0 } : p)),
    graphOptimizationLevel: 'all',
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  };
}

async function create(ort: Ort, file: string, providers: string[], options: OpenSessionOptions) {
  return ort.InferenceSession.create(file, sessionOptions(providers, options) as never);
}

/**
 * Opens an ONNX model.
 *
 * @example
 *   const s = await openOnnxSession('fixtures/models/retinanet-tfod.onnx', { device: 'auto' });
 *   s.deviceNote; // 'cpu (CUDA provider libraries not installed: see docs/gpu.md)'
 * @throws BusToolsError `INPUT_NOT_FOUND`, `BAD_MODEL` (the file is not a model onnxruntime can load),
 *   `CUDA_UNAVAILABLE` (`device: 'cuda'` only), `INVALID_PARAMETER` (unknown device).
 */
export async function openOnnxSession(file: string, options: OpenSessionOptions = {}): Promise<OnnxSession> {
  const device = assertOneOf('--device', options.device ?? 'auto', DEVICES);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new BusToolsError('INPUT_NOT_FOUND', `--model ${file}: no such file. Pass the .onnx file of an exported detector.`, { file });
  }
  // onnxruntime is loaded here only to try CUDA or to run on this thread: worker sessions load their own.
  const plan = options.sessions === 'auto' ? cpuPlan(undefined, options.threads) : { sessions: options.sessions ?? 1, threads: options.threads };
  const sessions = plan.sessions;
  if (options.sessions !== undefined && options.sessions !== 'auto') assertIntegerInRange('--sessions', options.sessions, 1, 64);

  let session: Awaited<ReturnType<typeof create>> | undefined;
  let used: 'cpu' | 'cuda' = 'cpu';
  let note = 'cpu (requested)';
  if (device !== 'cpu') {
    const status = cudaProviderStatus(options.providerDir);
    if (status.missing.length > 0) {
      if (device === 'cuda') throw new BusToolsError('CUDA_UNAVAILABLE', cudaUnavailableMessage(status), { file });
      note = 'cpu (CUDA provider libraries not installed: see docs/gpu.md)';
    } else {
      try {
        session = await create(await loadOrt(), file, ['cuda'], options);
        used = 'cuda';
        note = `cuda (device ${options.deviceId ?? 0})`;
      } catch (cause) {
        // A model the CPU cannot open either is a bad model, not a CUDA problem.
        const cpu = await create(await loadOrt(), file, ['cpu'], options).catch((err: unknown) => {
          throw notOnnx(file, err);
        });
        const msg = describeError(cause).split('\n')[0];
        if (device === 'cuda') {
          await cpu.release();
          throw new BusToolsError('CUDA_UNAVAILABLE', cudaUnavailableMessage(status, msg), { file, cause });
        }
        session = cpu;
        note = `cpu (CUDA provider failed to load: ${msg}; see docs/gpu.md)`;
      }
    }
  }
  if (!session && sessions > 1) {
    const threads = plan.threads;
    const ortOptions = sessionOptions(['cpu'], { ...options, threads });
    const pool = await openSessionPool(createRequire(import.meta.url).resolve('onnxruntime-node'), file, sessions, ortOptions, !process.env.BUS_TOOLS_ORT_LOG).catch(
      (cause: unknown) => {
        throw notOnnx(file, cause);
      },
    );
    return {
      file,
      signature: { inputs: pool.inputMetadata.map((m) => toInfo(m as never)), outputs: pool.outputMetadata.map((m) => toInfo(m as never)) },
      device: 'cpu',
      deviceNote: `${note}, ${sessions} sessions${threads ? ` × ${threads} thread${threads > 1 ? 's' : ''}` : ''}`,
      sessions,
      inFlight: sessions * RUNS_PER_SESSION,
      run: (feeds) => pool.run(feeds),
      release: () => pool.release(),
    };
  }
  if (!session) {
    try {
      session = await create(await loadOrt(), file, ['cpu'], options);
    } catch (cause) {
      throw notOnnx(file, cause);
    }
  }

  const s = session;
  const T = (await loadOrt()).Tensor;
  const signature: ModelSignature = {
    inputs: s.inputMetadata.map((m) => toInfo(m as never)),
    outputs: s.outputMetadata.map((m) => toInfo(m as never)),
  };
  return {
    file,
    signature,
    device: used,
    deviceNote: note,
    sessions: 1,
    inFlight: 1,
    async run(feeds) {
      const ortFeeds: Record<string, InstanceType<Ort['Tensor']>> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new T(t.type as never, t.data as never, t.dims);
      const out = await s.run(ortFeeds);
      const result: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(out)) result[name] = { type: t.type, data: t.data as TensorData['data'], dims: t.dims };
      return result;
    },
    release: () => s.release(),
  };
}

function notOnnx(file: string, cause: unknown): BusToolsError {
  const why = describeError(cause).split('\n')[0];
  return new BusToolsError(
    'BAD_MODEL',
    `--model ${file}: not an ONNX model onnxruntime can load (${why}). Pass the .onnx file of an exported detector (a TensorFlow SavedModel or .pt must be converted to ONNX first: docs/predict.md).`,
    { file, cause },
  );
}
