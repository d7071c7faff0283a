/**
 * Failback as a derived parameter layer (see the README, "Failing back"): once the primary region
 * is back and the dr environment that recovers a production one runs as the primary (its
 * `failover.step: complete`), the production manifest's `failback:` section reverses the pair.
 *
 * | step      | database.mode | database replicates      | cluster.capacityPercent     |
 * |-----------|---------------|--------------------------|-----------------------------|
 * | reprotect | replica       | the dr environment's one | the strategy's standby size |
 * | promote   | promoted      | nothing                  | 100                         |
 * | complete  | primary       | nothing                  | 100                         |
 *
 * `dr.replicaSource` stays the only thing the database bundle reads to know what it replicates:
 * in step reprotect it names the dr environment. Backup & restore has no replica to reverse, and
 * is refused here with what is missing.
 */
import type { Failback, Manifest, SourceFile } from './config.js';
import type { DerivedLayer, Strategy } from './drpolicy.js';
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

const LAYERS: Record<Failback['step'], (standbyPercent: number) => DerivedLayer> = {
  reprotect: (standby) => ({ database: { mode: 'replica' }, cluster: { capacityPercent: standby } }),
  promote: () => ({ database: { mode: 'promoted' }, cluster: { capacityPercent: 100 } }),
  complete: () => ({ database: { mode: 'primary' }, cluster: { capacityPercent: 100 } }),
};

/** What a failback needs, as one issue each: a production environment, a replica strategy, a completed failover. */
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
  if (strategy === 'backup-restore') {
    return [
      issue({
        kind: 'failback',
        ...at(['failback', 'step']),
        value: f.step,
        message:
          "failback under backup & restore is not generated yet: it needs the restored dr environment's backups copied into this region (a copy vault and copy actions pointing back) and a restore of this environment from the newest copy, which the backup bundle does not model",
        allowed: '(none) under backup-restore; failback runs under pilot-light and warm-standby',
        fix: `remove the failback section; return by hand: snapshot the dr environment's database, copy it into ${m.region}, and restore ${m.name} from it (the runbook lists the commands)`,
      }),
    ];
  }
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
  if (from.step !== 'complete') {
    return [
      issue({
        kind: 'failback',
        ...at(['failback', 'step']),
        value: f.step,
        message: `${from.name} has not completed its failover (failover.step: ${from.step ?? '(none)'}): ${m.name} can only become its DR once ${from.name} runs as a full primary`,
        allowed: `(none) until environments/${from.name}/environment.yaml has failover.step: complete`,
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
  const standby = strategy === 'warm-standby' ? (standbyCapacityPercent ?? 100) : 0;
  const layer = LAYERS[m.failback.step](standby);
  return {
    layer,
    ...(m.failback.step === 'reprotect' ? { replicates: { name: from.name, region: from.region } } : {}),
    issues: [],
  };
}

/*
 * Refusals of `pnpm failback` (and `pnpm drill --failback`) before anything is written: one
 * factory per kind, each one Issue (file, field path, value, what is allowed, the fix).
 */

const manifestOf = (env: string) => `environments/${env}/environment.yaml`;

/** The pair is not in a state a failback step can start from (no failover, or one not complete). */
export function failbackState(env: string, path: string, value: unknown, message: string, allowed: string, fix: string): Issue {
  return issue({ kind: 'failback-state', file: manifestOf(env), path, value, message, allowed, fix });
}

/** `pnpm failback` of a backup & restore pair: what is missing for it. */
export function failbackUnsupported(p: {
  dr: string;
  drRegion: string;
  primary: string;
  primaryRegion: string;
  policy: string;
  strategy: string;
}): Issue {
  return issue({
    kind: 'failback-unsupported',
    file: 'environments/platform.yaml',
    path: `dr.policies.${p.policy}.strategy`,
    value: p.strategy,
    message: `pnpm failback does not fail back a backup & restore pair (${p.dr}) yet: ${p.primary} runs under ${p.policy} (backup-restore), so there is no replica to reverse. Missing: ${p.dr}'s backups copied into ${p.primaryRegion} (a copy vault there and copy actions pointing back, which the backup bundle does not generate for a dr environment), a recovery point found there, and a restore of ${p.primary} from it (a failback.step restore)`,
    allowed: 'pilot-light, warm-standby',
    fix: `fail back by hand (environments/${p.dr}/RUNBOOK.md, "Fail back"): snapshot ${p.dr}'s database, copy it into ${p.primaryRegion} (aws rds copy-db-snapshot --region ${p.primaryRegion} --source-region ${p.drRegion} … --kms-key-id <a key in ${p.primaryRegion}>), restore ${p.primary} from it (overrides.database.restoreFromSnapshot), then remove ${p.dr}'s failover section`,
  });
}

/** The reverse replica (`identifier`, in `primary`'s region) is missing, not a replica of the dr database, or not caught up in time. */
export function reverseCopyBehind(primary: string, identifier: string, message: string, fix: string): Issue {
  return issue({
    kind: 'reverse-copy-behind',
    file: manifestOf(primary),
    path: 'failback.step',
    value: identifier,
    message,
    allowed: 'a replica of the dr database, within the RPO before the fence, at lag 0 after it',
    fix,
  });
}
