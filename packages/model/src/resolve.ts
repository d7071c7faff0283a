/**
 * Resolution: definition + manifest → a fully resolved, validated environment.
 *
 * Parameter values are layered: bundle defaults, then the definition's `defaults`, then the
 * tier, then the manifest's `overrides`. Tiers and overrides may only touch parameters the
 * definition lists in `mayDiffer`; everything else is identical in every environment.
 * Every problem is collected and returned; nothing throws on the first one.
 */
import semver from 'semver';
import type { BundleSpec, FeatureSpec } from './bundle.js';
import { regionCatalog, type Cloud, type RegionInfo } from './catalog.js';
import { zodIssues, type Definition, type Manifest, type SourceFile } from './config.js';
import { deriveBackupSchedule, type BackupSchedule } from './dr.js';
import { failoverLayer, replicates, resolvePolicy, strategyLayer, type DerivedLayer, type ResolvedDr } from './drpolicy.js';
import type { Role } from './envname.js';
import { issue, type Issue } from './errors.js';

/** Where a parameter's value came from; `strategy` and `failover` are derived from the DR policy and the failover step. */
export type ParamSource = 'bundle' | 'definition' | 'tier' | 'strategy' | 'override' | 'failover';

export interface ResolvedBundle {
  readonly name: string;
  readonly package: string;
  readonly version: string;
  /** The range the definition asks for. */
  readonly range: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Where each parameter's value came from. */
  readonly sources: Readonly<Record<string, ParamSource>>;
  readonly connects: readonly string[];
  readonly stateful: boolean;
  /**
   * Set when the manifest pins this bundle to a published version: the folder, relative to the
   * workspace root, whose node_modules holds that package (see BUNDLE_CACHE). Absent: the
   * environment follows the workspace's copy.
   */
  readonly pinned?: { readonly dir: string };
}

export interface EnvRef {
  readonly name: string;
  readonly region: string;
}

export type StateBackend =
  | { readonly backend: 's3'; readonly bucket: string; readonly key: string; readonly region: string; readonly lockTable?: string }
  | { readonly backend: 'gcs'; readonly bucket: string; readonly prefix: string; readonly region: string };

export interface ResolvedEnvironment {
  readonly name: string;
  /** Manifest path relative to the workspace root. */
  readonly file: string;
  readonly platform: string;
  readonly cloud: Cloud;
  readonly region: string;
  readonly regionName: string;
  /** The region's jurisdiction, or the one the definition gives this environment (residency.environments). */
  readonly jurisdiction: string;
  /** The catalog jurisdictions that make it up (one, unless it is a residency group). */
  readonly jurisdictions: readonly string[];
  readonly role: Role;
  readonly tier: string;
  /** dr only: the environment it recovers. */
  readonly recovers?: EnvRef;
  /** production: the dr environments that recover it (backup copies go to their regions). */
  readonly drTargets: readonly EnvRef[];
  readonly gcpProject?: string;
  readonly state: StateBackend;
  /** The DR policy this environment runs under (a dr environment: that of the one it recovers). */
  readonly dr: ResolvedDr;
  readonly backup: BackupSchedule & {
    /** Regions backups are copied to: the dr targets' regions. */
    readonly copyRegions: readonly string[];
    /** Where backups are kept (GCP Cloud SQL backup location, GKE backup plan location). */
    readonly location: string;
  };
  /** Regions of this cloud inside the jurisdiction: where data may land. */
  readonly dataRegions: readonly string[];
  /** In dependency order. */
  readonly bundles: readonly ResolvedBundle[];
}

export interface ResolveInput {
  readonly definition: SourceFile<Definition>;
  readonly manifests: ReadonlyMap<string, SourceFile<Manifest>>;
  readonly bundles: ReadonlyMap<string, BundleSpec>;
  /** Pinned bundle versions, by `pinKey(bundle, version)` (loadWorkspace loads those the manifests name). */
  readonly pinned?: ReadonlyMap<string, PinnedLoad>;
}

/** A pinned bundle version, loaded (its spec and cache folder) or not (why, and the fix). */
export type PinnedLoad =
  | { readonly ok: true; readonly spec: BundleSpec; readonly dir: string }
  | { readonly ok: false; readonly message: string; readonly allowed?: string; readonly fix: string };

