/**
 * `gen env <name>`: infer what the name says (role, cloud, region), fill in what the definition
 * decides (tier, state, the environment a dr one recovers), resolve the result against the whole
 * workspace exactly as synth and check will, and only then render `templates/env/*.hbs`.
 *
 * Files are rendered into a temporary folder beside the target and renamed into place, so a
 * refusal or a crash never leaves a half-written environment. Output is deterministic.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '@parity/io';
import Handlebars from 'handlebars';
import {
  issue,
  MANIFEST_FILE,
  NAME_GRAMMAR,
  ParityError,
  parseEnvName,
  readWorkspaceFile,
  regionCatalog,
  resolveEnvironment,
  stateBackend,
  strategyFacts,
  templatesMissing,
  type Cloud,
  type Definition,
  type Issue,
  type Manifest,
  type ResolvedEnvironment,
  type NamedRole,
  type Strategy,
  type Workspace,
} from '@parity/model';

export interface GenOptions {
  readonly cloud?: Cloud;
  readonly region?: string;
  readonly recovers?: string;
  readonly tier?: string;
  /** production only: the DR policy, when not the tier's or the definition's default. */
  readonly drPolicy?: string;
  readonly force?: boolean;
}

export interface GenPlan {
  readonly name: string;
  readonly manifest: Manifest;
  /** Values handed to the templates (templates/env/*.hbs). */
  readonly view: EnvView;
  readonly warnings: Issue[];
}

const ROLE_SUMMARY: Record<NamedRole, string> = {
  staging: 'pre-production, at parity with production except for size',
  production: 'serves users',
  dr: 'disaster recovery',
};

const DR_SUMMARY: Record<Strategy, (region: string) => string> = {
  'backup-restore': (region) => `restored into ${region} from backups copied there`,
  'pilot-light': (region) => `a read replica in ${region}, compute scaled to zero until a failover`,
  'warm-standby': (region) => `a read replica and a smaller running cluster in ${region}`,
};

/** What the templates say about the environment's DR policy. */
/** The DR policy as the templates show it. */
export interface PolicyView {
  readonly name: string;
  readonly strategy: Strategy;
  readonly rpoMinutes: number;
  readonly rtoMinutes: number;
  /** What runs in the DR region in peacetime, as a sentence. */
  readonly peacetime: string;
  readonly appliedAtFailover: boolean;
  readonly replica: boolean;
}

/**
 * Everything templates/env/*.hbs may read. The templates compile in strict mode, so a key they
 * name that is not here fails the render instead of printing nothing; keys that do not apply to
 * every environment are present as `undefined`.
 */
export interface EnvView {
  readonly name: string;
  /** The `pnpm gen env` arguments that stamp this environment again. */
  readonly command: string;
  readonly summary: string;
  readonly cloud: Cloud;
  readonly gcp: boolean;
  readonly region: string;
  readonly regionName: string;
  readonly jurisdiction: string;
  readonly role: NamedRole;
  readonly tier: string;
  readonly recovers: string | undefined;
  readonly recoversRegion: string | undefined;
  readonly stateRegion: string;
  readonly stateNote: string;
  readonly stateDescription: string;
  readonly drPolicy: string | undefined;
  readonly policy: PolicyView;
}

function policyView(dr: ResolvedEnvironment['dr']): PolicyView {
  const peacetime: Record<Strategy, string> = {
    'backup-restore':
      'nothing of this environment: only the backup plane (vault, keys, replicated backups, the state bucket). It is applied only at failover.',
    'pilot-light':
      'its network, keys and queues; the database as a cross-region read replica; the cluster defined with its node groups at zero. Apply it now.',
    'warm-standby': `its network, keys and queues; the database as a cross-region read replica; the cluster at ${dr.standbyCapacityPercent}% of the primary's node counts (at least one node). Apply it now.`,
  };
  return {
    name: dr.policy,
    strategy: dr.strategy,
    rpoMinutes: dr.rpoMinutes,
    rtoMinutes: dr.rtoMinutes,
    peacetime: peacetime[dr.strategy],
    appliedAtFailover: !strategyFacts(dr.strategy).replica,
    replica: strategyFacts(dr.strategy).replica,
  };
}

function fail(name: string, i: Omit<Issue, 'file' | 'severity'> & { file?: string }): { issues: Issue[] } {
  return { issues: [issue({ file: i.file ?? `environments/${name}`, ...i })] };
}

