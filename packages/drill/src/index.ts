export * from './context.js';
export * from './drill.js';
export * from './report/metrics.js';
export * from './report/progress.js';
export * from './report/report.js';
