export * from './generate.js';
export * from './bundle.js';
