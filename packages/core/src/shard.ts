/**
 * Shards: one part of a large set, so that N machines (a Kubernetes Indexed Job, a Slurm array, an
 * AWS Batch array job) each take a part and `bus-tools merge` puts the parts back together.
 *
 * An image belongs to shard `fnv1a32(relativePath) mod count`, where `relativePath` is the path
 * below the dataset or input root with `/` separators (`benign/benign (1).png`). The hash depends
 * on nothing but the name, so every machine that lists the folder, in whatever order, agrees on the
 * parts, and every image lands in exactly one of them. Masks travel with their image (they are never
 * hashed on their own). Shard indices count from 0: `--shard 0/3`, `1/3`, `2/3`.
 */
import { relativePath, type Dataset, type DatasetListing } from './dataset/discover.js';
import type { Problem } from './dataset/types.js';
import { BusToolsError, invalidParameterError } from './errors.js';

export interface Shard {
  /** 0-based: 0 … count − 1. */
  index: number;
  /** Number of shards, at least 1. */
  count: number;
}

/** The most shards a run may be cut into. */
export const MAX_SHARDS = 100_000;

/** Environment variable that gives the shard count to `--shard auto` where the scheduler does not (Kubernetes). */
export const SHARD_COUNT_ENV = 'BUS_TOOLS_SHARD_COUNT';

/**
 * 32-bit FNV-1a of the UTF-8 bytes of `text`.
 * @example fnv1a32('a') // 0xe40c292c
 */
