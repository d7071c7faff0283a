/**
 * Resolution: definition + manifest → a fully resolved, validated environment.
 *
 * Parameter values are layered: bundle defaults, then the definition's `defaults`, then the
 * tier, then the `strategy` layer a dr environment's DR policy derives, then the manifest's
 * `overrides`, then the `failover` layer its failover step derives. Tiers and overrides may only
 * touch parameters the definition lists in `mayDiffer`; everything else is identical in every
 * environment. Every problem is collected and returned; nothing throws on the first one.
 *
 * The work is done by the named rules of resolve-rules.ts, over one context.
 */
import { regionCatalog, type Cloud } from './catalog.js';
import type { Definition } from './config.js';
import { deriveBackupSchedule } from './dr.js';
import { type ResolvedDr, strategyFacts } from './drpolicy.js';
import { replicaLagSeconds } from './rpo.js';
import { environmentMissing, type Issue } from './errors.js';
import { stateBackend } from './placement.js';
import { isPreview, previewStatePrefix } from './preview.js';
import { own } from './own.js';
import { RESOLVE_RULES, unreadableManifest, type ResolveContext } from './resolve-rules.js';
import type { EnvRef, ResolvedEnvironment, ResolveInput, ResolveOptions } from './resolved.js';

/** Resolve one environment. Returns the environment only if there are no errors (unless lenient). */
export function resolveEnvironment(
  input: ResolveInput,
  name: string,
  opts: ResolveOptions = {},
): { env?: ResolvedEnvironment; issues: Issue[] } {
  const { definition: defSrc, manifests } = input;
  const src = manifests.get(name);
  if (!src) {
    // A manifest that exists but could not be read: its own problems, not "does not exist".
    const unreadable = unreadableManifest(input, name);
    if (unreadable.length) return { issues: unreadable };
    return { issues: [environmentMissing(name, manifests.keys())] };
  }
  const ctx: ResolveContext = {
    input,
    name,
    opts,
    def: defSrc.data,
    defSrc,
    src,
    m: src.data,
    file: src.file,
    at: (path) => ({ file: src.file, path: path.join('.'), line: src.lineOf(path) }),
    out: [],
    bundles: new Map(input.bundles),
    pinnedDirs: new Map(),
    drTargets: [],
    policyName: defSrc.data.dr.defaultPolicy,
    strategyValues: {},
    failoverValues: {},
    failbackValues: {},
    schedule: deriveBackupSchedule(60, 0),
    resolved: [],
  };
  for (const rule of RESOLVE_RULES) rule.run(ctx);
  const { out, region, policy } = ctx;
  if (!region || !own(ctx.def.tiers, ctx.m.tier) || !policy) return { issues: out };
  if (out.some((i) => i.severity === 'error') && !opts.lenient) return { issues: out };
  return { env: buildEnvironment(ctx), issues: out };
}

/** The resolved environment, from a context every rule has run over. */
function buildEnvironment(ctx: ResolveContext): ResolvedEnvironment {
  const { def, m, name, file, jur, recovers, drTargets, schedule } = ctx;
  const region = ctx.region!;
  const cat = regionCatalog();
  const record = isPreview(m) ? ctx.input.previews?.get(name)?.data : undefined;
  const preview = record ? { id: record.id, from: record.from, ttl: record.ttl, expires: record.expires } : undefined;
  // failing back under backup & restore, a dr environment's backups also go back to the production region
  const copyRegions = [...drTargets, ...(ctx.reverseCopy ? [ctx.reverseCopy] : [])]
    .map((t) => t.region)
    .filter((r, i, a) => a.indexOf(r) === i);
  return {
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
    // a preview runs in its base's project, its state under previews/<name>/ in its base's bucket
    ...(m.cloud === 'gcp' ? { gcpProject: gcpProjectOf(def, preview?.from ?? name) } : {}),
    state: stateBackend(def, preview ? previewStatePrefix(name) : name, m.cloud, m.state.region, m.state.bucket),
    dr: resolvedDr(ctx),
    backup: { ...schedule, copyRegions, location: copyRegions[0] ?? m.region },
    dataRegions: (jur?.members ?? [region.jurisdiction])
      .flatMap((j) => cat.inJurisdiction(m.cloud, j))
      .map((r) => r.code)
      .sort(),
    bundles: ctx.resolved,
    ...(preview ? { preview } : {}),
  };
}

function resolvedDr(ctx: ResolveContext): ResolvedDr {
  const { m, recovers, def, failbackReplicates } = ctx;
  const { name, policy, strategy } = ctx.policy!;
  return {
    policy: name,
    strategy,
    rpoMinutes: policy.rpoMinutes,
    rtoMinutes: policy.rtoMinutes,
    copyDelayMinutes: policy.copyDelayMinutes,
    storeRpoMinutes: policy.storeRpoMinutes ?? {},
    replicaLagSeconds: replicaLagSeconds(policy),
    ...(policy.standbyCapacityPercent !== undefined ? { standbyCapacityPercent: policy.standbyCapacityPercent } : {}),
    ...(m.role === 'dr' && recovers && strategyFacts(strategy).replica ? { replicaSource: replicaSourceOf(def, recovers, m.cloud) } : {}),
    // failing back (step reprotect): the production environment replicates the dr environment that took over
    ...(failbackReplicates ? { replicaSource: replicaSourceOf(def, failbackReplicates, m.cloud) } : {}),
    ...(m.failover ? { failover: m.failover } : {}),
    ...(m.failback ? { failback: m.failback } : {}),
  };
}

function gcpProjectOf(def: Definition, env: string): string {
  return def.gcp.project.replaceAll('{platform}', def.platform).replaceAll('{env}', env);
}

function replicaSourceOf(def: Definition, source: EnvRef, cloud: Cloud): NonNullable<ResolvedDr['replicaSource']> {
  return { name: source.name, region: source.region, ...(cloud === 'gcp' ? { gcpProject: gcpProjectOf(def, source.name) } : {}) };
}
