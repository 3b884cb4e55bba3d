export * from './coco-input.js';
export * from './coco.js';
export { linspace, pairwiseSum } from './numpy.js';
export * from './confusion.js';
export * from './malignancy.js';
export * from './predictions.js';
export * from './evaluate.js';
export { escapeHtml, renderEvaluationReport, type ReportInput } from './report/report.js';
export { thumbnail, type Thumbnail } from './report/thumbnails.js';