/** Work out the manifest for a new environment and check it against the workspace. Writes nothing. */
export function planEnvironment(ws: Workspace, name: string, opts: GenOptions = {}): { plan?: GenPlan; issues: Issue[] } {
  if (!ws.definition) return { issues: [...ws.issues] };
  const loadErrors = ws.issues.filter((i) => i.severity === 'error');
  if (loadErrors.length > 0) return { issues: loadErrors };
  const def = ws.definition.data;
  // Stamping again keeps the policy the manifest names, unless --dr-policy changes it.
  const drPolicy = opts.drPolicy ?? (opts.force ? ws.manifests.get(name)?.data.drPolicy : undefined);
  const place = placement(def, name, opts);
  if ('issues' in place) return place;
  if (!existsSync(join(ws.root, 'templates', 'env'))) {
    return { issues: [templatesMissing()] };
  }
  const { cloud, region, role } = place;
  const rec = recoveredEnvironment(ws, name, opts, place);
  if ('issues' in rec) return rec;
  const { recovers } = rec;
  const recovered = recovers ? ws.manifests.get(recovers)?.data : undefined;
  const tier = opts.tier ?? (role === 'dr' ? (recovered?.tier ?? def.defaultTier.production) : def.defaultTier[role]);

  const exists = existsSync(join(ws.environmentsDir, name));
  if (exists && !opts.force) {
    return fail(name, {
      kind: 'env-exists',
      path: '',
      value: name,
      message: `environments/${name} already exists`,
      fix: `pass --force to stamp it again (hand edits to its files are replaced), or choose another name`,
    });
  }
  if (drPolicy && role !== 'production') {
    return fail(name, {
      kind: 'dr-policy',
      path: '--dr-policy',
      value: drPolicy,
      message: `only a production environment names its DR policy; ${name} is ${role}${role === 'dr' ? ` and runs under the policy of ${recovers}` : ''}`,
      fix: 'drop --dr-policy',
    });
  }
  const manifest: Manifest & { role: NamedRole } = {
    name,
    cloud,
    region,
    role,
    tier,
    ...(drPolicy ? { drPolicy } : {}),
    ...(recovers ? { recovers } : {}),
    state: { region },
    overrides: {},
  };
  const resolved = resolveCandidate(ws, manifest);
  const errors = resolved.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0 || !resolved.env) return { issues: resolved.issues };

  const view = templateView(def, manifest, resolved.env, commandLine(name, opts, drPolicy), recovered?.region);
  return { plan: { name, manifest, view, warnings: resolved.issues.filter((i) => i.severity === 'warning') }, issues: resolved.issues };
}

/** The `pnpm gen env` arguments that stamp the environment again. */
function commandLine(name: string, opts: GenOptions, drPolicy: string | undefined): string {
  return [
    name,
    ...(opts.cloud ? ['--cloud', opts.cloud] : []),
    ...(opts.region ? ['--region', opts.region] : []),
    ...(opts.recovers ? ['--recovers', opts.recovers] : []),
    ...(opts.tier ? ['--tier', opts.tier] : []),
    ...(drPolicy ? ['--dr-policy', drPolicy] : []),
  ].join(' ');
}

/** Where the environment runs and what it is, from its name, the flags and the definition's defaults. */
interface Placement {
  readonly cloud: Cloud;
  readonly region: string;
  readonly role: NamedRole;
}

