/**
 * What the report shows, gathered in one place: the `pnpm check` report (the very object
 * `check --json` prints), the resolved environments it was computed from (for where each
 * parameter came from and which bundles are pinned), the region catalog (where to draw each
 * region) and every drill report under `environments/<dr>/drills/*.json`.
 *
 * Fields the DR part of the check gains over time (`policy`, `mechanisms`, `standby`) are read
 * defensively: the page works with the check as it is and as it will be.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CheckReport, DrPair, Finding } from '@parity/checks';
import { drillReportFiles, readDrillReport, regionCatalog, type Cloud, type ResolvedEnvironment } from '@parity/model';

/** How data reaches the DR region, weakest to strongest. */
export type Mechanism = 'none' | 'backup-copy' | 'replicated-backups' | 'replica';

export const MECHANISM_LABEL: Readonly<Record<Mechanism, string>> = {
  none: 'nothing reaches the DR region',
  'backup-copy': 'backup copy',
  'replicated-backups': 'replicated backups',
  replica: 'read replica',
};

export interface EnvPoint {
  readonly name: string;
  readonly cloud: string;
  readonly region: string;
  readonly role: string;
  readonly tier: string;
  readonly jurisdiction: string;
  /** The catalog's jurisdiction of the region (a country, EU or UK), for shading. */
  readonly regionJurisdiction?: string;
  readonly city?: string;
  readonly lat?: number;
  readonly lon?: number;
  /** Residency errors (findings of the residency check) about this environment. */
  readonly residency: readonly Finding[];
  /** A production environment whose data does not reach a DR region: why. */
  readonly unprotected?: string;
}

/** What is wrong with an environment on the map, in words; empty when nothing is. */
export function envProblems(p: EnvPoint): string[] {
  return [...p.residency.map((f) => `residency: ${f.message}`), ...(p.unprotected ? [p.unprotected] : [])];
}

export interface Arrow {
  readonly primary: string;
  readonly dr: string;
  /** How the pair's database reaches the DR region: what the arrow is drawn as (see {@link pairMechanism}). */
  readonly mechanism: Mechanism;
  /** Every mechanism found, as the check words it. */
  readonly mechanisms: readonly string[];
  /** Each stateful store (bundle) and how it reaches the DR region, the database first. */
  readonly stores: readonly StoreView[];
  /** Stateful bundles nothing protects in the DR region. */
  readonly uncovered: readonly string[];
  /** A residency error names one end of the pair (e.g. a dr region outside the primary's jurisdiction). */
  readonly residency: boolean;
  /**
   * Where the pair is in a failover or failback (`failover: promote`, `failback: reprotect`), when
   * one is under way; none in peacetime.
   */
  readonly phase?: string;
  /** The dr environment runs as the primary (its failover is complete): data flows from it to the primary's region. */
  readonly reversed: boolean;
}

export interface DrillStep {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly startedAt?: string;
  readonly durationSeconds?: number;
  readonly detail?: string;
}

export interface Drill {
  readonly file: string;
  readonly drEnv: string;
  readonly startedAt: string;
  readonly status: string;
  readonly target?: string;
  readonly rtoMinutes?: number;
  readonly rpoMinutes?: number;
  readonly steps: readonly DrillStep[];
  /** The drill's evidence record (markdown), relative to the page (or to the root when no page is given). */
  readonly evidence?: string;
}

export interface ParamOrigin {
  readonly value: unknown;
  /** `bundle`, `definition`, `tier`, `override`, and the derived `strategy` and `failover`. */
  readonly source: string;
}

export interface ReportData {
  readonly check: CheckReport;
  readonly envs: readonly EnvPoint[];
  readonly arrows: readonly Arrow[];
  /** Per environment and bundle: each parameter's value and source, and the pin if any. */
  readonly params: Readonly<
    Record<string, Readonly<Record<string, { readonly pinned?: string; readonly params: Readonly<Record<string, ParamOrigin>> }>>>
  >;
  /** Drill reports per dr environment, newest first. */
  readonly drills: Readonly<Record<string, readonly Drill[]>>;
}