export function pinKey(bundle: string, version: string): string {
  return `${bundle}@${version}`;
}

export function packageOf(name: string, entry: { package?: string }): string {
  return entry.package ?? `@parity/bundle-${name}`;
}

function paramKeys(spec: BundleSpec): Set<string> {
  return new Set(Object.keys(spec.params.shape));
}

/** Problems in the definition itself, independent of any environment. */
export function checkDefinition(input: Pick<ResolveInput, 'definition' | 'bundles'>): Issue[] {
  const { definition: src, bundles } = input;
  const def = src.data;
  const file = src.file;
  const out: Issue[] = [];
  const at = (path: (string | number)[]) => ({ file, path: path.join('.'), line: src.lineOf(path) });

  for (const [name, entry] of Object.entries(def.bundles)) {
    const spec = bundles.get(name);
    if (!spec) {
      out.push(issue({ kind: 'unknown-bundle', ...at(['bundles', name]), value: packageOf(name, entry), message: `bundle "${name}" could not be loaded`, fix: `add ${packageOf(name, entry)} to the root package.json and run pnpm install, or remove bundles.${name}` }));
      continue;
    }
    if (!semver.validRange(entry.version)) {
      out.push(issue({ kind: 'bundle-version', ...at(['bundles', name, 'version']), value: entry.version, message: 'not a semver range', allowed: 'a range such as ^1.0.0 or 1.2.3', fix: 'write a valid semver range' }));
    } else if (!semver.satisfies(spec.version, entry.version)) {
      out.push(issue({ kind: 'bundle-version', ...at(['bundles', name, 'version']), value: entry.version, message: `the workspace has ${spec.package}@${spec.version}, which does not satisfy ${entry.version}`, allowed: `a range that includes ${spec.version}`, fix: `widen the range (e.g. ^${semver.major(spec.version)}.0.0) or pin environments to a published version` }));
    }
    const keys = paramKeys(spec);
    for (const k of Object.keys(entry.defaults)) {
      if (!keys.has(k)) out.push(unknownParam(at(['bundles', name, 'defaults', k]), name, k, keys));
    }
    for (const [i, k] of entry.mayDiffer.entries()) {
      if (!keys.has(k)) out.push(unknownParam(at(['bundles', name, 'mayDiffer', i]), name, k, keys));
    }
    for (const needed of Object.keys(spec.connects)) {
      if (!def.bundles[needed]) {
        out.push(issue({ kind: 'missing-connection', ...at(['bundles', name]), message: `bundle "${name}" connects to "${needed}" (${spec.connects[needed]!.description}), which the definition does not include`, fix: `add bundles.${needed}` }));
      }
    }
  }
  for (const [tier, perBundle] of Object.entries(def.tiers)) {
    for (const [bundle, values] of Object.entries(perBundle)) {
      if (bundle === 'drPolicy') {
        if (typeof values === 'string' && !def.dr.policies[values]) out.push(unknownPolicy(at(['tiers', tier, 'drPolicy']), values, def));
        continue;
      }
      const entry = def.bundles[bundle];
      if (!entry) {
        out.push(issue({ kind: 'unknown-bundle', ...at(['tiers', tier, bundle]), value: bundle, message: `tier "${tier}" sets bundle "${bundle}", which the definition does not include`, allowed: Object.keys(def.bundles).join(', '), fix: 'remove it or add the bundle' }));
        continue;
      }
      for (const [k, v] of Object.entries(values)) {
        if (!entry.mayDiffer.includes(k)) {
          out.push(issue({ kind: 'tier-sets-fixed-parameter', ...at(['tiers', tier, bundle, k]), value: v, message: `tier "${tier}" sets ${bundle}.${k}, which is not in bundles.${bundle}.mayDiffer, so it must be the same everywhere`, allowed: entry.mayDiffer.join(', ') || '(nothing: mayDiffer is empty)', fix: `add ${k} to bundles.${bundle}.mayDiffer, or move the value to bundles.${bundle}.defaults` }));
        }
      }
    }
  }
  if (!def.dr.policies[def.dr.defaultPolicy]) out.push(unknownPolicy(at(['dr', 'defaultPolicy']), def.dr.defaultPolicy, def));
  for (const role of ['staging', 'production'] as const) {
    const t = def.defaultTier[role];
    if (!def.tiers[t]) out.push(issue({ kind: 'unknown-tier', ...at(['defaultTier', role]), value: t, message: `tier "${t}" is not defined`, allowed: Object.keys(def.tiers).join(', '), fix: 'name a tier under tiers' }));
  }
  // connection cycles
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (n: string, trail: string[]): void => {
    if (done.has(n)) return;
    if (visiting.has(n)) {
      out.push(issue({ kind: 'connection-cycle', ...at(['bundles', n]), message: `bundles connect in a cycle: ${[...trail, n].join(' → ')}`, fix: 'a bundle may not (indirectly) need itself' }));
      return;
    }
    visiting.add(n);
    for (const c of Object.keys(bundles.get(n)?.connects ?? {})) if (def.bundles[c]) visit(c, [...trail, n]);
    visiting.delete(n);
    done.add(n);
  };
  for (const n of Object.keys(def.bundles)) visit(n, []);
  return out;
}

