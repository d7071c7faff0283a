/**
 * Resolution as a list of named rules over one context (the shape of changesets' config rules):
 * each rule reads the manifest and the definition, adds what it finds to the context (the region,
 * the environment recovered, the DR policy, the resolved bundles) and reports every problem it
 * sees. `resolveEnvironment` runs them in order and builds the environment from the context.
 */
import { NAME_GRAMMAR, parseEnvName } from './envname.js';
import { own } from './own.js';
import { resolveTransforms, unknownTransformBundles } from './transforms.js';
import semver from 'semver';
import type { BundleSpec } from './bundle.js';
import { regionCatalog, type RegionInfo } from './catalog.js';
import { zodIssues, type Definition, type DrPolicy, type Manifest, type SourceFile } from './config.js';
import { paramKeys, unknownParam } from './definition-check.js';
import { deriveBackupSchedule, type BackupSchedule } from './dr.js';
import { failoverLayer, resolvePolicy, strategyLayer, type DerivedLayer, type Strategy } from './drpolicy.js';
import { failbackLayer, reverseCopyTarget } from './failback.js';
import { issue, previewNotRecoverable, previewProductionData, previewRecordBroken, type Issue } from './errors.js';
import { isPreview, PREVIEW_PREFIX, validPreviewId } from './preview.js';
import { bundleOrder, featureOffered, jurisdictionOf, listRegions, missingServices, regionsWithAll } from './placement.js';
import {
  packageOf,
  pinKey,
  type EnvRef,
  type ParamSource,
  type ResolvedBundle,
  type ResolveInput,
  type ResolveOptions,
} from './resolved.js';

type Where = (path: (string | number)[]) => { file: string; path: string; line?: number };

/** What the rules share: the inputs, and what earlier rules found. */
export interface ResolveContext {
  readonly input: ResolveInput;
  readonly name: string;
  readonly opts: ResolveOptions;
  readonly def: Definition;
  readonly defSrc: SourceFile<Definition>;
  readonly src: SourceFile<Manifest>;
  readonly m: Manifest;
  readonly file: string;
  readonly at: Where;
  readonly out: Issue[];
  /** Bundle specs this environment runs: the workspace's, or a pinned version's. */
  readonly bundles: Map<string, BundleSpec>;
  readonly pinnedDirs: Map<string, string>;
  region?: RegionInfo;
  jur?: { name: string; members: string[] };
  recovers?: EnvRef;
  drTargets: EnvRef[];
  policy?: { name: string; policy: DrPolicy; strategy: Strategy };
  policyName: string;
  strategyValues: DerivedLayer;
  failoverValues: DerivedLayer;
  /** A production environment failing back: the `failback` layer, and the dr environment its database replicates (step reprotect). */
  failbackValues: DerivedLayer;
  failbackReplicates?: EnvRef;
  /** A dr environment under backup & restore while its production environment fails back: where its backups are copied back to. */
  reverseCopy?: EnvRef;
  schedule: BackupSchedule;
  readonly resolved: ResolvedBundle[];
}

/** A named step of resolution. */
export interface ResolveRule {
  readonly name: string;
  run(ctx: ResolveContext): void;
}

function pinLabel(ctx: ResolveContext, b: string): string {
  return ctx.pinnedDirs.has(b) ? `${b} ${ctx.bundles.get(b)!.version} (pinned in ${ctx.file})` : `"${b}"`;
}

/** The errors that kept a manifest from loading, if it exists but could not be read. */
export function unreadableManifest(input: ResolveInput, name: string): Issue[] {
  return (input.issues ?? []).filter((i) => i.severity === 'error' && i.file === `environments/${name}/environment.yaml`);
}

function productionNames(manifests: ReadonlyMap<string, SourceFile<Manifest>>): string[] {
  return [...manifests.values()]
    .filter((s) => s.data.role === 'production')
    .map((s) => s.data.name)
    .sort();
}

