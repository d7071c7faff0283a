export * from './fence.js';
export * from './request.js';
