export * from './atomic.js';
export * from './groups.js';
export * from './net.js';
export * from './process.js';
export * from './terraform.js';
