/**
 * @parity/dr: disaster recovery as run on the day, against a real cloud. What other packages use:
 * the commands (`pnpm failover`, `pnpm failback`), the pair and its strategy, and the pieces of
 * the failover and failback a drill practises exactly as they run. The runbook is
 * `@parity/dr/runbook` (no AWS SDK), the API clients `@parity/dr/aws`.
 */
export { type FailbackOptions, type FailbackPlan, type FailbackResult, planFailback, runFailback, switchOver } from './failback/command.js';
export { reverseVault } from './failback/reverse-aws-backup.js';
export type { FailbackStep } from './failback/section.js';
export type { SwitchoverSnapshot } from './failback/switchover-snapshot.js';
export {
  type FailoverPlan,
  type FailoverResult,
  type FailoverStepChange,
  type FailoverTarget,
  failoverStepChange,
  type ReplayCount,
  replayAfterFailover,
  runFailover,
} from './failover/command.js';
export { describePoint, type RecoveryPoint } from './failover/recovery-point.js';
export {
  IDEMPOTENCY_KEY,
  PRODUCED_AT,
  producedAt,
  REPLAYED_BY,
  readCheckpoint,
  releaseMessages,
  replayArchive,
  replayPair,
  scanQueue,
} from './failover/replay.js';
export {
  archivedQueues,
  archivesQueues,
  type ReplayQueue,
  type ReplayResult,
  replayLines,
  replayProcedure,
  replayQueues,
} from './failover/replay-plan.js';
export type { FailoverStep } from './failover/section.js';
export { databaseOf } from './names.js';
export { blockingFindings, findingLines, type Pair, resolvePair, snapshotId, terraformOf } from './pair.js';
export type { DrillValues, FailbackDrillSteps, FailoverDrillSteps, StepTitle } from './strategy/drill-kit.js';
export { STRATEGY_OF, strategyFor, strategyNamed } from './strategy/strategies.js';
export type { DrStrategy, Switchover } from './strategy/strategy.js';
