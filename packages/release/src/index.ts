export * from './diff.js';
export * from './install.js';
export * from './npm.js';
export * from './promote.js';
export * from './registry.js';
export * from './release.js';
