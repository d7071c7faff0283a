/**
 * N-way parity: every environment against every other at once. For each bundle, the versions and
 * every parameter are grouped by value across the whole fleet. A parameter the definition lets
 * differ is shown; one it does not is a violation for the environments outside the majority.
 * A bundle missing somewhere, or a major version apart, is a violation; a minor or patch version
 * behind is a promotion pending.
 */
import semver from 'semver';
import { isTransformKey, transformKey, type Definition, type ResolvedBundle, type ResolvedEnvironment } from '@parity/model';
import type { Finding } from './findings.js';

export type CellStatus = 'ok' | 'pending' | 'violation' | 'missing';

export interface MatrixCell {
  readonly version?: string;
  readonly status: CellStatus;
  /** Parameters whose value here differs from some other environment, allowed or not. */
  readonly differs: Readonly<Record<string, unknown>>;
  /** Of those, the ones that must match (violations). */
  readonly violations: readonly string[];
  /** The newest version elsewhere, when this one is behind. */
  readonly behind?: string;
}

export interface Difference {
  readonly bundle: string;
  readonly param: string;
  readonly allowed: boolean;
  /** Each distinct value and the environments that have it, most common first. */
  readonly groups: ReadonlyArray<{ readonly value: unknown; readonly envs: readonly string[] }>;
  /** Environments whose value is derived from their DR policy or failover step (allowed to differ). */
  readonly derived?: readonly string[];
}

/** Parameter sources derived from the DR policy and the failover step, not written by anyone. */
const DERIVED = new Set(['strategy', 'failover', 'failback']);

function sortGroups<T extends { envs: string[] }>(groups: T[]): T[] {
  return groups.sort((x, y) => y.envs.length - x.envs.length || x.envs[0]!.localeCompare(y.envs[0]!));
}

export interface ParityMatrix {
  readonly envs: readonly string[];
  readonly bundles: readonly string[];
  readonly cells: Readonly<Record<string, Readonly<Record<string, MatrixCell>>>>;
  readonly differences: readonly Difference[];
}

/** JSON with sorted keys, so equal values compare equal. */
export function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/** A bundle's parameters and transformed attributes (`transform:<resource>.<attribute>`): what must match. */
function valuesOf(rb: ResolvedBundle): Record<string, unknown> {
  return { ...rb.params, ...Object.fromEntries((rb.transforms ?? []).map((t) => [transformKey(t.resource, t.attribute), t.value])) };
}

/** Every environment against every other: each bundle's presence, version and parameters across the fleet. */
export function parityMatrix(
  definition: Definition,
  envs: readonly ResolvedEnvironment[],
  definitionFile = 'environments/platform.yaml',
): { matrix: ParityMatrix; findings: Finding[] } {
  const findings: Finding[] = [];
  const names = envs.map((e) => e.name);
  const bundles = Object.keys(definition.bundles);
  const cells: Cells = {};
  for (const e of envs) cells[e.name] = {};
  const differences: Difference[] = [];
  for (const b of bundles) {
    const present = envs.filter((e) => e.bundles.some((x) => x.name === b));
    const scan: BundleScan = { definition, envs, definitionFile, b, present, cells, findings, differences };
    bundlePresence(scan);
    if (present.length === 0) continue;
    bundleVersions(scan);
    bundleParameters(scan);
  }
  return { matrix: { envs: names, bundles, cells, differences }, findings };
}

type Cell = { version?: string; status: CellStatus; differs: Record<string, unknown>; violations: string[]; behind?: string };
type Cells = Record<string, Record<string, Cell>>;

/** One bundle being compared across the fleet, and where the matrix and findings go. */
interface BundleScan {
  readonly definition: Definition;
  readonly envs: readonly ResolvedEnvironment[];
  readonly definitionFile: string;
  readonly b: string;
  /** The environments that run the bundle. */
  readonly present: readonly ResolvedEnvironment[];
  readonly cells: Cells;
  readonly findings: Finding[];
  readonly differences: Difference[];
}

function bundleOf(e: ResolvedEnvironment, b: string): ResolvedEnvironment['bundles'][number] {
  return e.bundles.find((x) => x.name === b)!;
}

/** A cell per environment; an environment that does not run the bundle is a violation. */
function bundlePresence({ envs, b, present, cells, findings }: BundleScan): void {
  for (const e of envs) {
    const rb = e.bundles.find((x) => x.name === b);
    cells[e.name]![b] = rb
      ? { version: rb.version, status: 'ok', differs: {}, violations: [] }
      : { status: 'missing', differs: {}, violations: [] };
    if (!rb) {
      findings.push({
        check: 'parity',
        kind: 'bundle-missing',
        severity: 'error',
        env: e.name,
        file: e.file,
        path: `bundles.${b}`,
        message: `${e.name} does not run bundle "${b}", which ${present.map((p) => p.name).join(', ') || 'the definition'} run${present.length === 1 ? 's' : ''}`,
        fix: `fix the problems that keep ${b} from resolving in ${e.file}`,
      });
    }
  }
}

