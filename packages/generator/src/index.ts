export * from './generate.js';
export * from './bundle.js';
export * from './init.js';
export * from './files.js';
export * from './stamped.js';
