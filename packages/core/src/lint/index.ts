export * from './codes.js';
export * from './fingerprint.js';
export * from './hamming.js';
export * from './union-find.js';
export * from './duplicates.js';
export * from './mask-values.js';
export * from './lint.js';
