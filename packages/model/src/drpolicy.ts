/**
 * DR policies: which policy an environment runs under, and the parameter layers its strategy and
 * its failover step derive (see docs/dr-strategies.md).
 *
 * - A production environment is under its manifest's `drPolicy`, else its tier's, else
 *   `dr.defaultPolicy`. A dr environment is under the policy of the environment it recovers.
 * - The `strategy` layer makes a dr environment what its strategy says: a database replica and
 *   compute at zero (pilot light) or at a fraction (warm standby); nothing for backup & restore.
 * - The `failover` layer turns a dr manifest's `failover.step` into parameters: promote the
 *   replica and scale up, then complete the primary configuration (two applies, because
 *   terraform-provider-aws#4419: nothing else may change in the apply that promotes).
 */
import type { Definition, DrPolicy, Failback, Failover, Manifest, SourceFile } from './config.js';
import { issue, type Issue } from './errors.js';
import { own as ownEntry } from './own.js';
import { storeTargetProblems } from './rpo.js';

/** A strategy Parity generates (active-active is refused). */
export type Strategy = 'backup-restore' | 'pilot-light' | 'warm-standby';

/** The DR facts of a resolved environment. */
export interface ResolvedDr {
  /** The policy's name, e.g. `important`. */
  readonly policy: string;
  readonly strategy: Strategy;
  readonly rpoMinutes: number;
  readonly rtoMinutes: number;
  /** Budget for a cross-region backup copy to land in the DR region. */
  readonly copyDelayMinutes: number;
  /** Per data store (bundle name), a target of its own; the others are held to `rpoMinutes` (see `storeTarget`). */
  readonly storeRpoMinutes: Readonly<Record<string, number>>;
  /** The database replica's lag budget, in seconds (its lag alarm's threshold): the database's RPO under a replica strategy. */
  readonly replicaLagSeconds: number;
  /** warm-standby: DR compute at this share of the primary's. */
  readonly standbyCapacityPercent?: number;
  /**
   * Whose database this one replicates: a dr environment's under a replica strategy, or, failing
   * back (failback.step reprotect), the production environment's: the dr environment that took over.
   */
  readonly replicaSource?: { readonly name: string; readonly region: string; readonly gcpProject?: string };
  /** dr environments: the failover step written in the manifest, if any. */
  readonly failover?: Failover;
  /** production environments: the failback step written in the manifest, if any. */
  readonly failback?: Failback;
}

