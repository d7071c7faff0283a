/**
 * The strategies' cloud calls, loaded on first use: AWS's (cloud-calls.ts) and Cloud SQL's
 * (gcp-sql.ts, with gRPC) apart, so that a failover loads only its own cloud's SDK.
 */
export const cloudCalls = () => import('./cloud-calls.js');
export const gcpCalls = () => import('../cloud/gcp-sql.js');