function unknownPolicy(where: { file: string; path: string; line?: number }, name: string, def: Definition): Issue {
  return issue({ kind: 'dr-policy', ...where, value: name, message: `no DR policy "${name}" under dr.policies`, allowed: Object.keys(def.dr.policies).join(', '), fix: 'name a defined policy, or define it under dr.policies' });
}

function unknownParam(where: { file: string; path: string; line?: number }, bundle: string, key: string, keys: Set<string>, label = `"${bundle}"`): Issue {
  return issue({ kind: 'unknown-parameter', ...where, value: key, message: `bundle ${label} has no parameter "${key}"`, allowed: [...keys].sort().join(', '), fix: 'correct the parameter name (see the bundle schema.json)' });
}

/** Bundle names in dependency order (connections first), ties in definition order. */
export function bundleOrder(def: Definition, bundles: ReadonlyMap<string, BundleSpec>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string, depth: number) => {
    if (seen.has(n) || depth > 50) return;
    for (const c of Object.keys(bundles.get(n)?.connects ?? {})) if (def.bundles[c]) visit(c, depth + 1);
    if (!seen.has(n)) {
      seen.add(n);
      order.push(n);
    }
  };
  for (const n of Object.keys(def.bundles)) visit(n, 0);
  return order;
}

/** Services every bundle needs in a region that the catalog says are absent (false) or unsourced (null). */
export function missingServices(cloud: Cloud, region: string, specs: Iterable<BundleSpec>): { missing: Array<[string, string]>; unknown: Array<[string, string]> } {
  const cat = regionCatalog();
  const missing: Array<[string, string]> = [];
  const unknown: Array<[string, string]> = [];
  for (const spec of specs) {
    for (const s of spec.services[cloud]) {
      const has = cat.hasService(cloud, region, s);
      if (has === false) missing.push([spec.name, s]);
      else if (has === null) unknown.push([spec.name, s]);
    }
  }
  return { missing, unknown };
}

/** Regions, nearest first, that have every service the bundles need; optionally in one jurisdiction. */
export function regionsWithAll(cloud: Cloud, near: string, specs: readonly BundleSpec[], jurisdiction?: string): RegionInfo[] {
  const cat = regionCatalog();
  const candidates = cat
    .list(cloud)
    .filter((r) => (jurisdiction ? r.jurisdiction === jurisdiction : true))
    .filter((r) => missingServices(cloud, r.code, specs).missing.length === 0);
  return cat.nearest(cloud, near, candidates);
}

function listRegions(rs: RegionInfo[], n = 4): string {
  return rs.slice(0, n).map((r) => `${r.code} (${r.name})`).join(', ') || '(none in the catalog)';
}

export function stateBackend(def: Definition, env: string, cloud: Cloud, region: string, bucket?: string): StateBackend {
  if (cloud === 'aws') {
    const lockTable = def.state.aws.lockTable;
    return { backend: 's3', bucket: bucket ?? def.state.aws.bucket.replaceAll('{region}', region), key: `${env}/terraform.tfstate`, region, ...(lockTable ? { lockTable } : {}) };
  }
  return { backend: 'gcs', bucket: bucket ?? def.state.gcp.bucket.replaceAll('{region}', region), prefix: env, region };
}

