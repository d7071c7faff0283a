/** The strategies' cloud calls (cloud-calls.ts, with the AWS and Google SDKs), loaded on first use. */
export const cloudCalls = () => import('./cloud-calls.js');
