/**
 * Reading a BUSI-style dataset: discovery and masks → boxes, without the formats, lint, split and
 * evaluation code of the full index. Import it as `@bus-tools/core/dataset`.
 */
export * from './types.js';
export * from './discover.js';
export * from './extract.js';