/** A DR pair's policy, as far as the check names it. */
export interface PolicyView {
  readonly name?: string;
  readonly strategy?: string;
  readonly rpoMinutes?: number;
  readonly rtoMinutes?: number;
  readonly copyDelayMinutes?: number;
  readonly standbyCapacityPercent?: number;
}

/** Fields of a DR pair that newer checks add (DESIGN-dr §5), read from whatever shape they take; never required. */
export interface PairExtras {
  readonly policy: PolicyView;
  readonly mechanisms?: unknown;
  readonly standby?: unknown;
  /** The strategy both environments' Terraform implements. */
  readonly implemented?: string;
  /** The failover step the dr manifest records. */
  readonly failover?: string;
  /** The failback step the production manifest records. */
  readonly failback?: string;
  /** Of a protection: what recovery does with it (`promotion`, `restore`). */
  readonly recovery?: string;
}

export interface StandbyItemView {
  readonly resource: string;
  readonly what: string;
  readonly size?: string;
  readonly count?: number;
}

/** The standby's items, when it has the check's shape (`{ applied, items: [{ resource, what, size?, count? }] }`). */
export function standbyItems(standby: unknown): StandbyItemView[] | undefined {
  const items = field(standby, 'items');
  if (!Array.isArray(items)) return undefined;
  return items.map((i) => ({
    resource: text(field(i, 'resource')) ?? '',
    what: text(field(i, 'what')) ?? '',
    size: text(field(i, 'size')),
    count: num(field(i, 'count')),
  }));
}

export function standbyApplied(standby: unknown): boolean | undefined {
  const a = field(standby, 'applied');
  return typeof a === 'boolean' ? a : undefined;
}

const field = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The optional DR fields of a pair. `policy` may be a name (`"important"`) or an object with
 * `name`, `strategy`, the targets (flat or under `targets`), the copy-delay budget (flat, a number
 * `budget`, or under `budget`) and `standbyCapacityPercent`.
 */
export function extras(p: object): PairExtras {
  const raw = field(p, 'policy');
  const targets = field(raw, 'targets');
  const budget = field(raw, 'budget');
  const pick = (...vs: unknown[]) => vs.map(num).find((v) => v !== undefined);
  const policy: PolicyView =
    typeof raw === 'string'
      ? { name: raw }
      : {
          name: text(field(raw, 'name')),
          strategy: text(field(raw, 'strategy')),
          rpoMinutes: pick(field(raw, 'rpoMinutes'), field(targets, 'rpoMinutes')),
          rtoMinutes: pick(field(raw, 'rtoMinutes'), field(targets, 'rtoMinutes')),
          copyDelayMinutes: pick(field(raw, 'copyDelayMinutes'), budget, field(budget, 'copyDelayMinutes')),
          standbyCapacityPercent: pick(field(raw, 'standbyCapacityPercent')),
        };
  return {
    policy,
    mechanisms: field(p, 'mechanisms'),
    standby: field(p, 'standby'),
    implemented: text(field(p, 'implemented')),
    failover: text(field(p, 'failover')),
    failback: text(field(p, 'failback')),
    recovery: text(field(p, 'recovery')),
  };
}

/** The mechanism a check's wording describes. */
export function classifyMechanism(text: string): Mechanism {
  const t = text.toLowerCase();
  if (/\breplica\b|replica-lag|read replica|master_instance_name|replicate_source_db/.test(t)) return 'replica';
  if (/replicated|replication/.test(t)) return 'replicated-backups';
  if (/backup|snapshot|cop(y|ied)|stored in/.test(t)) return 'backup-copy';
  return 'none';
}

const RANK: Readonly<Record<Mechanism, number>> = { none: 0, 'backup-copy': 1, 'replicated-backups': 2, replica: 3 };

/** The check's mechanism kinds (`Mechanism.kind` in @parity/checks) as the map draws them. */
const KINDS: Readonly<Record<string, Mechanism>> = {
  replica: 'replica',
  'replicated-backups': 'replicated-backups',
  backups: 'backup-copy',
};

/** One way data reaches the DR region: its kind, the check's words for it, and the bundle it protects when the check says. */
export interface MechanismView {
  readonly kind: Mechanism;
  readonly text: string;
  readonly bundle?: string;
}

/**
 * How a pair's data reaches the DR region: the check's `mechanisms` (each with its `kind`), and
 * `coverage[].protections` (kind read from the wording) for checks without them.
 */