/** Pinned bundle versions: this environment runs their specs instead of the workspace's. */
function pins(ctx: ResolveContext): void {
  const { def, defSrc, m, at, out, bundles, pinnedDirs, name, input } = ctx;
  for (const [b, version] of Object.entries(m.bundles ?? {})) {
    const entry = own(def.bundles, b);
    if (!entry) {
      out.push(
        issue({
          kind: 'unknown-bundle',
          ...at(['bundles', b]),
          value: b,
          message: `the definition has no bundle "${b}" to pin`,
          allowed: Object.keys(def.bundles).join(', '),
          fix: 'remove the pin or correct the bundle name',
        }),
      );
      continue;
    }
    const pkg = packageOf(b, entry);
    if (semver.validRange(entry.version) && !semver.satisfies(version, entry.version)) {
      bundles.delete(b);
      out.push(
        issue({
          kind: 'bundle-version',
          ...at(['bundles', b]),
          value: version,
          message: `${b} ${version} is outside the range the definition asks for (${defSrc.file}: bundles.${b}.version: ${entry.version})`,
          allowed: `a published version in ${entry.version}`,
          fix: `pin a version in ${entry.version} (pnpm promote ${b} --to ${name}), or widen bundles.${b}.version in ${defSrc.file}`,
        }),
      );
      continue;
    }
    const load = input.pinned?.get(pinKey(b, version));
    if (!load?.ok) {
      bundles.delete(b);
      out.push(
        issue({
          kind: 'bundle-version',
          ...at(['bundles', b]),
          value: version,
          message: load ? `pinned ${b} ${version}: ${load.message}` : `pinned ${b} ${version}: ${pkg}@${version} was not loaded`,
          allowed: load?.allowed,
          fix: load
            ? load.fix
            : 'load the workspace with loadWorkspace(), which loads pinned versions (installing them with the installer it is given)',
        }),
      );
      continue;
    }
    bundles.set(b, load.spec);
    pinnedDirs.set(b, load.dir);
  }
}

/** The manifest's name, its region (known, opt-in) and its jurisdiction. */
function placement(ctx: ResolveContext): void {
  envName(ctx);
  region(ctx);
  jurisdiction(ctx);
}

/** The manifest's name matches its folder and follows the grammar. */
function envName(ctx: ResolveContext): void {
  const { m, at, out, name } = ctx;
  if (m.name !== name) {
    out.push(
      issue({
        kind: 'env-name',
        ...at(['name']),
        value: m.name,
        message: `the manifest's name does not match its folder "${name}"`,
        allowed: name,
        fix: `set name: ${name}`,
      }),
    );
  }
  // Names become paths and physical resource names: a folder made by hand follows the grammar too.
  const grammar = isPreview(m) ? previewGrammar(name) : parseEnvName(name);
  if (grammar.reason) {
    out.push(
      issue({
        kind: 'env-name',
        ...at(['name']),
        value: name,
        message: `invalid environment name: ${grammar.reason}`,
        allowed: NAME_GRAMMAR,
        fix: 'rename the folder and the name to follow the grammar (pnpm gen env <name> stamps a valid one)',
      }),
    );
  }
}

/** The manifest's region is in the catalog (a suggestion when not), with a warning for an opt-in region. */
function region(ctx: ResolveContext): void {
  const { m, at, out } = ctx;
  const cat = regionCatalog();
  const region = cat.get(m.cloud, m.region);
  ctx.region = region;
  if (!region) {
    const near = cat.suggest(m.cloud, m.region);
    out.push(
      issue({
        kind: 'unknown-region',
        ...at(['region']),
        value: m.region,
        message: `not a known ${m.cloud} region`,
        allowed: `a ${m.cloud} region code, e.g. ${near.map((r) => r.code).join(', ')}`,
        fix: 'correct the region code (the catalog is packages/model/data)',
      }),
    );
  } else if (region.optIn) {
    out.push(
      issue({
        kind: 'opt-in-region',
        severity: 'warning',
        ...at(['region']),
        value: m.region,
        message: `${m.region} (${region.name}) is an opt-in region: the account must enable it before anything can be created there`,
        fix: 'enable it in the AWS account (aws account enable-region) before applying',
      }),
    );
  }
}

