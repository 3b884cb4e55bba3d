export * from './errors.js';
export * from './box.js';
export * from './png/decode.js';
export * from './mask/runs.js';
