/**
 * The strategies Parity runs, and the one way to get a pair's: `strategyFor`. A third strategy is
 * one new file beside these, named here for the policy strategy it implements (the record must
 * name every strategy the model knows, or this does not compile), plus its tests.
 */
import type { ResolvedEnvironment, Strategy } from '@parity/model';
import { backupRestore } from './backup-restore.js';
import { replicaPair } from './replica-pair.js';
import type { DrStrategy } from './strategy.js';

/** The implementation of each policy strategy. */
export const STRATEGY_OF: Readonly<Record<Strategy, DrStrategy>> = {
  'backup-restore': backupRestore,
  'pilot-light': replicaPair,
  'warm-standby': replicaPair,
};

/** The strategy of a dr environment's policy. */
export function strategyFor(dr: ResolvedEnvironment): DrStrategy {
  return STRATEGY_OF[dr.dr.strategy];
}

/** The strategy a report names (`policy.strategy`), when it is one Parity runs. */
export function strategyNamed(name: string | undefined): DrStrategy | undefined {
  return name !== undefined && Object.hasOwn(STRATEGY_OF, name) ? STRATEGY_OF[name as Strategy] : undefined;
}