export function mechanismsOf(p: DrPair): MechanismView[] {
  const out: MechanismView[] = [];
  const listed = extras(p).mechanisms;
  for (const m of Array.isArray(listed) ? listed : []) {
    const kind = text(field(m, 'kind'));
    const words = text(field(m, 'mechanism')) ?? kind;
    if (!words) continue;
    const bundle = text(field(m, 'bundle'));
    out.push({ kind: (kind && KINDS[kind]) || classifyMechanism(`${kind ?? ''} ${words}`), text: words, ...(bundle ? { bundle } : {}) });
  }
  const seen = new Set(out.map((m) => m.text));
  for (const c of p.coverage ?? []) {
    for (const x of c.protections ?? [])
      if (!seen.has(x.mechanism)) out.push({ kind: classifyMechanism(x.mechanism), text: x.mechanism, bundle: c.bundle });
  }
  return out.filter((m, i) => out.findIndex((y) => y.text === m.text) === i);
}

/** Every mechanism the pair names, in the check's words. */
export function mechanismTexts(p: DrPair): string[] {
  return mechanismsOf(p).map((m) => m.text);
}

const strongestOf = (views: readonly MechanismView[]): Mechanism =>
  views.map((m) => m.kind).reduce<Mechanism>((a, m) => (RANK[m] > RANK[a] ? m : a), 'none');

/** The strongest mechanism that protects any of the pair's data. */
export function strongest(p: DrPair): Mechanism {
  return strongestOf(mechanismsOf(p));
}

/** The store whose mechanism a pair is drawn by: its recovery (a replica promoted, or a restore) is the pair's strategy. */
export const DRAWN_STORE = 'database';

/** One stateful store (bundle) of a pair: its strongest mechanism, and the check's words for each. */
export interface StoreView {
  readonly bundle: string;
  readonly mechanism: Mechanism;
  readonly texts: readonly string[];
}

/** Each store the pair names (coverage, then mechanisms), the database first: how its data reaches the DR region. */
export function storesOf(p: DrPair): StoreView[] {
  const views = mechanismsOf(p);
  const bundles = [...new Set([...(p.coverage ?? []).map((c) => c.bundle), ...views.flatMap((v) => (v.bundle ? [v.bundle] : []))])];
  const rank = (b: string) => (b === DRAWN_STORE ? 0 : 1);
  return bundles
    .sort((a, b) => rank(a) - rank(b))
    .map((bundle) => {
      const own = views.filter((v) => v.bundle === bundle);
      return { bundle, mechanism: strongestOf(own), texts: own.map((v) => v.text) };
    });
}

/** A store in words: `bucket: S3 replication to …`, or that nothing reaches the DR region. */
export function storeText(s: StoreView): string {
  return `${s.bundle}: ${s.texts.join('; ') || MECHANISM_LABEL.none}`;
}

/**
 * What a pair is drawn as: how its database reaches the DR region, not the strongest of every
 * store (a bucket's S3 replication is no database replica). A pair without a database is drawn by
 * the strongest mechanism it has.
 */
export function pairMechanism(p: DrPair): Mechanism {
  const db = storesOf(p).find((s) => s.bundle === DRAWN_STORE);
  return db ? db.mechanism : strongest(p);
}

/** Why a production environment's data does not reach a DR region, if it does not. */
function unprotected(check: CheckReport, env: string): string | undefined {
  const pairs = check.dr.filter((p) => p.primary === env);
  if (pairs.length && pairs.every((p) => !p.dr)) return 'unprotected: no dr environment recovers it';
  const gaps = pairs.flatMap((p) => (p.coverage ?? []).filter((c) => !c.covered).map((c) => `${c.bundle} (${p.dr?.region})`));
  return gaps.length ? `unprotected: nothing reaches the DR region for ${gaps.join(', ')}` : undefined;
}