/** The jurisdiction the definition gives the environment: known, and containing its region's. */
function jurisdiction(ctx: ResolveContext): void {
  const { def, defSrc, m, out, name, region } = ctx;
  const cat = regionCatalog();
  const jur = jurisdictionOf(def, name, region);
  ctx.jur = jur;
  if (region && jur && own(def.residency.environments, name)) {
    const known = new Set(
      cat
        .list(m.cloud)
        .map((r) => r.jurisdiction)
        .concat(cat.list(m.cloud === 'aws' ? 'gcp' : 'aws').map((r) => r.jurisdiction)),
    );
    const unknown = jur.members.filter((j) => !known.has(j));
    const path = ['residency', 'environments', name];
    if (unknown.length > 0) {
      out.push(
        issue({
          kind: 'residency',
          file: defSrc.file,
          path: path.join('.'),
          line: defSrc.lineOf(path),
          value: jur.name,
          message: `${unknown.join(', ')} is neither a jurisdiction of the region catalog nor a group in residency.groups`,
          allowed: `a group (${Object.keys(def.residency.groups).join(', ') || 'none defined'}) or a catalog jurisdiction such as EU, UK, US, CH`,
          fix: 'define the group or correct the name',
        }),
      );
    } else if (!jur.members.includes(region.jurisdiction)) {
      out.push(
        issue({
          kind: 'residency',
          file: defSrc.file,
          path: path.join('.'),
          line: defSrc.lineOf(path),
          value: jur.name,
          message: `${name} runs in ${m.region} (${region.jurisdiction}), outside the jurisdiction the definition gives it (${jur.name}: ${jur.members.join(', ')})`,
          allowed: `a jurisdiction that includes ${region.jurisdiction}`,
          fix: `add ${region.jurisdiction} to the group, or remove residency.environments.${name}`,
        }),
      );
    }
  }
}

/** A preview's name: `preview-` and an id that fits in every physical name. */
function previewGrammar(name: string): { reason?: string } {
  const id = name.slice(PREVIEW_PREFIX.length);
  return name.startsWith(PREVIEW_PREFIX) && validPreviewId(id)
    ? {}
    : { reason: `a preview is named ${PREVIEW_PREFIX}<id>, the id lower-case letters, digits and single hyphens` };
}

function tier(ctx: ResolveContext): void {
  const { def, defSrc, m, at, out } = ctx;
  if (!own(def.tiers, m.tier)) {
    out.push(
      issue({
        kind: 'unknown-tier',
        ...at(['tier']),
        value: m.tier,
        message: `tier "${m.tier}" is not defined in ${defSrc.file}`,
        allowed: Object.keys(def.tiers).join(', '),
        fix: 'use a defined tier or add it to the definition',
      }),
    );
  }
}

