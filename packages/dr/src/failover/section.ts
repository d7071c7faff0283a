/**
 * The dr manifest's `failover:` section: which step comes next for the pair's strategy (its
 * `failover.steps`), the section written for it from the recovery point found, and its history
 * comment. `change.ts` makes the manifest change from them.
 */
import { type Failover, failoverDone, refuseOne } from '@parity/model';
import type { Pair as EnvPair } from '../pair.js';
import { strategyFor } from '../strategy/strategies.js';
import type { DrStrategy } from '../strategy/strategy.js';
import { describePoint, type RecoveryPoint } from './point.js';

export type FailoverStep = Failover['step'];

/** The manifest's `failover:` section (DESIGN-dr §4). */
export interface FailoverSection {
  readonly step: FailoverStep;
  readonly at: string;
  readonly reason: string;
  readonly from: string;
  /** step restore only: what the database is restored from. */
  readonly snapshot?: string;
}

/** The failover section of a DR manifest as it stands, if any (hand-written ones may lack at, reason, from). */
export function currentFailover(pair: EnvPair): Failover | undefined {
  return pair.ws.manifests.get(pair.dr.name)?.data.failover;
}

/** The step a failover takes next: the first of its strategy's, then each after the one written; a finished one is refused. */
export function nextStep(pair: EnvPair, strategy: DrStrategy = strategyFor(pair.dr)): FailoverStep {
  const steps = strategy.failover.steps.map((s) => s.step);
  const current = currentFailover(pair);
  const next = current ? steps[steps.indexOf(current.step) + 1] : steps[0];
  if (next && (!current || steps.includes(current.step))) return next;
  return refuseOne(failoverDone(pair.dr.name, current ?? { step: '(none)' }, pair.primary.region));
}

/** The `failover:` section for the next step, from the recovery point found. */
export function failoverSection(pair: EnvPair, step: FailoverStep, point: RecoveryPoint, at: Date, reason: string): FailoverSection {
  const iso = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (point.kind === 'snapshot') {
    return {
      step,
      at: iso,
      reason,
      from: `${point.source === 'backup-vault' ? 'recovery point' : 'snapshot copy'} of ${pair.primary.name} in ${pair.dr.region}`,
      snapshot: point.restoreFrom,
    };
  }
  return { step, at: iso, reason, from: `read replica of ${pair.primary.name} (${point.source ?? 'source unknown'})` };
}

/** The history comment above the section: when, why, who declared, from what and how old it was. */
export function failoverComment(pair: EnvPair, section: FailoverSection, point: RecoveryPoint, at: Date, declaredBy: string): string {
  const when = at.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
  return ` ${when}: ${section.step} — ${pair.primary.region} lost (${section.reason}), declared by ${declaredBy}. ${describePoint(point, at, pair.dr.dr.rpoMinutes)}.`;
}
