export * from './diff.js';
export * from './promote.js';
export * from './registry.js';
export * from './release.js';