/** The environment a dr environment recovers: production, same cloud, in its jurisdiction, another region. */
/** A dr environment names the production environment it recovers, on the same cloud; no other role names one. */
function recovers(ctx: ResolveContext): void {
  const { m, at, out } = ctx;
  const manifests = ctx.input.manifests;
  if (m.role === 'dr') {
    const target = m.recovers ? manifests.get(m.recovers) : undefined;
    if (!m.recovers) {
      out.push(
        issue({
          kind: 'recovers',
          ...at(['role']),
          message: 'a dr environment must say which environment it recovers',
          fix: 'add recovers: <production environment>',
        }),
      );
    } else if (!target && unreadableManifest(ctx.input, m.recovers).length) {
      out.push(
        issue({
          kind: 'recovers',
          ...at(['recovers']),
          value: m.recovers,
          message: `${m.recovers} could not be read`,
          fix: `fix environments/${m.recovers}/environment.yaml first`,
        }),
        ...unreadableManifest(ctx.input, m.recovers),
      );
    } else if (!target) {
      out.push(
        issue({
          kind: 'recovers',
          ...at(['recovers']),
          value: m.recovers,
          message: 'no such environment',
          allowed: productionNames(manifests).join(', '),
          fix: 'name an existing production environment',
        }),
      );
    } else if (isPreview(target.data)) {
      out.push(previewNotRecoverable(at(['recovers']), m.recovers, ctx.input.previews?.get(m.recovers)?.data.from ?? 'its base'));
    } else if (target.data.role !== 'production') {
      out.push(
        issue({
          kind: 'recovers',
          ...at(['recovers']),
          value: m.recovers,
          message: `${m.recovers} is a ${target.data.role} environment; dr environments recover production ones`,
          allowed: productionNames(manifests).join(', '),
          fix: 'name a production environment',
        }),
      );
    } else if (target.data.cloud !== m.cloud) {
      out.push(
        issue({
          kind: 'cloud-mismatch',
          ...at(['recovers']),
          value: m.recovers,
          message: `${m.recovers} runs on ${target.data.cloud}; backups cannot be restored across clouds`,
          fix: `put this dr environment on ${target.data.cloud}`,
        }),
      );
    } else {
      ctx.recovers = { name: target.data.name, region: target.data.region };
      recoveredPlacement(ctx, target.data);
    }
  } else if (m.recovers) {
    out.push(
      issue({
        kind: 'recovers',
        ...at(['recovers']),
        value: m.recovers,
        message: `only dr environments recover another; this one is ${m.role}`,
        fix: 'remove recovers, or set role: dr',
      }),
    );
  }
}

/** Where a dr environment recovers its production one: in that one's jurisdiction, another region, state outside the failed region. */
function recoveredPlacement(ctx: ResolveContext, target: Manifest): void {
  const { def, m, at, out, name, region, bundles } = ctx;
  const cat = regionCatalog();
  const from = cat.get(target.cloud, target.region);
  const fromJur = jurisdictionOf(def, target.name, from);
  if (region && from && fromJur && !fromJur.members.includes(region.jurisdiction)) {
    const ok = fromJur.members
      .flatMap((j) => regionsWithAll(m.cloud, from.code, [...bundles.values()], j))
      .filter((r) => r.code !== from.code);
    const sorted = cat.nearest(m.cloud, from.code, ok);
    out.push(
      issue({
        kind: 'residency',
        ...at(['region']),
        value: m.region,
        message: `${m.recovers} keeps its data in ${fromJur.name} (${from.code}); recovering it in ${m.region} (${region.jurisdiction}) would copy its data and backups out of ${fromJur.name}`,
        allowed: `a region in ${fromJur.name}: ${listRegions(sorted)}`,
        fix: `choose a region in ${fromJur.name}`,
      }),
    );
  }
  if (from && from.code === m.region) {
    out.push(
      issue({
        kind: 'recovers',
        ...at(['region']),
        value: m.region,
        message: `a dr environment in the same region as ${m.recovers} does not survive the loss of that region`,
        fix: 'choose another region in the same jurisdiction',
      }),
    );
  }
  if (m.state.region === target.region) {
    out.push(
      issue({
        kind: 'state-in-failed-region',
        ...at(['state', 'region']),
        value: m.state.region,
        message: `the Terraform state of ${name} lives in ${m.state.region}, the region it fails over from: when that region is lost, so is the state needed to recover`,
        allowed: `any region but ${m.state.region}`,
        fix: `set state.region: ${m.region}`,
      }),
    );
  }
}