/** Against the newest version anywhere: a major version apart is a violation, behind is a promotion pending. */
function bundleVersions({ b, present, cells, findings }: BundleScan): void {
  const versions = present.map((e) => bundleOf(e, b).version);
  const newest = versions.reduce((a, v) => (semver.gt(v, a) ? v : a));
  for (const e of present) {
    const v = bundleOf(e, b).version;
    const cell = cells[e.name]![b]!;
    if (semver.major(v) !== semver.major(newest)) {
      cell.status = 'violation';
      cell.behind = newest;
      findings.push({
        check: 'parity',
        kind: 'major-version',
        severity: 'error',
        env: e.name,
        file: e.file,
        path: `bundles.${b}`,
        value: v,
        message: `${b} ${v} is a major version apart from ${newest}, which other environments run`,
        allowed: `${semver.major(newest)}.x`,
        fix: `promote ${e.name} to ${b}@${newest} (a major change: review its changelog)`,
      });
    } else if (semver.lt(v, newest)) {
      cell.status = 'pending';
      cell.behind = newest;
      findings.push({
        check: 'parity',
        kind: 'promotion-pending',
        severity: 'warning',
        env: e.name,
        file: e.file,
        path: `bundles.${b}`,
        value: v,
        message: `promotion pending: ${b} ${v} here, ${newest} elsewhere`,
        fix: `promote ${e.name} to ${b}@${newest} when it has been proven in the environments that run it`,
      });
    }
  }
}

/** Every parameter (and transformed attribute) grouped by value across the environments that run the bundle. */
function bundleParameters(scan: BundleScan): void {
  const { b, present } = scan;
  const keys = [...new Set(present.flatMap((e) => Object.keys(valuesOf(bundleOf(e, b)))))].sort();
  for (const param of keys) parameterDifference(scan, param);
}

/** One parameter's groups of values: a difference, and a violation outside the majority unless it may differ. */
function parameterDifference(scan: BundleScan, param: string): void {
  const { definition, envs, b, present, cells, differences } = scan;
  const groups = new Map<string, { value: unknown; envs: string[] }>();
  for (const e of present) {
    const value = valuesOf(bundleOf(e, b))[param];
    const k = stable(value);
    if (!groups.has(k)) groups.set(k, { value, envs: [] });
    groups.get(k)!.envs.push(e.name);
  }
  if (groups.size < 2) return;
  const sorted = sortGroups([...groups.values()]);
  // Values derived from a DR policy or a failover step (a dr environment's replica, its
  // scaled-down compute) are allowed differences; the other environments must still agree.
  const derived = (n: string) => DERIVED.has(bundleOf(envs.find((x) => x.name === n)!, b).sources[param] ?? '');
  const plain = sortGroups(
    sorted.map((g) => ({ value: g.value, envs: g.envs.filter((n) => !derived(n)) })).filter((g) => g.envs.length > 0),
  );
  const allowed = new Set(definition.bundles[b]!.mayDiffer).has(param) || plain.length < 2;
  const derivedEnvs = sorted.flatMap((g) => g.envs.filter(derived));
  differences.push({ bundle: b, param, allowed, groups: sorted, ...(derivedEnvs.length > 0 ? { derived: derivedEnvs } : {}) });
  for (const g of sorted) for (const n of g.envs) cells[n]![b]!.differs[param] = g.value;
  if (!allowed) mismatches(scan, param, plain);
}

/** A parity-mismatch for every environment outside the most common (non-derived) value. */
function mismatches(
  { envs, definitionFile, b, cells, findings }: BundleScan,
  param: string,
  plain: ReadonlyArray<{ value: unknown; envs: string[] }>,
): void {
  const reference = plain[0]!;
  for (const g of plain.slice(1)) {
    for (const n of g.envs) {
      const e = envs.find((x) => x.name === n)!;
      const cell = cells[n]![b]!;
      cell.status = 'violation';
      cell.violations.push(param);
      // A transform that may not differ is reported by resolution, with its file and line.
      if (isTransformKey(param)) continue;
      const overridden = bundleOf(e, b).sources[param] === 'override';
      findings.push({
        check: 'parity',
        kind: 'parity-mismatch',
        severity: 'error',
        env: n,
        file: overridden ? e.file : definitionFile,
        path: overridden ? `overrides.${b}.${param}` : `bundles.${b}`,
        value: g.value,
        message: `${b}.${param} is ${stable(g.value)} in ${n} but ${stable(reference.value)} in ${reference.envs.join(', ')}; it must be the same everywhere`,
        allowed: stable(reference.value),
        fix: overridden
          ? `remove overrides.${b}.${param} from ${e.file}, or add ${param} to bundles.${b}.mayDiffer in ${definitionFile} if environments really may differ`
          : `make ${b}.${param} the same in every environment`,
      });
    }
  }
}
