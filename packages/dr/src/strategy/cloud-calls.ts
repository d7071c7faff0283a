/**
 * The strategies' AWS calls (Cloud SQL's client is gcp-sql.ts, loaded by lazy.ts on its own: an AWS
 * failover never loads gRPC), in one module the strategies load only when a failover or a
 * failback runs (`await cloudCalls()`, lazy.ts): the runbook, `check` and `gen` read the strategies' steps
 * and texts and must not load the AWS and Google SDKs (about a second of every command's start).
 * `runbook/no-sdk.test.ts` fails if a static import brings one back.
 */
export { fence } from '../failback/fence.js';
export { awaitReverseBackup, reverseBackup } from '../failback/reverse-aws-backup.js';
export { awaitReverse } from '../failback/reverse-replica.js';
export { switchoverSnapshot } from '../failback/switchover-snapshot.js';
export { newestSnapshot, replicaOf } from '../failover/recovery-point.js';