function envPoints(check: CheckReport): EnvPoint[] {
  const cat = regionCatalog();
  // previews are listed apart (html.ts), not drawn: the map is the fleet
  return check.envs
    .filter((e) => e.role !== 'preview')
    .map((e) => {
      const info = cat.get(e.cloud as Cloud, e.region);
      const residency = check.findings.filter((f) => f.check === 'residency' && f.severity === 'error' && f.env === e.name);
      const gap = unprotected(check, e.name);
      return {
        name: e.name,
        cloud: e.cloud,
        region: e.region,
        role: e.role,
        tier: e.tier,
        jurisdiction: e.jurisdiction,
        residency,
        ...(gap ? { unprotected: gap } : {}),
        ...(info ? { regionJurisdiction: info.jurisdiction } : {}),
        ...(info?.location ? { city: info.location.city, lat: info.location.lat, lon: info.location.lon } : {}),
      };
    });
}

function arrows(check: CheckReport, points: readonly EnvPoint[]): Arrow[] {
  const byName = new Map(points.map((p) => [p.name, p]));
  return check.dr
    .filter((p): p is DrPair & { dr: NonNullable<DrPair['dr']> } => !!p.dr)
    .map((p) => {
      const from = byName.get(p.primary);
      const to = byName.get(p.dr.name);
      const { failover, failback } = extras(p);
      const phase = [failover && `failover: ${failover}`, failback && `failback: ${failback}`].filter(Boolean).join(', ');
      return {
        ...(phase ? { phase } : {}),
        reversed: failover === 'complete',
        primary: p.primary,
        dr: p.dr.name,
        mechanism: pairMechanism(p),
        mechanisms: mechanismTexts(p),
        stores: storesOf(p),
        uncovered: (p.coverage ?? []).filter((c) => !c.covered).map((c) => c.bundle),
        residency: !!from?.residency.length || !!to?.residency.length,
      };
    });
}

function paramOrigins(envs: readonly ResolvedEnvironment[]): ReportData['params'] {
  const out: Record<string, Record<string, { pinned?: string; params: Record<string, ParamOrigin> }>> = {};
  for (const e of envs) {
    out[e.name] = {};
    for (const b of e.bundles) {
      const params: Record<string, ParamOrigin> = {};
      for (const [k, v] of Object.entries(b.params)) params[k] = { value: v, source: (b.sources as Record<string, string>)[k] ?? 'bundle' };
      out[e.name]![b.name] = { params, ...(b.pinned ? { pinned: b.version } : {}) };
    }
  }
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** One drill report file (relative to the root), through the model's reader; undefined when it is not a drill report. */
export function readDrill(root: string, file: string, pageDir?: string): Drill | undefined {
  const r = readDrillReport(root, file).report;
  if (!r) return undefined;
  const evidence = r.files?.evidence?.markdown;
  const here = evidence && existsSync(join(root, evidence)) ? evidence : undefined;
  return {
    file,
    ...(here ? { evidence: pageDir ? relative(pageDir, join(root, here)) : here } : {}),
    drEnv: r.drEnv,
    startedAt: r.startedAt,
    status: r.status,
    target: r.target.description,
    ...(r.rto ? { rtoMinutes: r.rto.measuredMinutes } : {}),
    ...(r.rpo ? { rpoMinutes: r.rpo.measuredMinutes } : {}),
    steps: r.steps.map((st) => {
      const detail = st.error ?? st.detail;
      return {
        id: st.id,
        title: st.title,
        status: st.status,
        ...(st.startedAt ? { startedAt: st.startedAt } : {}),
        ...(st.durationSeconds !== undefined ? { durationSeconds: st.durationSeconds } : {}),
        ...(detail ? { detail } : {}),
      };
    }),
  };
}

function drills(root: string, check: CheckReport, pageDir?: string): ReportData['drills'] {
  const out: Record<string, Drill[]> = {};
  for (const e of check.envs.filter((x) => x.role === 'dr')) {
    const list = drillReportFiles(root, e.name)
      .map((f) => readDrill(root, f, pageDir))
      .filter((d): d is Drill => !!d);
    if (list.length) out[e.name] = list;
  }
  return out;
}

/** Everything the page shows, from the check report and the environments it resolved. */
export function reportData(root: string, check: CheckReport, envs: readonly ResolvedEnvironment[], pageDir?: string): ReportData {
  const points = envPoints(check);
  return { check, envs: points, arrows: arrows(check, points), params: paramOrigins(envs), drills: drills(root, check, pageDir) };
}
