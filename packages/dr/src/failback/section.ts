/**
 * The production manifest's `failback:` section, once the primary region is back and the dr
 * environment runs as the primary (its failover done): which step comes next (the pair's
 * strategy's `failback.steps`: reprotect, promote, complete, then restore for a replica pair;
 * reprotect, restore, then complete under backup & restore; strategy/*.ts say what each does),
 * the section a step writes, and its history line. The last step removes both sections, leaving
 * the manifests exactly as before the failover apart from the history comment; change.ts makes
 * the manifest change.
 */
import { completedFailoverStep, type Failback, failbackState, refuseOne } from '@parity/model';
import { currentFailover } from '../failover/section.js';
import type { Pair as EnvPair } from '../pair.js';
import { strategyFor } from '../strategy/strategies.js';
import type { DrStrategy } from '../strategy/strategy.js';

/** The steps of a failback: `failback.step` values, and the last step, which removes the sections. */
export type FailbackStep = Failback['step'];

/** The steps of this pair's failback, in order. */
export function failbackSteps(pair: EnvPair, strategy: DrStrategy = strategyFor(pair.dr)): readonly FailbackStep[] {
  return strategy.failback.steps.map((s) => s.step);
}

/** Whether `step` is the last one of this pair's failback: both sections removed, the original roles. */
export function restoresRoles(pair: EnvPair, step: FailbackStep, strategy: DrStrategy = strategyFor(pair.dr)): boolean {
  const steps = failbackSteps(pair, strategy);
  return steps[steps.length - 1] === step;
}

/** The production manifest's `failback:` section. */
export interface FailbackSection {
  readonly step: FailbackStep;
  readonly at: string;
  readonly reason: string;
  readonly from: string;
  /** Backup & restore, step restore: the snapshot in the production region the database is re-created from. */
  readonly snapshot?: string;
}

/** The failback section of the production manifest as it stands, if any. */
export function currentFailback(pair: EnvPair) {
  return pair.ws.manifests.get(pair.primary.name)?.data.failback;
}

/** The step a failback takes next; refused before the failover is done. */
export function nextFailbackStep(pair: EnvPair, strategy: DrStrategy = strategyFor(pair.dr)): FailbackStep {
  const { dr, primary } = pair;
  const failover = currentFailover(pair);
  const done = completedFailoverStep(dr.dr.strategy);
  if (!failover) {
    return refuseOne(
      failbackState(
        dr.name,
        'failover',
        undefined,
        `${dr.name} has not failed over: there is nothing to fail back`,
        `failover.step: ${done}`,
        `a failback returns after a completed failover (pnpm failover ${dr.name})`,
      ),
    );
  }
  if (failover.step !== done) {
    return refuseOne(
      failbackState(
        dr.name,
        'failover.step',
        failover.step,
        `${dr.name}'s failover is not complete (failover.step: ${failover.step}): ${primary.name} can only become its DR once it runs as a full primary`,
        done,
        `complete the failover first: pnpm failover ${dr.name} (writes failover.step: ${done}), then apply ${dr.name}`,
      ),
    );
  }
  const steps = failbackSteps(pair, strategy);
  const current = currentFailback(pair);
  if (!current) return steps[0] ?? 'reprotect';
  const at = steps.indexOf(current.step);
  const next = at >= 0 ? steps[at + 1] : undefined;
  if (!next || restoresRoles(pair, current.step, strategy)) {
    return refuseOne(
      failbackState(
        primary.name,
        'failback.step',
        current.step,
        `failback.step ${current.step} is not a step of ${dr.dr.strategy}`,
        steps.slice(0, -1).join(', '),
        'correct the failback section, or remove it',
      ),
    );
  }
  return next;
}

const iso = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The `failback:` section of a step (not of the last, which removes it); `snapshot`: a restore's source. */
export function failbackSection(
  pair: EnvPair,
  step: FailbackStep,
  at: Date,
  reason: string,
  snapshot?: string,
  strategy: DrStrategy = strategyFor(pair.dr),
): FailbackSection {
  const from = strategy.failback.steps.find((s) => s.step === step)?.from?.(pair) ?? '';
  return { step, at: iso(at), reason, from, ...(snapshot ? { snapshot } : {}) };
}

/** One history line: when, what, who, and (the switchover) what it switched over from. */
export function failbackComment(
  pair: EnvPair,
  step: FailbackStep,
  at: Date,
  by: string,
  note?: string,
  strategy: DrStrategy = strategyFor(pair.dr),
): string {
  const when = at.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
  const what = strategy.failback.steps.find((s) => s.step === step)?.what(pair) ?? step;
  return ` ${when}: ${what}, by ${by}${note ? `. ${note}` : ''}.`;
}
