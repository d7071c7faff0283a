/**
 * The strategies Parity runs, and the one way to get a pair's: `strategyFor`. A third strategy is
 * one new file beside these, named here for the policy strategy it implements (and in
 * `GCP_STRATEGY_OF` when its GCP side differs) (the record must
 * name every strategy the model knows, or this does not compile), plus its tests.
 */
import { gcpStrategyUnsupported, type ResolvedEnvironment, refuseOne, type Strategy } from '@parity/model';
import { backupRestore } from './backup-restore.js';
import { gcpReplicaPair } from './gcp-replica-pair.js';
import { replicaPair } from './replica-pair.js';
import type { DrStrategy } from './strategy.js';

/** The implementation of each policy strategy. */
export const STRATEGY_OF: Readonly<Record<Strategy, DrStrategy>> = {
  'backup-restore': backupRestore,
  'pilot-light': replicaPair,
  'warm-standby': replicaPair,
};

/**
 * The strategies whose database part runs through Google's APIs (Cloud SQL Admin). Backup &
 * restore on GCP has none yet: `pnpm failover` and `pnpm failback` refuse it (`refuseUnrun`).
 */
export const GCP_STRATEGY_OF: Readonly<Partial<Record<Strategy, DrStrategy>>> = {
  'pilot-light': gcpReplicaPair,
  'warm-standby': gcpReplicaPair,
};

/** The strategy of a dr environment's policy, on its cloud: the one place a pair's cloud picks its implementation. */
export function strategyFor(dr: ResolvedEnvironment): DrStrategy {
  return (dr.cloud === 'gcp' ? GCP_STRATEGY_OF[dr.dr.strategy] : undefined) ?? STRATEGY_OF[dr.dr.strategy];
}

/** Refused when `pnpm failover` or `pnpm failback` has no implementation of the pair's strategy on its cloud. */
export function refuseUnrun(dr: ResolvedEnvironment, command: 'failover' | 'failback'): void {
  if (dr.cloud !== 'gcp' || GCP_STRATEGY_OF[dr.dr.strategy]) return;
  refuseOne(gcpStrategyUnsupported(dr.name, dr.dr.strategy, command, Object.keys(GCP_STRATEGY_OF)));
}

/** The strategy a report names (`policy.strategy`), when it is one Parity runs. */
export function strategyNamed(name: string | undefined): DrStrategy | undefined {
  return name !== undefined && Object.hasOwn(STRATEGY_OF, name) ? STRATEGY_OF[name as Strategy] : undefined;
}
