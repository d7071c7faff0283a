export * from './atomic.js';
export * from './net.js';
export * from './process.js';
export * from './terraform.js';