/** The dr environments that recover this one: backup copies go to their regions, inside its jurisdiction. */
function drTargets(ctx: ResolveContext): void {
  const { m, at, out, name, region, jur } = ctx;
  const manifests = ctx.input.manifests;
  const cat = regionCatalog();
  if (!cat.get(m.cloud, m.state.region)) {
    out.push(
      issue({
        kind: 'unknown-region',
        ...at(['state', 'region']),
        value: m.state.region,
        message: `not a known ${m.cloud} region`,
        fix: 'correct the state region',
      }),
    );
  }
  // a preview has no DR pair: a dr environment naming one is refused, and copies nothing
  const drTargets: EnvRef[] = [...manifests.values()]
    .filter((o) => !isPreview(m) && o.data.role === 'dr' && o.data.recovers === name && o.data.cloud === m.cloud)
    .map((o) => ({ name: o.data.name, region: o.data.region }))
    .sort((a, b) => a.name.localeCompare(b.name));
  ctx.drTargets = drTargets;
  // Backups of this environment are copied to its dr environments' regions: they must be inside its jurisdiction.
  for (const t of drTargets) {
    const to = cat.get(m.cloud, t.region);
    if (region && jur && to && !jur.members.includes(to.jurisdiction)) {
      const inside = jur.members.flatMap((j) => cat.inJurisdiction(m.cloud, j)).filter((r) => r.code !== m.region);
      out.push(
        issue({
          kind: 'residency',
          ...at(['region']),
          value: m.region,
          message: `${t.name} recovers ${name} in ${t.region} (${to.jurisdiction}): ${name}'s backups would be copied out of ${jur.name}`,
          allowed: `dr regions in ${jur.name}: ${listRegions(cat.nearest(m.cloud, m.region, inside))}`,
          fix: `move ${t.name} into ${jur.name}, or keep ${name} in ${to.jurisdiction}`,
        }),
      );
    }
  }
}

/** Services the bundles need in this region. */
function services(ctx: ResolveContext): void {
  const { def, m, at, out, region, bundles } = ctx;
  if (region) {
    const specs = Object.keys(def.bundles).flatMap((b) => (bundles.get(b) ? [bundles.get(b)!] : []));
    const { missing, unknown } = missingServices(m.cloud, m.region, specs);
    if (missing.length > 0) {
      const ok = regionsWithAll(m.cloud, m.region, specs, region.jurisdiction);
      out.push(
        issue({
          kind: 'missing-service',
          ...at(['region']),
          value: m.region,
          message: `${m.region} (${region.name}) lacks ${missing.map(([b, s]) => `${s} (needed by ${b})`).join(', ')}`,
          allowed: `regions in ${region.jurisdiction} with every needed service: ${listRegions(ok)}`,
          fix: 'choose one of those regions',
        }),
      );
    }
    for (const [b, s] of unknown) {
      out.push(
        issue({
          kind: 'missing-service',
          severity: 'warning',
          ...at(['region']),
          value: m.region,
          message: `no source confirms ${s} (needed by ${b}) in ${m.region}`,
          fix: 'confirm availability with the provider before applying',
        }),
      );
    }
  }
}

/** The DR policy, and the layers its strategy and the failover step derive. */
function policy(ctx: ResolveContext): void {
  const { defSrc, src, m, at, out } = ctx;
  const pol = resolvePolicy(defSrc, src, ctx.input.manifests, at);
  out.push(...pol.issues);
  ctx.policyName = pol.name;
  const strategy = pol.policy?.strategy;
  if (pol.policy && strategy) ctx.policy = { name: pol.name, policy: pol.policy, strategy };
  const fo = failoverLayer(m, strategy, pol.name, at);
  out.push(...fo.issues);
  ctx.failoverValues = fo.layer;
  const fb = failbackLayer(m, strategy, pol.policy?.standbyCapacityPercent, ctx.input.manifests, at);
  out.push(...fb.issues);
  ctx.failbackValues = fb.layer;
  if (fb.replicates) ctx.failbackReplicates = fb.replicates;
  const reverse = reverseCopyTarget(m, strategy, ctx.input.manifests);
  if (reverse) reverseResidency(ctx, reverse);
  ctx.strategyValues = m.role === 'dr' && pol.policy && strategy ? strategyLayer(strategy, pol.policy) : {};
  ctx.schedule = deriveBackupSchedule(pol.policy?.rpoMinutes ?? 60, pol.policy?.copyDelayMinutes ?? 0);
}