export interface ResolveOptions {
  /**
   * Build the environment even when it breaks rules, as long as it can be built (known region
   * and tier): overrides of must-match parameters are applied (and still reported), and a bundle
   * whose parameters do not validate is left out. `pnpm check` uses this to show every violation
   * in its matrix; everything else resolves strictly.
   */
  readonly lenient?: boolean;
}

/** The jurisdiction of an environment and its members, from the definition's residency section or its region. */
export function jurisdictionOf(def: Definition, env: string, region: RegionInfo | undefined): { name: string; members: string[] } | undefined {
  const named = def.residency.environments[env];
  if (named) return { name: named, members: def.residency.groups[named] ?? [named] };
  return region ? { name: region.jurisdiction, members: [region.jurisdiction] } : undefined;
}

/** Resolve one environment. Returns the environment only if there are no errors (unless lenient). */
export function resolveEnvironment(input: ResolveInput, name: string, opts: ResolveOptions = {}): { env?: ResolvedEnvironment; issues: Issue[] } {
  const { definition: defSrc, manifests } = input;
  const def = defSrc.data;
  const src = manifests.get(name);
  if (!src) {
    return { issues: [issue({ kind: 'env-missing', file: `environments/${name}/environment.yaml`, path: '', value: name, message: `environment "${name}" does not exist`, allowed: [...manifests.keys()].sort().join(', '), fix: `create it with: pnpm gen env ${name}` })] };
  }
  const m = src.data;
  const file = src.file;
  const out: Issue[] = [];
  const at = (path: (string | number)[]) => ({ file, path: path.join('.'), line: src.lineOf(path) });
  const cat = regionCatalog();

  // pinned bundle versions: this environment runs their specs instead of the workspace's
  const bundles = new Map(input.bundles);
  const pinnedDirs = new Map<string, string>();
  for (const [b, version] of Object.entries(m.bundles ?? {})) {
    const entry = def.bundles[b];
    if (!entry) {
      out.push(issue({ kind: 'unknown-bundle', ...at(['bundles', b]), value: b, message: `the definition has no bundle "${b}" to pin`, allowed: Object.keys(def.bundles).join(', '), fix: 'remove the pin or correct the bundle name' }));
      continue;
    }
    const pkg = packageOf(b, entry);
    if (semver.validRange(entry.version) && !semver.satisfies(version, entry.version)) {
      bundles.delete(b);
      out.push(issue({ kind: 'bundle-version', ...at(['bundles', b]), value: version, message: `${b} ${version} is outside the range the definition asks for (${defSrc.file}: bundles.${b}.version: ${entry.version})`, allowed: `a published version in ${entry.version}`, fix: `pin a version in ${entry.version} (pnpm promote ${b} --to ${name}), or widen bundles.${b}.version in ${defSrc.file}` }));
      continue;
    }
    const load = input.pinned?.get(pinKey(b, version));
    if (!load || !load.ok) {
      bundles.delete(b);
      out.push(issue({ kind: 'bundle-version', ...at(['bundles', b]), value: version, message: load ? `pinned ${b} ${version}: ${load.message}` : `pinned ${b} ${version}: ${pkg}@${version} was not loaded`, allowed: load?.allowed, fix: load ? load.fix : 'load the workspace with loadWorkspace(), which installs pinned versions' }));
      continue;
    }
    bundles.set(b, load.spec);
    pinnedDirs.set(b, load.dir);
  }
  const pinLabel = (b: string) => (pinnedDirs.has(b) ? `${b} ${bundles.get(b)!.version} (pinned in ${file})` : `"${b}"`);

  if (m.name !== name) {
    out.push(issue({ kind: 'env-name', ...at(['name']), value: m.name, message: `the manifest's name does not match its folder "${name}"`, allowed: name, fix: `set name: ${name}` }));
  }
  const region = cat.get(m.cloud, m.region);
  if (!region) {
    const near = cat.suggest(m.cloud, m.region);
    out.push(issue({ kind: 'unknown-region', ...at(['region']), value: m.region, message: `not a known ${m.cloud} region`, allowed: `a ${m.cloud} region code, e.g. ${near.map((r) => r.code).join(', ')}`, fix: 'correct the region code (the catalog is packages/model/data)' }));
  } else if (region.optIn) {
    out.push(issue({ kind: 'opt-in-region', severity: 'warning', ...at(['region']), value: m.region, message: `${m.region} (${region.name}) is an opt-in region: the account must enable it before anything can be created there`, fix: 'enable it in the AWS account (aws account enable-region) before applying' }));
  }
  const jur = jurisdictionOf(def, name, region);
  if (region && jur && def.residency.environments[name]) {
    const known = new Set(cat.list(m.cloud).map((r) => r.jurisdiction).concat(cat.list(m.cloud === 'aws' ? 'gcp' : 'aws').map((r) => r.jurisdiction)));
    const unknown = jur.members.filter((j) => !known.has(j));
    const path = ['residency', 'environments', name];
    if (unknown.length > 0) {
      out.push(issue({ kind: 'residency', file: defSrc.file, path: path.join('.'), line: defSrc.lineOf(path), value: jur.name, message: `${unknown.join(', ')} is neither a jurisdiction of the region catalog nor a group in residency.groups`, allowed: `a group (${Object.keys(def.residency.groups).join(', ') || 'none defined'}) or a catalog jurisdiction such as EU, UK, US, CH`, fix: 'define the group or correct the name' }));
    } else if (!jur.members.includes(region.jurisdiction)) {
      out.push(issue({ kind: 'residency', file: defSrc.file, path: path.join('.'), line: defSrc.lineOf(path), value: jur.name, message: `${name} runs in ${m.region} (${region.jurisdiction}), outside the jurisdiction the definition gives it (${jur.name}: ${jur.members.join(', ')})`, allowed: `a jurisdiction that includes ${region.jurisdiction}`, fix: `add ${region.jurisdiction} to the group, or remove residency.environments.${name}` }));
    }
  }
  if (!def.tiers[m.tier]) {
    out.push(issue({ kind: 'unknown-tier', ...at(['tier']), value: m.tier, message: `tier "${m.tier}" is not defined in ${defSrc.file}`, allowed: Object.keys(def.tiers).join(', '), fix: 'use a defined tier or add it to the definition' }));
  }

  // the environment this one recovers, and those that recover it
  let recovers: EnvRef | undefined;
  if (m.role === 'dr') {
    const target = m.recovers ? manifests.get(m.recovers) : undefined;
    if (!m.recovers) {
      out.push(issue({ kind: 'recovers', ...at(['role']), message: 'a dr environment must say which environment it recovers', fix: 'add recovers: <production environment>' }));
    } else if (!target) {
      out.push(issue({ kind: 'recovers', ...at(['recovers']), value: m.recovers, message: 'no such environment', allowed: productionNames(manifests).join(', '), fix: 'name an existing production environment' }));
    } else if (target.data.role !== 'production') {
      out.push(issue({ kind: 'recovers', ...at(['recovers']), value: m.recovers, message: `${m.recovers} is a ${target.data.role} environment; dr environments recover production ones`, allowed: productionNames(manifests).join(', '), fix: 'name a production environment' }));
    } else if (target.data.cloud !== m.cloud) {
      out.push(issue({ kind: 'cloud-mismatch', ...at(['recovers']), value: m.recovers, message: `${m.recovers} runs on ${target.data.cloud}; backups cannot be restored across clouds`, fix: `put this dr environment on ${target.data.cloud}` }));
    } else {
      recovers = { name: target.data.name, region: target.data.region };
      const from = cat.get(target.data.cloud, target.data.region);
      const fromJur = jurisdictionOf(def, target.data.name, from);
      if (region && from && fromJur && !fromJur.members.includes(region.jurisdiction)) {
        const ok = fromJur.members.flatMap((j) => regionsWithAll(m.cloud, from.code, [...bundles.values()], j)).filter((r) => r.code !== from.code);
        const sorted = cat.nearest(m.cloud, from.code, ok);
        out.push(issue({ kind: 'residency', ...at(['region']), value: m.region, message: `${m.recovers} keeps its data in ${fromJur.name} (${from.code}); recovering it in ${m.region} (${region.jurisdiction}) would copy its data and backups out of ${fromJur.name}`, allowed: `a region in ${fromJur.name}: ${listRegions(sorted)}`, fix: `choose a region in ${fromJur.name}` }));
      }
      if (from && from.code === m.region) {
        out.push(issue({ kind: 'recovers', ...at(['region']), value: m.region, message: `a dr environment in the same region as ${m.recovers} does not survive the loss of that region`, fix: 'choose another region in the same jurisdiction' }));
      }
      if (m.state.region === target.data.region) {
        out.push(issue({ kind: 'state-in-failed-region', ...at(['state', 'region']), value: m.state.region, message: `the Terraform state of ${name} lives in ${m.state.region}, the region it fails over from: when that region is lost, so is the state needed to recover`, allowed: `any region but ${m.state.region}`, fix: `set state.region: ${m.region}` }));
      }
    }
  } else if (m.recovers) {
    out.push(issue({ kind: 'recovers', ...at(['recovers']), value: m.recovers, message: `only dr environments recover another; this one is ${m.role}`, fix: 'remove recovers, or set role: dr' }));
  }
  if (!cat.get(m.cloud, m.state.region)) {
    out.push(issue({ kind: 'unknown-region', ...at(['state', 'region']), value: m.state.region, message: `not a known ${m.cloud} region`, fix: 'correct the state region' }));
  }
  const drTargets: EnvRef[] = [...manifests.values()]
    .filter((o) => o.data.role === 'dr' && o.data.recovers === name && o.data.cloud === m.cloud)
    .map((o) => ({ name: o.data.name, region: o.data.region }))
    .sort((a, b) => a.name.localeCompare(b.name));
  // Backups of this environment are copied to its dr environments' regions: they must be inside its jurisdiction.
  for (const t of drTargets) {
    const to = cat.get(m.cloud, t.region);
    if (region && jur && to && !jur.members.includes(to.jurisdiction)) {
      const inside = jur.members.flatMap((j) => cat.inJurisdiction(m.cloud, j)).filter((r) => r.code !== m.region);
      out.push(issue({ kind: 'residency', ...at(['region']), value: m.region, message: `${t.name} recovers ${name} in ${t.region} (${to.jurisdiction}): ${name}'s backups would be copied out of ${jur.name}`, allowed: `dr regions in ${jur.name}: ${listRegions(cat.nearest(m.cloud, m.region, inside))}`, fix: `move ${t.name} into ${jur.name}, or keep ${name} in ${to.jurisdiction}` }));
    }
  }

  // services the bundles need in this region
  if (region) {
    const specs = Object.keys(def.bundles).flatMap((b) => (bundles.get(b) ? [bundles.get(b)!] : []));
    const { missing, unknown } = missingServices(m.cloud, m.region, specs);
    if (missing.length > 0) {
      const ok = regionsWithAll(m.cloud, m.region, specs, region.jurisdiction);
      out.push(issue({ kind: 'missing-service', ...at(['region']), value: m.region, message: `${m.region} (${region.name}) lacks ${missing.map(([b, s]) => `${s} (needed by ${b})`).join(', ')}`, allowed: `regions in ${region.jurisdiction} with every needed service: ${listRegions(ok)}`, fix: 'choose one of those regions' }));
    }
    for (const [b, s] of unknown) {
      out.push(issue({ kind: 'missing-service', severity: 'warning', ...at(['region']), value: m.region, message: `no source confirms ${s} (needed by ${b}) in ${m.region}`, fix: 'confirm availability with the provider before applying' }));
    }
  }

  // the DR policy, and the layers its strategy and the failover step derive
  const pol = resolvePolicy(defSrc, src, manifests, at);
  out.push(...pol.issues);
  const strategy = pol.policy?.strategy;
  const fo = failoverLayer(m, strategy, pol.name, at);
  out.push(...fo.issues);
  const strategyValues: DerivedLayer = m.role === 'dr' && pol.policy && strategy ? strategyLayer(strategy, pol.policy) : {};
  const policyPath = ['dr', 'policies', pol.name, 'strategy'];

  // parameters
  const schedule = deriveBackupSchedule(pol.policy?.rpoMinutes ?? 60, pol.policy?.copyDelayMinutes ?? 0);
  const resolved: ResolvedBundle[] = [];
  const tier = (def.tiers[m.tier] ?? {}) as Record<string, Record<string, unknown> | undefined>;
  for (const [b, values] of Object.entries(m.overrides)) {
    if (!def.bundles[b]) {
      out.push(issue({ kind: 'unknown-bundle', ...at(['overrides', b]), value: b, message: `the definition has no bundle "${b}"`, allowed: Object.keys(def.bundles).join(', '), fix: 'remove the override or correct the bundle name' }));
      continue;
    }
    const spec = bundles.get(b);
    const keys = spec ? paramKeys(spec) : new Set<string>();
    for (const k of Object.keys(values)) {
      if (spec && !keys.has(k)) out.push(unknownParam(at(['overrides', b, k]), b, k, keys, pinLabel(b)));
      else if (!def.bundles[b]!.mayDiffer.includes(k)) {
        out.push(issue({ kind: 'not-overridable', ...at(['overrides', b, k]), value: values[k], message: `${b}.${k} must be the same in every environment; the definition does not let it differ`, allowed: `overrides of ${def.bundles[b]!.mayDiffer.join(', ') || '(none)'}`, fix: `remove the override, or add ${k} to bundles.${b}.mayDiffer in ${defSrc.file} if environments really may differ` }));
      }
    }
  }
  for (const b of bundleOrder(def, bundles)) {
    const entry = def.bundles[b]!;
    const spec = bundles.get(b);
    if (!spec) continue;
    const keys = paramKeys(spec);
    const merged: Record<string, unknown> = {};
    const sources: Record<string, ParamSource> = {};
    const origin: Record<string, { file: string; path: (string | number)[]; line: (p: ReadonlyArray<string | number>) => number | undefined }> = {};
    const layer = (values: Record<string, unknown> | undefined, source: ParamSource, f: string, base: (string | number)[], lineOf: (p: ReadonlyArray<string | number>) => number | undefined) => {
      for (const [k, v] of Object.entries(values ?? {})) {
        if (!keys.has(k)) {
          // the definition was checked against the workspace's version; a pinned one may lack the parameter
          if (pinnedDirs.has(b) && source !== 'override') {
            out.push(issue({ kind: 'unknown-parameter', ...at(['bundles', b]), value: bundles.get(b)!.version, message: `bundle ${pinLabel(b)} has no parameter "${k}", which ${f} sets (${[...base, k].join('.')})`, allowed: [...keys].sort().join(', '), fix: `pin a version of ${b} that has ${k} (pnpm promote ${b} --to ${name}), or remove ${[...base, k].join('.')} from ${f}` }));
          }
          continue; // otherwise reported above
        }
        if (source === 'override' && !entry.mayDiffer.includes(k) && !opts.lenient) continue; // reported above
        if (v === undefined) continue;
        merged[k] = v;
        sources[k] = source;
        origin[k] = { file: f, path: [...base, k], line: lineOf };
      }
    };
    layer(entry.defaults, 'definition', defSrc.file, ['bundles', b, 'defaults'], defSrc.lineOf);
    layer(tier[b], 'tier', defSrc.file, ['tiers', m.tier, b], defSrc.lineOf);
    layer(strategyValues[b], 'strategy', defSrc.file, policyPath, defSrc.lineOf);
    layer(m.overrides[b], 'override', file, ['overrides', b], src.lineOf);
    layer(fo.layer[b], 'failover', file, ['failover', 'step'], src.lineOf);
    const parsed = spec.params.safeParse(merged, { reportInput: true });
    if (!parsed.success) {
      for (const zi of parsed.error.issues) {
        const key = String(zi.path[0] ?? '');
        const o = origin[key];
        const rest = zi.path.slice(1).map((p) => (typeof p === 'symbol' ? String(p) : p));
        out.push(...zodIssues(o?.file ?? file, { issues: [{ ...zi, path: rest }] }, o ? o.line : () => undefined, o?.path ?? ['overrides', b, key]));
      }
      continue;
    }
    for (const k of keys) sources[k] ??= 'bundle';
    if (region && spec.rules) {
      const ruleEnv = { cloud: m.cloud, region: m.region, jurisdiction: region.jurisdiction, backupIntervalMinutes: schedule.intervalMinutes };
      for (const problem of spec.rules(parsed.data, ruleEnv)) {
        const o = origin[problem.param];
        out.push(issue({ kind: 'bundle-rule', file: o?.file ?? defSrc.file, path: (o?.path ?? ['bundles', b]).join('.'), line: o ? o.line(o.path) : defSrc.lineOf(['bundles', b]), value: parsed.data[problem.param], message: `${b}.${problem.param}: ${problem.message}`, allowed: problem.allowed, fix: problem.fix }));
      }
    }
    const dir = pinnedDirs.get(b);
    resolved.push({ name: b, package: spec.package, version: spec.version, range: entry.version, params: parsed.data, sources, connects: Object.keys(spec.connects), stateful: spec.stateful, ...(dir ? { pinned: { dir } } : {}) });
  }

  // optional features with limited regional support
  for (const b of resolved) {
    for (const f of bundles.get(b.name)?.features ?? []) {
      if (f.cloud !== m.cloud || b.params[f.param] !== true) continue;
      for (const t of drTargets) {
        if (featureOffered(f, m.region, t.region)) continue;
        const ok = (region ? cat.inJurisdiction(m.cloud, region.jurisdiction) : []).filter((r) => r.code !== m.region && featureOffered(f, m.region, r.code));
        out.push(issue({ kind: 'missing-feature', ...at(['region']), value: `${m.region} → ${t.region}`, message: `${b.name}.${f.param} needs ${f.description} from ${m.region} to ${t.region} (the region of ${t.name}), which AWS does not offer for that pair`, allowed: `dr regions reachable from ${m.region} in ${region?.jurisdiction}: ${listRegions(ok)}`, fix: `move ${t.name} to one of those regions, or set ${b.name}.${f.param}: false` }));
      }
    }
  }

  if (!region || !def.tiers[m.tier] || !pol.policy || !strategy) return { issues: out };
  if (out.some((i) => i.severity === 'error') && !opts.lenient) return { issues: out };

  const copyRegions = drTargets.map((t) => t.region).filter((r, i, a) => a.indexOf(r) === i);
  const env: ResolvedEnvironment = {
    name,
    file,
    platform: def.platform,
    cloud: m.cloud,
    region: m.region,
    regionName: region.name,
    jurisdiction: jur?.name ?? region.jurisdiction,
    jurisdictions: jur?.members ?? [region.jurisdiction],
    role: m.role,
    tier: m.tier,
    ...(recovers ? { recovers } : {}),
    drTargets,
    ...(m.cloud === 'gcp' ? { gcpProject: def.gcp.project.replaceAll('{platform}', def.platform).replaceAll('{env}', name) } : {}),
    state: stateBackend(def, name, m.cloud, m.state.region, m.state.bucket),
    dr: {
      policy: pol.name,
      strategy,
      rpoMinutes: pol.policy.rpoMinutes,
      rtoMinutes: pol.policy.rtoMinutes,
      copyDelayMinutes: pol.policy.copyDelayMinutes,
      ...(pol.policy.standbyCapacityPercent !== undefined ? { standbyCapacityPercent: pol.policy.standbyCapacityPercent } : {}),
      ...(m.role === 'dr' && recovers && replicates(strategy) ? { replicaSource: replicaSourceOf(def, recovers, m.cloud) } : {}),
      ...(m.failover ? { failover: m.failover } : {}),
    },
    backup: { ...schedule, copyRegions, location: copyRegions[0] ?? m.region },
    dataRegions: (jur?.members ?? [region.jurisdiction]).flatMap((j) => cat.inJurisdiction(m.cloud, j)).map((r) => r.code).sort(),
    bundles: resolved,
  };
  return { env, issues: out };
}

/** Whether a feature is offered between two regions, per the region catalog. */
export function featureOffered(f: FeatureSpec, from: string, to: string): boolean {
  switch (f.id) {
    case 'rds-automated-backups-replication':
      return regionCatalog().supportsRdsBackupReplication(from, to);
  }
}

function replicaSourceOf(def: Definition, source: EnvRef, cloud: Cloud): NonNullable<ResolvedDr['replicaSource']> {
  const gcpProject = cloud === 'gcp' ? def.gcp.project.replaceAll('{platform}', def.platform).replaceAll('{env}', source.name) : undefined;
  return { name: source.name, region: source.region, ...(gcpProject ? { gcpProject } : {}) };
}

function productionNames(manifests: ReadonlyMap<string, SourceFile<Manifest>>): string[] {
  return [...manifests.values()].filter((s) => s.data.role === 'production').map((s) => s.data.name).sort();
}
