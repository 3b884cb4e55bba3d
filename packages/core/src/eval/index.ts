export * from './coco-input.js';
export * from './coco.js';
export { linspace, pairwiseSum } from './numpy.js';