/** The role, cloud and region the name says, checked against --cloud and --region, or the defaults. */
function placement(def: Definition, name: string, opts: GenOptions): Placement | { issues: Issue[] } {
  const cat = regionCatalog();
  const { parsed, reason } = parseEnvName(name);
  if (!parsed) {
    return fail(name, {
      kind: 'env-name',
      path: 'name',
      value: name,
      message: `invalid environment name: ${reason}`,
      allowed: NAME_GRAMMAR,
      fix: 'choose a name that fits the grammar (see docs/environments.md, "Environment names")',
    });
  }
  if (parsed.cloud && opts.cloud && parsed.cloud !== opts.cloud) {
    return fail(name, {
      kind: 'env-name',
      path: '--cloud',
      value: opts.cloud,
      message: `the name says ${parsed.cloud}, --cloud says ${opts.cloud}`,
      fix: 'drop one of them or make them agree',
    });
  }
  const cloud: Cloud = opts.cloud ?? parsed.cloud ?? def.defaults.cloud;
  let region: string | undefined;
  if (parsed.regionShort) {
    const r = cat.byShort(cloud, parsed.regionShort);
    if (!r) {
      const near = cat.suggest(cloud, parsed.regionShort);
      return fail(name, {
        kind: 'unknown-region',
        path: 'name',
        value: parsed.regionShort,
        message: `"${parsed.regionShort}" is not the short code of an ${cloud.toUpperCase()} region`,
        allowed: `short codes such as ${near.map((x) => `${x.short} (${x.code})`).join(', ')}`,
        fix: `use a known short code, or pass --region <${cloud} region code>`,
      });
    }
    region = r.code;
  }
  if (opts.region) {
    if (!cat.get(cloud, opts.region)) {
      const near = cat.suggest(cloud, opts.region);
      return fail(name, {
        kind: 'unknown-region',
        path: '--region',
        value: opts.region,
        message: `not a known ${cloud} region`,
        allowed: `${cloud} region codes, e.g. ${near.map((x) => x.code).join(', ')}`,
        fix: 'correct the region code',
      });
    }
    if (region && region !== opts.region) {
      return fail(name, {
        kind: 'env-name',
        path: '--region',
        value: opts.region,
        message: `the name says ${region} (${parsed.regionShort}), --region says ${opts.region}`,
        fix: `rename the environment (e.g. ${parsed.role === 'production' ? 'prod' : parsed.role}-${cat.get(cloud, opts.region)!.short}) or drop --region`,
      });
    }
    region = opts.region;
  }
  region ??= def.defaults.region[cloud];
  if (!region) {
    return fail(name, {
      kind: 'unknown-region',
      path: 'name',
      value: name,
      message: `the name carries no region and the definition has no defaults.region.${cloud}`,
      fix: `add a region short code to the name (e.g. ${name}-use1) or pass --region`,
    });
  }
  return { cloud, region, role: parsed.role };
}

/**
 * The environment a dr one recovers: --recovers, or the only production environment of its cloud
 * (or the only one in its jurisdiction, in another region). Only dr environments recover another.
 */
function recoveredEnvironment(
  ws: Workspace,
  name: string,
  opts: GenOptions,
  { cloud, region, role }: Placement,
): { recovers?: string } | { issues: Issue[] } {
  if (role !== 'dr') {
    if (opts.recovers) {
      return fail(name, {
        kind: 'recovers',
        path: '--recovers',
        value: opts.recovers,
        message: `only dr environments recover another; ${name} is ${role}`,
        fix: 'drop --recovers, or name the environment dr-…',
      });
    }
    return {};
  }
  if (opts.recovers) return { recovers: opts.recovers };
  const cat = regionCatalog();
  const prods = [...ws.manifests.values()].map((s) => s.data).filter((m) => m.role === 'production' && m.cloud === cloud);
  const here = cat.get(cloud, region)?.jurisdiction;
  const same = prods.filter((m) => cat.get(cloud, m.region)?.jurisdiction === here && m.region !== region);
  const pick = prods.length === 1 ? prods : same;
  if (pick.length !== 1) {
    return fail(name, {
      kind: 'recovers',
      path: '--recovers',
      message:
        pick.length === 0
          ? `no ${cloud} production environment ${prods.length ? `in ${here} ` : ''}to recover`
          : `several production environments could be the one ${name} recovers`,
      allowed: prods.map((m) => `${m.name} (${m.region})`).join(', ') || '(none)',
      fix: 'pass --recovers <environment>',
    });
  }
  return { recovers: pick[0]!.name };
}

/** Resolve exactly as synth and check will, with this manifest in the workspace. */
function resolveCandidate(ws: Workspace, manifest: Manifest): ReturnType<typeof resolveEnvironment> {
  const { name, recovers } = manifest;
  const candidate = candidateWorkspace(ws, { name, manifest });
  const resolved = resolveEnvironment(candidate, name);
  // A dr environment also changes the one it recovers (backup copies now go to its region):
  // that environment must still resolve, e.g. a feature it uses must reach this region.
  if (recovers && ws.manifests.has(recovers)) {
    const broken = resolveEnvironment(ws, recovers).issues.filter((i) => i.severity === 'error');
    const before = new Set(broken.map((i) => `${i.kind}|${i.path}|${i.message}`));
    const after = resolveEnvironment({ ...ws, manifests: candidate.manifests }, recovers).issues;
    // Its own problems first: a pair check against a broken environment only shows their symptoms.
    resolved.issues.push(...broken, ...after.filter((i) => i.severity === 'error' && !before.has(`${i.kind}|${i.path}|${i.message}`)));
  }
  return resolved;
}

