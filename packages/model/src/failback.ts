/**
 * Failback as a derived parameter layer (see docs/dr-strategies.md, "Failing back"): once the primary region
 * is back and the dr environment that recovers a production one runs as the primary (its failover
 * done: `failover.step: complete` for a replica, `restore` under backup & restore), the
 * production manifest's `failback:` section reverses the pair.
 *
 * Pilot light and warm standby:
 *
 * | step      | database.mode | database replicates      | cluster.capacityPercent     |
 * |-----------|---------------|--------------------------|-----------------------------|
 * | reprotect | replica       | the dr environment's one | the strategy's standby size |
 * | promote   | promoted      | nothing                  | 100                         |
 * | complete  | primary       | nothing                  | 100                         |
 *
 * Backup & restore (nothing of the production environment runs as a replica):
 *
 * | step      | production environment                        | dr environment                              |
 * |-----------|-----------------------------------------------|---------------------------------------------|
 * | reprotect | unchanged (the old database stays, untouched) | its backups also copied into this region     |
 * | restore   | database.restoreFromSnapshot = failback.snapshot | as in reprotect                           |
 *
 * `dr.replicaSource` stays the only thing the database bundle reads to know what it replicates:
 * in step reprotect it names the dr environment. The reverse backup copies are the dr
 * environment's `backup.copyRegions` (see `reverseCopyTarget`), which the backup and database
 * bundles already turn into a copy vault, copy actions and replicated automated backups.
 */
import type { Failback, Failover, Manifest, SourceFile } from './config.js';
import { type DerivedLayer, type Strategy, strategyFacts } from './drpolicy.js';
import { issue, type Issue } from './errors.js';

type Where = (path: (string | number)[]) => { file: string; path: string; line?: number };

/** The dr environment whose failover a production environment fails back from, and that manifest's failover step. */
export function failingBackFrom(
  name: string,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
): { name: string; region: string; step?: string } | undefined {
  const d = [...manifests.values()]
    .map((s) => s.data)
    .filter((m) => m.role === 'dr' && m.recovers === name)
    .sort((a, b) => Number(!!b.failover) - Number(!!a.failover) || a.name.localeCompare(b.name))[0];
  return d ? { name: d.name, region: d.region, ...(d.failover ? { step: d.failover.step } : {}) } : undefined;
}

/** The failover step after which the dr environment runs as a full primary: the last of its strategy's. */
export function completedFailoverStep(strategy: Strategy): Failover['step'] {
  const steps = strategyFacts(strategy).failoverSteps;
  return steps[steps.length - 1] ?? 'complete';
}

/** A step that does not fit the strategy, or a snapshot missing from (or given to) the wrong step. */
function stepProblems(f: Failback, strategy: Strategy, at: Where): Issue[] {
  const { replica, failbackSteps: allowed } = strategyFacts(strategy);
  if (!allowed.includes(f.step)) {
    return [
      issue({
        kind: 'failback',
        ...at(['failback', 'step']),
        value: f.step,
        message: `step ${f.step} does not fit ${strategy}: ${replica ? 'a replica is promoted, not restored' : 'there is no replica to promote; the database is re-created from a snapshot copy'}`,
        allowed: allowed.join(', '),
        fix: replica
          ? 'reprotect, then promote, then complete (pnpm failback writes each)'
          : 'reprotect, then restore with snapshot: <id or ARN> (pnpm failback writes each)',
      }),
    ];
  }
  if (f.step === 'restore' && !f.snapshot) {
    return [
      issue({
        kind: 'failback',
        ...at(['failback']),
        value: f.step,
        message: 'step restore needs the snapshot to re-create the database from',
        allowed: 'snapshot: <identifier or ARN of a snapshot in this region>',
        fix: 'add failback.snapshot (pnpm failback copies the fenced dr database into this region and writes it)',
      }),
    ];
  }
  if (f.step !== 'restore' && f.snapshot !== undefined) {
    return [
      issue({
        kind: 'failback',
        ...at(['failback', 'snapshot']),
        value: f.snapshot,
        message: `snapshot is read by step restore only (backup & restore); step ${f.step} does not restore`,
        allowed: '(none)',
        fix: 'remove failback.snapshot',
      }),
    ];
  }
  return [];
}

