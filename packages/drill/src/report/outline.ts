/**
 * The steps a drill will take, in order, as its report lists them from the start (each skipped
 * until it runs): the harness's own steps around the pair's strategy's (`strategy.drill`), with
 * their titles in the pair's names.
 */
import type { DrStrategy, Pair, StepTitle } from '@parity/dr';
import type { StepId, StepRecord } from '@parity/model';

/** The titles of the steps every drill takes, whatever the strategy. */
const HARNESS_TITLES: Readonly<Partial<Record<StepId, StepTitle>>> = {
  emulator: () => 'Start the emulator',
  check: (p, d) => `Check ${p} and ${d}`,
  'apply-primary': (p, _d, pr) => `Apply ${p} in ${pr}`,
  verify: (_p, _d, _pr, dr) => `Verify ${dr} through the AWS API`,
  measure: () => 'Measure RTO and RPO',
  teardown: () => 'Tear down',
};

/** The steps of a drill of `strategy`, in order: reach the target, check, apply the primary, the strategy's failover, verify, measure, its failback, tear down. */
export function stepsFor(strategy: DrStrategy, failback = false): StepId[] {
  const back = failback ? strategy.drill.failbackSteps : [];
  return ['emulator', 'check', 'apply-primary', ...strategy.drill.failoverSteps, 'verify', 'measure', ...back, 'teardown'];
}

/** A step's title for this pair. */
export function titleOf(id: StepId, strategy: DrStrategy, pair: Pair): string {
  const title = strategy.drill.titles[id] ?? HARNESS_TITLES[id];
  return title ? title(pair.primary.name, pair.dr.name, pair.primary.region, pair.dr.region) : id;
}

/** The report's steps at the start of a drill; the first names the target. */
export function outline(pair: Pair, strategy: DrStrategy, target: { kind: string; url?: string }, failback?: boolean): StepRecord[] {
  return stepsFor(strategy, failback).map((id) => {
    let title = titleOf(id, strategy, pair);
    if (id === 'emulator' && target.kind === 'endpoint') title = `Reach the emulator at ${target.url}`;
    if (id === 'emulator' && target.kind === 'aws') title = 'Emulator';
    return { id, title, status: 'skipped' as const };
  });
}