/** The reverse backup copies of a failback stay inside this environment's jurisdiction, as the forward ones do. */
function reverseResidency(ctx: ResolveContext, to: EnvRef): void {
  const { m, at, out, region, jur } = ctx;
  const cat = regionCatalog();
  const target = cat.get(m.cloud, to.region);
  if (region && jur && target && !jur.members.includes(target.jurisdiction)) {
    out.push(
      issue({
        kind: 'residency',
        ...at(['region']),
        value: m.region,
        message: `failing back, ${m.name}'s backups would be copied into ${to.region} (${target.jurisdiction}, the region of ${to.name}): out of ${jur.name}`,
        allowed: `copies inside ${jur.name}`,
        fix: `fail back by re-creating ${to.name} in ${jur.name}, or remove ${to.name}'s failback section`,
      }),
    );
    return;
  }
  ctx.reverseCopy = to;
}

/** Overrides name known bundles and parameters, and only parameters the definition lets differ. */
function overrides(ctx: ResolveContext): void {
  const { def, defSrc, m, at, out, bundles } = ctx;
  for (const [b, values] of Object.entries(m.overrides)) {
    if (!own(def.bundles, b)) {
      out.push(
        issue({
          kind: 'unknown-bundle',
          ...at(['overrides', b]),
          value: b,
          message: `the definition has no bundle "${b}"`,
          allowed: Object.keys(def.bundles).join(', '),
          fix: 'remove the override or correct the bundle name',
        }),
      );
      continue;
    }
    const spec = bundles.get(b);
    const keys = spec ? paramKeys(spec) : new Set<string>();
    for (const k of Object.keys(values)) {
      if (spec && !keys.has(k)) out.push(unknownParam(at(['overrides', b, k]), b, k, keys, pinLabel(ctx, b)));
      else if (!def.bundles[b]!.mayDiffer.includes(k)) {
        out.push(
          issue({
            kind: 'not-overridable',
            ...at(['overrides', b, k]),
            value: values[k],
            message: `${b}.${k} must be the same in every environment; the definition does not let it differ`,
            allowed: `overrides of ${def.bundles[b]!.mayDiffer.join(', ') || '(none)'}`,
            fix: `remove the override, or add ${k} to bundles.${b}.mayDiffer in ${defSrc.file} if environments really may differ`,
          }),
        );
      }
    }
  }
}

/** One bundle's parameters: layered, validated by the bundle's schema, then checked by its rules. */
function resolveBundle(ctx: ResolveContext, b: string, spec: BundleSpec): void {
  const { def, defSrc, out, file, pinnedDirs } = ctx;
  const entry = def.bundles[b]!;
  const keys = paramKeys(spec);
  const { merged, sources, origin } = layerParams(ctx, b, keys);
  const parsed = spec.params.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    for (const zi of parsed.error.issues) {
      const key = String(zi.path[0] ?? '');
      const o = origin[key];
      const rest = zi.path.slice(1).map((p) => (typeof p === 'symbol' ? String(p) : p));
      out.push(
        ...zodIssues(o?.file ?? file, { issues: [{ ...zi, path: rest }] }, o ? o.line : () => undefined, o?.path ?? ['overrides', b, key]),
      );
    }
    return;
  }
  for (const k of keys) sources[k] ??= 'bundle';
  bundleRules(ctx, b, spec, parsed.data, origin);
  const dir = pinnedDirs.get(b);
  const t = resolveTransforms(defSrc, ctx.src, b, ctx.opts);
  out.push(...t.issues);
  ctx.resolved.push({
    name: b,
    package: spec.package,
    version: spec.version,
    range: entry.version,
    params: parsed.data,
    sources,
    connects: Object.keys(spec.connects),
    stateful: spec.stateful && (spec.statefulWhen?.(parsed.data) ?? true),
    ...(dir ? { pinned: { dir } } : {}),
    ...(t.transforms.length ? { transforms: t.transforms } : {}),
  });
}

