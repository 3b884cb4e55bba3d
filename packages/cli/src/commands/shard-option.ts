/** `--shard`, shared by the commands that can split their work over machines (see docs/scale-out.md). */
import { parseShard, SHARD_COUNT_ENV, type Shard } from '@bus-tools/core/shard';

export const SHARD_OPTION = {
  describe:
    `do one part of the work: I/N is part I (from 0) of N, each image in exactly one part (hash of its relative path); ` +
    `auto or auto/N reads the part from a Kubernetes Indexed Job, Slurm array or AWS Batch array job (count from auto/N or ${SHARD_COUNT_ENV} where the scheduler gives none). ` +
    'Combine the parts with `bus-tools merge`',
  type: 'string',
} as const;

/** The parsed `--shard`, or undefined without one. Throws `INVALID_PARAMETER` before any work. */
export function shardArg(value: string | undefined): Shard | undefined {
  return value === undefined ? undefined : parseShard(value, process.env);
}
