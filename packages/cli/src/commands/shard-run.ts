/** Reading `--shard` in the commands' implementations (the option itself: shard-option.ts). */
import { parseShard, type Shard } from '@bus-tools/core/shard';

/** The parsed `--shard`, or undefined without one. Throws `INVALID_PARAMETER` before any work. */
export function shardArg(value: string | undefined): Shard | undefined {
  return value === undefined ? undefined : parseShard(value, process.env);
}