/** What a failback needs, as one issue each: a production environment, a step of its strategy, a completed failover. */
function failbackProblems(m: Manifest, strategy: Strategy, from: ReturnType<typeof failingBackFrom>, at: Where): Issue[] {
  const f = m.failback!;
  if (m.role !== 'production') {
    return [
      issue({
        kind: 'failback',
        ...at(['failback']),
        message: `only a production environment fails back (it takes its role back from its dr environment); this one is ${m.role}`,
        fix: 'remove the failback section',
      }),
    ];
  }
  const steps = stepProblems(f, strategy, at);
  if (steps.length) return steps;
  if (!from) {
    return [
      issue({
        kind: 'failback',
        ...at(['failback']),
        message: `no dr environment recovers ${m.name}, so there is nothing to fail back from`,
        fix: 'remove the failback section',
      }),
    ];
  }
  const done = completedFailoverStep(strategy);
  if (from.step !== done) {
    return [
      issue({
        kind: 'failback',
        ...at(['failback', 'step']),
        value: f.step,
        message: `${from.name} has not completed its failover (failover.step: ${from.step ?? '(none)'}): ${m.name} can only become its DR once ${from.name} runs as a full primary`,
        allowed: `(none) until environments/${from.name}/environment.yaml has failover.step: ${done}`,
        fix: from.step
          ? `complete the failover first (pnpm failover ${from.name}), or remove the failback section`
          : 'remove the failback section: there was no failover',
      }),
    ];
  }
  return [];
}

/**
 * The `failback` layer of a production manifest's `failback` section, and the environment its
 * database replicates in step reprotect; every problem as an issue (the layer is empty then).
 */
export function failbackLayer(
  m: Manifest,
  strategy: Strategy | undefined,
  standbyCapacityPercent: number | undefined,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
  at: Where,
): { layer: DerivedLayer; replicates?: { name: string; region: string }; issues: Issue[] } {
  if (!m.failback || !strategy) return { layer: {}, issues: [] };
  const from = failingBackFrom(m.name, manifests);
  const issues = failbackProblems(m, strategy, from, at);
  if (issues.length || !from) return { layer: {}, issues };
  const facts = strategyFacts(strategy);
  const standby = facts.standbyPercent({ standbyCapacityPercent });
  const layer = facts.failbackLayers[m.failback.step]?.(m.failback, standby) ?? {};
  const replicates = facts.replica && m.failback.step === 'reprotect';
  return { layer, ...(replicates ? { replicates: { name: from.name, region: from.region } } : {}), issues: [] };
}

/**
 * Backup & restore, failing back: the region a dr environment (its failover done) also copies its
 * backups into, the recovered production environment's, while that manifest has a `failback`
 * section. The mirror of what the production environment's backups do toward the DR region.
 */
export function reverseCopyTarget(
  m: Manifest,
  strategy: Strategy | undefined,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
): { name: string; region: string } | undefined {
  if (m.role !== 'dr' || !strategy || strategyFacts(strategy).replica || m.failover?.step !== 'restore' || !m.recovers) return undefined;
  const primary = manifests.get(m.recovers)?.data;
  if (!primary?.failback || primary.cloud !== m.cloud) return undefined;
  return { name: primary.name, region: primary.region };
}

/*
 * Refusals of `pnpm failback` (and `pnpm drill --failback`) before anything is written: one
 * factory per kind, each one Issue (file, field path, value, what is allowed, the fix).
 */

const manifestOf = (env: string) => `environments/${env}/environment.yaml`;

/** The pair is not in a state a failback step can start from (no failover, one not complete, or a database that would go without a snapshot). */
export function failbackState(env: string, path: string, value: unknown, message: string, allowed: string, fix: string): Issue {
  return issue({ kind: 'failback-state', file: manifestOf(env), path, value, message, allowed, fix });
}

/** The reverse replica (`identifier`, in `primary`'s region) is missing, not a replica of the dr database, or not caught up in time; under backup & restore, no copy (`identifier`: the reverse copy vault) within the RPO. */
export function reverseCopyBehind(primary: string, identifier: string, message: string, fix: string): Issue {
  return issue({
    kind: 'reverse-copy-behind',
    file: manifestOf(primary),
    path: 'failback.step',
    value: identifier,
    message,
    allowed:
      'a replica of the dr database, within the RPO before the fence, at lag 0 after it (backup & restore: a copy of the dr database in this region, within the RPO)',
    fix,
  });
}
