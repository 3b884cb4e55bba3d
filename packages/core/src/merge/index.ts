/** Putting the outputs of `--shard` runs back together: see docs/scale-out.md. */
export * from './detections.js';
export * from './csv.js';
export * from './upload.js';
export * from './lint.js';