/** Where a parameter's value was written: a file, its path there, and how to find the line. */
type Origin = Record<string, { file: string; path: (string | number)[]; line: (p: ReadonlyArray<string | number>) => number | undefined }>;

/** A bundle's parameters, each layer over the one before: definition, tier, strategy, override, failover step, failback step. */
function layerParams(
  ctx: ResolveContext,
  b: string,
  keys: Set<string>,
): { merged: Record<string, unknown>; sources: Record<string, ParamSource>; origin: Origin } {
  const { def, defSrc, m, at, out, file, src, name, opts, bundles, pinnedDirs } = ctx;
  const entry = def.bundles[b]!;
  const tier = (own(def.tiers, m.tier) ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const policyPath = ['dr', 'policies', ctx.policyName, 'strategy'];
  const merged: Record<string, unknown> = {};
  const sources: Record<string, ParamSource> = {};
  const origin: Origin = {};
  const layer = (
    values: Record<string, unknown> | undefined,
    source: ParamSource,
    f: string,
    base: (string | number)[],
    lineOf: (p: ReadonlyArray<string | number>) => number | undefined,
  ) => {
    for (const [k, v] of Object.entries(values ?? {})) {
      if (!keys.has(k)) {
        // the definition was checked against the workspace's version; a pinned one may lack the parameter
        if (pinnedDirs.has(b) && source !== 'override') {
          out.push(
            issue({
              kind: 'unknown-parameter',
              ...at(['bundles', b]),
              value: bundles.get(b)!.version,
              message: `bundle ${pinLabel(ctx, b)} has no parameter "${k}", which ${f} sets (${[...base, k].join('.')})`,
              allowed: [...keys].sort().join(', '),
              fix: `pin a version of ${b} that has ${k} (pnpm promote ${b} --to ${name}), or remove ${[...base, k].join('.')} from ${f}`,
            }),
          );
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
  layer(ctx.strategyValues[b], 'strategy', defSrc.file, policyPath, defSrc.lineOf);
  layer(m.overrides[b], 'override', file, ['overrides', b], src.lineOf);
  layer(ctx.failoverValues[b], 'failover', file, ['failover', 'step'], src.lineOf);
  layer(ctx.failbackValues[b], 'failback', file, ['failback', 'step'], src.lineOf);
  return { merged, sources, origin };
}

/** The bundle's own rules over its validated parameters and where the environment runs. */
function bundleRules(ctx: ResolveContext, b: string, spec: BundleSpec, params: Record<string, unknown>, origin: Origin): void {
  const { defSrc, m, out, region, schedule } = ctx;
  if (!region || !spec.rules) return;
  const connected = Object.fromEntries(ctx.resolved.filter((r) => Object.hasOwn(spec.connects, r.name)).map((r) => [r.name, r.params]));
  const ruleEnv = {
    cloud: m.cloud,
    region: m.region,
    jurisdiction: region.jurisdiction,
    backupIntervalMinutes: schedule.intervalMinutes,
    connected,
  };
  for (const problem of spec.rules(params, ruleEnv)) {
    const o = origin[problem.param];
    out.push(
      issue({
        kind: 'bundle-rule',
        file: o?.file ?? defSrc.file,
        path: (o?.path ?? ['bundles', b]).join('.'),
        line: o ? o.line(o.path) : defSrc.lineOf(['bundles', b]),
        value: params[problem.param],
        message: `${b}.${problem.param}: ${problem.message}`,
        allowed: problem.allowed,
        fix: problem.fix,
      }),
    );
  }
}

function parameters(ctx: ResolveContext): void {
  ctx.out.push(...unknownTransformBundles(ctx.defSrc, ctx.src));
  for (const b of bundleOrder(ctx.def, ctx.bundles)) {
    const spec = ctx.bundles.get(b);
    if (spec) resolveBundle(ctx, b, spec);
  }
}

/** Optional features with limited regional support (RDS automated-backups replication). */
function features(ctx: ResolveContext): void {
  const { m, at, out, region, bundles, drTargets, reverseCopy } = ctx;
  const cat = regionCatalog();
  for (const b of ctx.resolved) {
    for (const f of bundles.get(b.name)?.features ?? []) {
      if (f.cloud !== m.cloud || b.params[f.param] !== true) continue;
      for (const t of [...drTargets, ...(reverseCopy ? [reverseCopy] : [])]) {
        if (featureOffered(f, m.region, t.region)) continue;
        const ok = (region ? cat.inJurisdiction(m.cloud, region.jurisdiction) : []).filter(
          (r) => r.code !== m.region && featureOffered(f, m.region, r.code),
        );
        out.push(
          issue({
            kind: 'missing-feature',
            ...at(['region']),
            value: `${m.region} → ${t.region}`,
            message: `${b.name}.${f.param} needs ${f.description} from ${m.region} to ${t.region} (the region of ${t.name}), which AWS does not offer for that pair`,
            allowed: `dr regions reachable from ${m.region} in ${region?.jurisdiction}: ${listRegions(ok)}`,
            fix: `move ${t.name} to one of those regions, or set ${b.name}.${f.param}: false`,
          }),
        );
      }
    }
  }
}

/**
 * A preview: made by `pnpm preview` (its record read with the workspace), and holding no
 * production data: no database restored from a snapshot of a production or dr environment
 * (named, as every physical name is, `<platform>-<environment>-…`).
 */
function preview(ctx: ResolveContext): void {
  const { m, name, out, def, input } = ctx;
  if (!isPreview(m)) return;
  if (!input.previews?.has(name)) {
    out.push(previewRecordBroken(name, 'it has no record: previews are made by pnpm preview'));
    return;
  }
  for (const b of ctx.resolved) {
    const snapshot = b.params.restoreFromSnapshot;
    if (typeof snapshot !== 'string' || snapshot === '') continue;
    // an ARN ends in the snapshot's identifier
    const id = snapshot.slice(snapshot.lastIndexOf(':') + 1);
    const owner = [...input.manifests.values()]
      .map((s) => s.data)
      .filter((o) => o.role === 'production' || o.role === 'dr')
      .find((o) => id.startsWith(`${def.platform}-${o.name}-`));
    if (owner) out.push(previewProductionData(origin(ctx, b.name, b.sources.restoreFromSnapshot), name, snapshot, owner));
  }
}

/** Where a preview's parameter was set: its base's overrides, or the preview tier in the definition. */
function origin(ctx: ResolveContext, bundle: string, source: ParamSource | undefined): { file: string; path: string; line?: number } {
  const base = ctx.input.previews?.get(ctx.name)?.data.from;
  const baseSrc = base ? ctx.input.manifests.get(base) : undefined;
  if (source === 'override' && baseSrc) {
    const path = ['overrides', bundle, 'restoreFromSnapshot'];
    return { file: baseSrc.file, path: path.join('.'), line: baseSrc.lineOf(path) };
  }
  const path =
    source === 'tier' ? ['tiers', ctx.m.tier, bundle, 'restoreFromSnapshot'] : ['bundles', bundle, 'defaults', 'restoreFromSnapshot'];
  return { file: ctx.defSrc.file, path: path.join('.'), line: ctx.defSrc.lineOf(path) };
}

/** The rules, in the order they run. */
export const RESOLVE_RULES: readonly ResolveRule[] = [
  { name: 'pins', run: pins },
  { name: 'placement', run: placement },
  { name: 'tier', run: tier },
  { name: 'recovers', run: recovers },
  { name: 'dr-targets', run: drTargets },
  { name: 'services', run: services },
  { name: 'dr-policy', run: policy },
  { name: 'overrides', run: overrides },
  { name: 'parameters', run: parameters },
  { name: 'features', run: features },
  { name: 'preview', run: preview },
];
