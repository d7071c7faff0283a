export * from './dr.js';
export * from './drills.js';
export * from './findings.js';
export * from './parity.js';
export * from './residency.js';
export * from './run.js';
export * from './standby.js';
export * from './tf.js';
