/** `--shard`, shared by the commands that can split their work over machines (see docs/scale-out.md). */

export const SHARD_OPTION = {
  describe:
    'do one part of the work: I/N is part I (from 0) of N, each image in exactly one part (hash of its relative path); ' +
    'auto or auto/N reads the part from a Kubernetes Indexed Job, Slurm array or AWS Batch array job (count from auto/N or BUS_TOOLS_SHARD_COUNT where the scheduler gives none). ' +
    'Combine the parts with `bus-tools merge`',
  type: 'string',
} as const;
