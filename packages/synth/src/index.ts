export * from './cache.js';
export * from './load.js';
export * from './parallel.js';
export * from './stack.js';
export * from './synth.js';
export * from './testing.js';
