/**
 * RPO per data store: a policy's `rpoMinutes` holds every store, `storeRpoMinutes` gives a store a
 * target of its own. `pnpm check` compares each store's mechanism (how its data reaches the DR
 * region, read from the Terraform) with its target; the worst store is the pair's RPO.
 */
import type { Definition, DrPolicy } from './config.js';
import { issue, type Issue } from './errors.js';

/** The targets a policy sets: one for every store, and per store where it has its own. */
export interface RpoTargets {
  readonly rpoMinutes: number;
  readonly storeRpoMinutes: Readonly<Record<string, number>>;
}

/** The RPO target, in minutes, of one data store (a bundle name) under a policy. */
export function storeTarget(t: RpoTargets, store: string): number {
  return Object.hasOwn(t.storeRpoMinutes, store) ? t.storeRpoMinutes[store]! : t.rpoMinutes;
}

/** Whether the policy asks for a store's RPO by name (a queue named here needs a replay archive). */
export function namesStore(t: RpoTargets, store: string): boolean {
  return Object.hasOwn(t.storeRpoMinutes, store);
}

/** The replica lag budget a policy gives, in seconds: its own, else the copy budget. */
export function replicaLagSeconds(p: Pick<DrPolicy, 'replicaLagSeconds' | 'copyDelayMinutes'>): number {
  return p.replicaLagSeconds ?? p.copyDelayMinutes * 60;
}

type Where = (path: (string | number)[]) => { file: string; path: string; line?: number };

/** Each store a policy gives a target of its own must be a bundle of the definition. */
export function storeTargetProblems(def: Definition, name: string, p: DrPolicy, defAt: Where): Issue[] {
  const known = Object.keys(def.bundles);
  return Object.keys(p.storeRpoMinutes ?? {})
    .filter((store) => !known.includes(store))
    .map((store) =>
      issue({
        kind: 'dr-policy',
        ...defAt(['dr', 'policies', name, 'storeRpoMinutes', store]),
        value: store,
        message: `storeRpoMinutes names "${store}", which is not a bundle of the definition`,
        allowed: known.join(', '),
        fix: 'name a data store by its bundle name (database, bucket, cluster, queue, …)',
      }),
    );
}