/** Per bundle, parameter values a derived layer sets. */
export type DerivedLayer = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * What the model knows of each strategy: what runs in the DR region in peacetime, and the steps a
 * failover and a failback write into the manifests. Everything outside this policy layer asks this
 * table (or, for behaviour, `@parity/dr`'s `DrStrategy`) instead of testing a strategy's name.
 */
export interface StrategyFacts {
  /**
   * In peacetime the dr environment runs, its database a read replica of the primary's; otherwise
   * only the backup plane (backups copied into the DR region) is there, and a failover restores.
   */
  readonly replica: boolean;
  /** The `failover.step` values, in order; the last leaves the dr environment a full primary. */
  readonly failoverSteps: readonly Failover['step'][];
  /** The `failback.step` values, in order; the failback's last step then removes both sections. */
  readonly failbackSteps: readonly Failback['step'][];
  /** The strategy to suggest when this one is too slow for the RTO. */
  readonly faster: Strategy;
  /** The `strategy` layer: what a dr environment keeps running in peacetime. */
  peacetime(policy: DrPolicy): DerivedLayer;
  /** The `failback` layer of each step; `standbyPercent`: the compute share the strategy keeps in standby. */
  readonly failbackLayers: Readonly<Partial<Record<Failback['step'], (f: Failback, standbyPercent: number) => DerivedLayer>>>;
  /** The compute share (percent of the primary's) a dr side keeps in standby under `policy`. */
  standbyPercent(policy: { readonly standbyCapacityPercent?: number }): number;
}

/** Pilot light and warm standby: a replica in peacetime, promoted then completed; failing back, the reverse. */
const REPLICA_FAILBACK: StrategyFacts['failbackLayers'] = {
  reprotect: (_, standby) => ({ database: { mode: 'replica' }, cluster: { capacityPercent: standby } }),
  promote: () => ({ database: { mode: 'promoted' }, cluster: { capacityPercent: 100 } }),
  complete: () => ({ database: { mode: 'primary' }, cluster: { capacityPercent: 100 } }),
};

export const STRATEGY_FACTS: Readonly<Record<Strategy, StrategyFacts>> = {
  'backup-restore': {
    replica: false,
    failoverSteps: ['restore'],
    failbackSteps: ['reprotect', 'restore'],
    faster: 'pilot-light',
    peacetime: () => ({}),
    failbackLayers: {
      // the dr environment's backups are also copied back (reverseCopyTarget); the production side is unchanged
      reprotect: () => ({}),
      restore: (f) => ({ database: { restoreFromSnapshot: f.snapshot } }),
    },
    standbyPercent: () => 0,
  },
  'pilot-light': {
    replica: true,
    failoverSteps: ['promote', 'complete'],
    failbackSteps: ['reprotect', 'promote', 'complete'],
    faster: 'warm-standby',
    peacetime: () => ({ database: { mode: 'replica' }, cluster: { capacityPercent: 0 } }),
    failbackLayers: REPLICA_FAILBACK,
    standbyPercent: () => 0,
  },
  'warm-standby': {
    replica: true,
    failoverSteps: ['promote', 'complete'],
    failbackSteps: ['reprotect', 'promote', 'complete'],
    faster: 'warm-standby',
    peacetime: (policy) => ({ database: { mode: 'replica' }, cluster: { capacityPercent: policy.standbyCapacityPercent ?? 100 } }),
    failbackLayers: REPLICA_FAILBACK,
    standbyPercent: (policy) => policy.standbyCapacityPercent ?? 100,
  },
};

/** The facts of a strategy. */
export function strategyFacts(strategy: Strategy): StrategyFacts {
  return STRATEGY_FACTS[strategy];
}

type Where = (path: (string | number)[]) => { file: string; path: string; line?: number };

/** The policy name an environment runs under, and where that name was written. */
function namedPolicy(
  def: Definition,
  m: Manifest,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
): { name: string; from: 'manifest' | 'tier' | 'default' } {
  const own = m.role === 'dr' ? (m.recovers ? manifests.get(m.recovers)?.data : undefined) : m;
  if (own?.drPolicy) return { name: own.drPolicy, from: 'manifest' };
  const tierPolicy = own ? ownEntry(def.tiers, own.tier)?.drPolicy : undefined;
  if (typeof tierPolicy === 'string') return { name: tierPolicy, from: 'tier' };
  return { name: def.dr.defaultPolicy, from: 'default' };
}

/** The policy of one environment, with every problem in naming it. */
export function resolvePolicy(
  defSrc: SourceFile<Definition>,
  src: SourceFile<Manifest>,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
  at: Where,
): { name: string; policy?: DrPolicy & { strategy: Strategy }; issues: Issue[] } {
  const def = defSrc.data;
  const m = src.data;
  const out: Issue[] = [];
  const defAt: Where = (path) => ({ file: defSrc.file, path: path.join('.'), line: defSrc.lineOf(path) });
  const allowed = Object.keys(def.dr.policies).join(', ');
  if (m.role === 'dr' && m.drPolicy !== undefined) {
    const theirs = m.recovers && manifests.get(m.recovers) ? namedPolicy(def, manifests.get(m.recovers)!.data, manifests).name : undefined;
    if (m.drPolicy !== theirs) {
      out.push(
        issue({
          kind: 'dr-policy',
          ...at(['drPolicy']),
          value: m.drPolicy,
          message: `a dr environment runs under the policy of the environment it recovers${theirs ? ` (${m.recovers}: ${theirs})` : ''}`,
          allowed: theirs ?? '(none)',
          fix: `remove drPolicy from ${src.file}, and set it on ${m.recovers ?? 'the production environment'} instead`,
        }),
      );
    }
  }
  const named = namedPolicy(def, m, manifests);
  const policy = ownEntry(def.dr.policies, named.name);
  if (!policy) {
    const where =
      named.from === 'manifest'
        ? m.role === 'dr'
          ? at(['recovers'])
          : at(['drPolicy'])
        : named.from === 'tier'
          ? defAt(['tiers', m.tier, 'drPolicy'])
          : defAt(['dr', 'defaultPolicy']);
    out.push(
      issue({
        kind: 'dr-policy',
        ...where,
        value: named.name,
        message: `no DR policy "${named.name}" in ${defSrc.file}`,
        allowed,
        fix: 'name a policy defined under dr.policies, or define it',
      }),
    );
    return { name: named.name, issues: out };
  }
  out.push(...policyProblems(named.name, policy, defAt), ...storeTargetProblems(def, named.name, policy, defAt));
  if (out.some((i) => i.severity === 'error')) return { name: named.name, issues: out };
  return { name: named.name, policy: policy as DrPolicy & { strategy: Strategy }, issues: out };
}

function policyProblems(name: string, p: DrPolicy, defAt: Where): Issue[] {
  const base = ['dr', 'policies', name];
  const out: Issue[] = [];
  if (p.strategy === 'active-active') {
    out.push(
      issue({
        kind: 'strategy-unsupported',
        ...defAt([...base, 'strategy']),
        value: p.strategy,
        message:
          'active-active needs a database that accepts writes in two regions at once; a multi-primary PostgreSQL is not something Parity generates (RDS and Cloud SQL replicas are read-only until promoted)',
        allowed: 'backup-restore, pilot-light, warm-standby',
        fix: 'use warm-standby (a replica and running compute in the DR region, promoted in minutes)',
      }),
    );
  }
  if (p.strategy === 'warm-standby' && p.standbyCapacityPercent === undefined) {
    out.push(
      issue({
        kind: 'dr-policy',
        ...defAt(base),
        value: name,
        message: 'a warm-standby policy must say how much compute runs in the DR region',
        allowed: 'standbyCapacityPercent: 1..100',
        fix: `add standbyCapacityPercent (e.g. 25) to dr.policies.${name}`,
      }),
    );
  }
  if (p.strategy !== 'warm-standby' && p.standbyCapacityPercent !== undefined) {
    out.push(
      issue({
        kind: 'dr-policy',
        ...defAt([...base, 'standbyCapacityPercent']),
        value: p.standbyCapacityPercent,
        message: `standbyCapacityPercent applies to warm-standby only; under ${p.strategy} it would be ignored`,
        allowed: '(none)',
        fix: 'remove it, or set strategy: warm-standby',
      }),
    );
  }
  // a strategy Parity does not implement (active-active, refused above) has no facts, and no replica
  const facts: Partial<Record<string, StrategyFacts>> = STRATEGY_FACTS;
  if (p.replicaLagSeconds !== undefined && !facts[p.strategy]?.replica) {
    out.push(
      issue({
        kind: 'dr-policy',
        ...defAt([...base, 'replicaLagSeconds']),
        value: p.replicaLagSeconds,
        message: `replicaLagSeconds is the lag budget of a database replica; under ${p.strategy} there is none and it would be ignored`,
        allowed: '(none)',
        fix: 'remove it, or set strategy: pilot-light or warm-standby',
      }),
    );
  }
  return out;
}

/** The `strategy` layer of a dr environment: what its strategy keeps running in peacetime. */
export function strategyLayer(strategy: Strategy, policy: DrPolicy): DerivedLayer {
  return strategyFacts(strategy).peacetime(policy);
}

/** What each failover step sets (the steps a strategy takes are its facts' `failoverSteps`). */
const STEP_LAYERS: Record<Failover['step'], (f: Failover) => DerivedLayer> = {
  restore: (f) => ({ database: { restoreFromSnapshot: f.snapshot }, cluster: { capacityPercent: 100 } }),
  promote: () => ({ database: { mode: 'promoted' }, cluster: { capacityPercent: 100 } }),
  complete: () => ({ database: { mode: 'primary' }, cluster: { capacityPercent: 100 } }),
};

/** The `failover` layer of a dr manifest's `failover` section, refusing a step that does not fit the strategy. */
export function failoverLayer(
  m: Manifest,
  strategy: Strategy | undefined,
  policyName: string,
  at: Where,
): { layer: DerivedLayer; issues: Issue[] } {
  const f = m.failover;
  if (!f) return { layer: {}, issues: [] };
  if (m.role !== 'dr') {
    return {
      layer: {},
      issues: [
        issue({
          kind: 'failover',
          ...at(['failover']),
          message: `only a dr environment fails over; this one is ${m.role}`,
          fix: 'remove the failover section',
        }),
      ],
    };
  }
  if (!strategy) return { layer: {}, issues: [] };
  const facts = strategyFacts(strategy);
  const out: Issue[] = [];
  if (!facts.failoverSteps.includes(f.step)) {
    const fits = facts.failoverSteps;
    out.push(
      issue({
        kind: 'failover',
        ...at(['failover', 'step']),
        value: f.step,
        message: `step ${f.step} does not fit ${m.recovers ?? 'this pair'}'s policy ${policyName} (${strategy})`,
        allowed: fits.join(', '),
        fix: facts.replica
          ? 'promote the replica first (step: promote), then step: complete'
          : 'restore from a snapshot: step: restore with snapshot: <id or ARN>',
      }),
    );
  }
  if (f.step === 'restore' && !f.snapshot) {
    out.push(
      issue({
        kind: 'failover',
        ...at(['failover']),
        value: f.step,
        message: 'step restore needs the snapshot to restore from',
        allowed: 'snapshot: <identifier or ARN>',
        fix: 'add failover.snapshot (the latest copy in this region: pnpm drill lists them)',
      }),
    );
  }
  if (f.step !== 'restore' && f.snapshot !== undefined) {
    out.push(
      issue({
        kind: 'failover',
        ...at(['failover', 'snapshot']),
        value: f.snapshot,
        message: `snapshot is read by step restore only; step ${f.step} promotes the replica`,
        allowed: '(none)',
        fix: 'remove failover.snapshot',
      }),
    );
  }
  return { layer: out.length > 0 ? {} : STEP_LAYERS[f.step](f), issues: out };
}