export function fnv1a32(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The shard (0-based) an image with this relative path belongs to among `count`.
 * Backslashes are turned into `/` first, so a Windows listing agrees with a POSIX one.
 * @example shardOf('benign/benign (1).png', 3) // 0, 1 or 2, the same on every machine
 */
export function shardOf(relativePath: string, count: number): number {
  return fnv1a32(relativePath.replaceAll('\\', '/')) % count;
}

/** True when the image at `relativePath` is in `shard` (always, without a shard). */
export function inShard(relativePath: string, shard: Shard | undefined): boolean {
  return !shard || shard.count === 1 || shardOf(relativePath, shard.count) === shard.index;
}

/**
 * Checks a library caller's `shard` option.
 * @throws BusToolsError `INVALID_PARAMETER` unless `0 ≤ index < count ≤ MAX_SHARDS`, both integers.
 */
export function assertShard(shard: Shard | undefined, name = 'shard'): Shard | undefined {
  if (shard === undefined) return undefined;
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw invalidParameterError(`${name}.count`, `integer between 1 and ${MAX_SHARDS}`, count);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw invalidParameterError(`${name}.index`, `integer between 0 and ${count - 1}`, index);
  return { index, count };
}

type Env = Readonly<Record<string, string | undefined>>;

const integerText = (v: string | undefined) => (v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : undefined);

/**
 * Reads `--shard`: `I/N` (0-based index I of N shards), or `auto` / `auto/N`, which takes the index
 * (and, where the scheduler says it, the count) from the environment:
 *
 * - Kubernetes Indexed Job: `JOB_COMPLETION_INDEX`; the count from `auto/N` or `BUS_TOOLS_SHARD_COUNT`
 *   (set it to the Job's `completions`);
 * - Slurm job array: `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` of `SLURM_ARRAY_TASK_COUNT`;
 * - AWS Batch array job: `AWS_BATCH_JOB_ARRAY_INDEX` of `AWS_BATCH_JOB_ARRAY_SIZE` when set, else of
 *   `auto/N` or `BUS_TOOLS_SHARD_COUNT`.
 *
 * A count given in `auto/N` must agree with the scheduler's.
 * @example parseShard('2/7') // { index: 2, count: 7 }
 * @example parseShard('auto', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' }) // { index: 4, count: 8 }
 * @throws BusToolsError `INVALID_PARAMETER` for anything else, naming what to write instead.
 */
export function parseShard(value: string, env: Env = process.env, flag = '--shard'): Shard {
  const text = value.trim();
  const bad = (why: string) => new BusToolsError('INVALID_PARAMETER', `Expected I/N (0 ≤ I < N ≤ ${MAX_SHARDS}), auto or auto/N for ${flag} but received ${JSON.stringify(value)}: ${why}`);
  const fixed = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
  if (fixed) {
    const [index, count] = [Number(fixed[1]), Number(fixed[2])];
    if (count < 1 || count > MAX_SHARDS) throw bad(`the shard count must be between 1 and ${MAX_SHARDS}`);
    if (index >= count) throw bad(`shards are counted from 0, so the last of ${count} is ${count - 1}/${count}`);
    return { index, count };
  }
  const auto = /^auto(?:\s*\/\s*(\d+))?$/.exec(text);
  if (!auto) throw bad('write e.g. 0/4 for the first of 4 shards');
  const given = auto[1] === undefined ? undefined : Number(auto[1]);
  if (given !== undefined && (given < 1 || given > MAX_SHARDS)) throw bad(`the shard count must be between 1 and ${MAX_SHARDS}`);

  const fromEnv = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = integerText(v);
    if (n === undefined) throw bad(`${name}=${JSON.stringify(v)} is not a whole number`);
    return n;
  };
  const countEnv = fromEnv(SHARD_COUNT_ENV);
  let source: string;
  let index: number | undefined;
  let count: number | undefined;
  const k8s = fromEnv('JOB_COMPLETION_INDEX');
  const slurm = fromEnv('SLURM_ARRAY_TASK_ID');
  const aws = fromEnv('AWS_BATCH_JOB_ARRAY_INDEX');
  if (k8s !== undefined) {
    source = 'JOB_COMPLETION_INDEX (Kubernetes)';
    index = k8s;
  } else if (slurm !== undefined) {
    source = 'SLURM_ARRAY_TASK_ID (Slurm)';
    index = slurm - (fromEnv('SLURM_ARRAY_TASK_MIN') ?? 0);
    count = fromEnv('SLURM_ARRAY_TASK_COUNT');
    if (index < 0) throw bad(`SLURM_ARRAY_TASK_ID ${slurm} is below SLURM_ARRAY_TASK_MIN`);
  } else if (aws !== undefined) {
    source = 'AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch)';
    index = aws;
    count = fromEnv('AWS_BATCH_JOB_ARRAY_SIZE');
  } else {
    throw bad('none of JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm array) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set; outside a scheduler give --shard I/N');
  }
  if (count !== undefined && given !== undefined && count !== given) throw bad(`the scheduler says ${count} shards but ${flag} says ${given}`);
  count ??= given ?? countEnv;
  if (count === undefined) throw bad(`${source} gives the index but not the number of shards: write --shard auto/N or set ${SHARD_COUNT_ENV}=N`);
  if (count < 1 || count > MAX_SHARDS) throw bad(`the shard count must be between 1 and ${MAX_SHARDS}`);
  if (index >= count) throw bad(`${source} gives index ${index}, but there are only ${count} shards (0 … ${count - 1})`);
  return { index, count };
}

/** `2/7` for messages and file names. */
export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The part of a discovered dataset that is in `shard`: its images (with their masks) and the
 * problems about files in it (each problem file hashed like an image). `labels` stay those of the
 * whole dataset, so every shard warns about the same missing classes.
 */
export function shardDataset(dataset: Dataset, shard: Shard | undefined): Dataset {
  if (!shard || shard.count === 1) return dataset;
  return { ...dataset, images: dataset.images.filter((img) => inShard(img.relPath, shard)), problems: shardProblems(dataset, shard) };
}

/** The problems of a listing that are about files in `shard` (each problem file hashed like an image). */
export function shardProblems(listing: Pick<DatasetListing, 'root' | 'problems'>, shard: Shard | undefined): Problem[] {
  if (!shard || shard.count === 1) return listing.problems;
  return listing.problems.filter((p) => inShard(relativePath(listing.root, p.file), shard));
}