/** What templates/env/*.hbs are rendered with, for `manifest` resolved as `env` (also for restamping: stamped.ts). */
export function templateView(
  def: Definition,
  manifest: Manifest & { role: NamedRole },
  env: ResolvedEnvironment,
  command: string,
  recoversRegion: string | undefined,
): EnvView {
  const { name, cloud, region, role, tier, recovers, drPolicy } = manifest;
  const info = regionCatalog().get(cloud, region)!;
  const state = stateBackend(def, name, cloud, region);
  const stateDescription =
    state.backend === 's3'
      ? `s3://${state.bucket}/${state.key} (${state.region}), locked ${state.lockTable ? `with DynamoDB table ${state.lockTable}` : 'with a lock file beside it (S3 use_lockfile)'}`
      : `gs://${state.bucket}/${state.prefix} (${state.region})`;
  return {
    name,
    command,
    summary: role === 'dr' ? `disaster recovery for ${recovers}, ${DR_SUMMARY[env.dr.strategy](region)}` : `${role}: ${ROLE_SUMMARY[role]}`,
    cloud,
    gcp: cloud === 'gcp',
    region,
    regionName: info.name,
    jurisdiction: info.jurisdiction,
    role,
    tier,
    recovers,
    recoversRegion,
    stateRegion: region,
    stateNote:
      role === 'dr'
        ? `Kept in this environment's own region, never in ${recoversRegion}, the region it fails over from.`
        : "Kept in this environment's own region.",
    stateDescription,
    drPolicy,
    policy: policyView(env.dr),
  };
}

/** The workspace as it would be with the planned environment in it. */
export function candidateWorkspace(ws: Workspace, plan: Pick<GenPlan, 'name' | 'manifest'>): Workspace {
  const manifests = new Map(ws.manifests);
  manifests.set(plan.name, { file: `environments/${plan.name}/${MANIFEST_FILE}`, data: plan.manifest, lineOf: () => undefined });
  return { ...ws, manifests };
}

/** Render every template for a plan: file name (without .hbs) → content. */
export function renderEnvironment(root: string, plan: Pick<GenPlan, 'view'>): Map<string, string> {
  const dir = join(root, 'templates', 'env');
  const out = new Map<string, string>();
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.hbs'))
    .sort()) {
    const template = Handlebars.compile(readWorkspaceFile(root, join(dir, f), { kind: 'template' }), { noEscape: true, strict: true });
    out.set(f.slice(0, -'.hbs'.length), template(plan.view));
  }
  return out;
}

/**
 * Write a rendered environment without ever leaving it half-written. A new environment is
 * rendered into a temporary folder beside it and renamed into place. An existing one (only under
 * --force) keeps everything else it holds (drill reports, build output); each file is written
 * beside its target and renamed over it.
 */
export function writeEnvironment(ws: Workspace, name: string, files: ReadonlyMap<string, string>, force = false): string[] {
  const target = join(ws.environmentsDir, name);
  const written = [...files.keys()].map((f) => relative(ws.root, join(target, f)));
  if (existsSync(target) && !force) throw createdMeanwhile(ws, name);
  if (existsSync(target)) {
    for (const [file, content] of files) writeFileAtomic(join(target, file), content);
    return written;
  }
  try {
    writeDirAtomic(target, (tmp) => {
      for (const [file, content] of files) writeFileSync(join(tmp, file), content);
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Another command created it between the plan and the rename (two `gen env` at once).
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw createdMeanwhile(ws, name);
    throw e;
  }
  return written;
}

/** Another command created the environment between the plan and the write (two `gen env` at once). */
function createdMeanwhile(ws: Workspace, name: string): ParityError {
  return new ParityError(
    [
      issue({
        kind: 'env-exists',
        file: relative(ws.root, join(ws.environmentsDir, name)),
        path: '',
        value: name,
        message: `environments/${name} was created by another command meanwhile; this one wrote nothing`,
        fix: `look at environments/${name}; pnpm gen env ${name} --force stamps it again`,
      }),
    ],
    `cannot generate environment ${name}`,
  );
}

/** Plan, render and write. Returns the files written, or the problems (and writes nothing). */
export function generateEnvironment(
  ws: Workspace,
  name: string,
  opts: GenOptions = {},
): { written?: string[]; plan?: GenPlan; issues: Issue[] } {
  const { plan, issues } = planEnvironment(ws, name, opts);
  if (!plan) return { issues };
  const files = renderEnvironment(ws.root, plan);
  return { written: writeEnvironment(ws, name, files, opts.force), plan, issues };
}
