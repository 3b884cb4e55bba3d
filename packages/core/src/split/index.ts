export * from './plan.js';
export * from './split.js';
