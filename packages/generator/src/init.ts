/**
 * `parity init`: make the template a team's own. Every file that carries the template's names
 * (the platform name, the npm scope, the registry URL) is rewritten: package names and imports,
 * the lockfile, `.npmrc`, the definition (platform, state bucket pattern, default cloud and
 * region), schemas, READMEs, environment files, tests. The example fleet can be dropped.
 *
 * This module plans the change (pure, from file contents); the command applies it, installs, and
 * stamps the first fleet in fresh processes, since the rewritten sources are not the ones running.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFINITION_FILE,
  inspectWorkspaceFile,
  issue,
  readWorkspaceFile,
  readWorkspaceFileIfExists,
  platformLineMissing,
  refuseOne,
  regionCatalog,
  type Cloud,
  type Issue,
} from '@parity/model';
import { workspaceScope } from './bundle.js';

export interface InitOptions {
  /** Platform name: the first part of every physical name and of the state bucket pattern. */
  readonly platform: string;
  /** npm scope of every package: `@globex`. */
  readonly scope: string;
  /** Registry the scope publishes to. @default - the one `.npmrc` names now */
  readonly registry?: string;
  /** Cloud of environments whose name does not say. @default - the definition's default */
  readonly cloud?: Cloud;
  /** Regions of the first fleet: staging in the first, production in each, a dr environment per production. */
  readonly regions?: readonly string[];
  /** Remove the example fleet. @default keep */
  readonly examples?: 'keep' | 'drop';
}

/** The names a workspace carries now. */
export interface Names {
  readonly platform: string;
  readonly scope: string;
  readonly registry?: string;
}

/**
 * The template's own names: a workspace that carries others has been adopted (`init` ran on it).
 * Spelled in pieces on purpose: `init` rewrites these names in every file, this one included, and
 * after an adoption this constant must still say what the template's names were (else a second
 * `init` with other names would take the adopted names for the template's and rename silently).
 */
export const TEMPLATE_NAMES: Names = { platform: ['ac', 'me'].join(''), scope: ['@', 'parity'].join('') };

/** Whether `plan` renames a workspace that was adopted already (its names are not the template's). */
export function renamesAdopted(plan: InitPlan): boolean {
  const adopted = plan.from.platform !== TEMPLATE_NAMES.platform || plan.from.scope !== TEMPLATE_NAMES.scope;
  return adopted && (plan.from.platform !== plan.to.platform || plan.from.scope !== plan.to.scope);
}

export const PLATFORM_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PLATFORM_MAX = 20;
export const SCOPE = /^@[a-z0-9][a-z0-9._-]*$/;

/** Where the flags come from on the command line, for issues. */
const CLI = '(command line)';

/** Every problem with the options, at once. */
export function initProblems(o: InitOptions): Issue[] {
  const out: Issue[] = [];
  const bad = (path: string, value: unknown, message: string, allowed: string, fix: string) =>
    out.push(issue({ kind: 'init-flag', file: CLI, path, value, message, allowed, fix }));
  if (!PLATFORM_NAME.test(o.platform) || o.platform.length > PLATFORM_MAX) {
    bad(
      '--platform',
      o.platform,
      'invalid platform name',
      `lower-case letters and digits, single hyphens, at most ${PLATFORM_MAX} (it starts every resource name)`,
      '--platform globex',
    );
  }
  if (!SCOPE.test(o.scope))
    bad('--scope', o.scope, 'invalid npm scope', '@ followed by lower-case letters, digits, ".", "_" or "-"', '--scope @globex');
  if (o.registry !== undefined && !/^https?:\/\/[^\s]+\/$/.test(o.registry)) {
    bad('--registry', o.registry, 'invalid registry URL', 'an http(s) URL ending in /', '--registry https://npm.example.com/');
  }
  if (o.cloud !== undefined && o.cloud !== 'aws' && o.cloud !== 'gcp') bad('--cloud', o.cloud, 'unknown cloud', 'aws, gcp', '--cloud aws');
  const cloud = o.cloud ?? 'aws';
  const cat = regionCatalog();
  for (const r of o.regions ?? []) {
    if (!cat.get(cloud, r)) {
      const near = cat.suggest(cloud, r).map((x) => x.code);
      bad(
        '--regions',
        r,
        `not a ${cloud} region`,
        `${cloud} region codes such as ${near.join(', ')}`,
        `use ${cloud} region codes, comma-separated`,
      );
    }
  }
  if (new Set(o.regions ?? []).size !== (o.regions ?? []).length)
    bad('--regions', o.regions, 'a region is named twice', 'distinct regions', 'name each region once');
  if (o.examples !== undefined && o.examples !== 'keep' && o.examples !== 'drop')
    bad('--examples', o.examples, 'unknown choice', 'keep, drop', '--examples drop');
  return out;
}

/** The names the workspace at `root` carries: platform from the definition, scope from the model package, registry from .npmrc. */
export function currentNames(root: string): Names {
  const def = readWorkspaceFile(root, DEFINITION_FILE, { kind: 'definition' });
  const platform = /^platform:\s*["']?([a-z0-9-]+)["']?\s*$/m.exec(def)?.[1];
  if (!platform) refuseOne(platformLineMissing(DEFINITION_FILE));
  const scope = workspaceScope(root);
  const npmrc = readWorkspaceFileIfExists(root, '.npmrc', { kind: 'config', what: '.npmrc' }) ?? '';
  const registry = new RegExp(`^${scope.replace(/[.]/g, '\\.')}:registry=(\\S+)\\s*$`, 'm').exec(npmrc)?.[1];
  return { platform, scope, ...(registry ? { registry } : {}) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One file's text with the names changed: the scope wherever it appears (`@parity/model`,
 * `@parity:registry`, prose), and the platform name as a whole word (`acme-tfstate-{region}`,
 * `acme-prod-use1-db`). "Parity", the project's own name, is not a name to change.
 */
export function rewriteNames(text: string, from: Names, to: Names): string {
  let out = text;
  if (from.scope !== to.scope) out = out.replace(new RegExp(`${escapeRegex(from.scope)}(?![a-z0-9._-])`, 'g'), to.scope);
  if (from.platform !== to.platform)
    out = out.replace(new RegExp(`(?<![a-z0-9])${escapeRegex(from.platform)}(?![a-z0-9])`, 'g'), to.platform);
  return out;
}

/** The definition's default cloud and default region of that cloud set (text edit: comments and layout stay). */
export function setDefinitionDefaults(text: string, cloud: Cloud | undefined, region: string | undefined): string {
  let out = text;
  if (cloud) out = out.replace(/^(defaults:\n(?:[ \t]*#.*\n)* {2}cloud:) *\S+/m, `$1 ${cloud}`);
  const c = cloud ?? (/^defaults:\n(?:[ \t]*#.*\n)* {2}cloud: *(\S+)/m.exec(out)?.[1] as Cloud | undefined) ?? 'aws';
  if (region) out = out.replace(new RegExp(`^(  region:\\n(?:[ \\t]*#.*\\n|    \\S+: *\\S+\\n)*?    ${c}:) *\\S+`, 'm'), `$1 ${region}`);
  return out;
}

/** The `.npmrc` with the scope's registry line set to `registry`. */
export function setRegistry(npmrc: string, scope: string, registry: string): string {
  const line = `${scope}:registry=${registry}`;
  const re = new RegExp(`^${escapeRegex(scope)}:registry=.*$`, 'm');
  return re.test(npmrc) ? npmrc.replace(re, line) : `${npmrc.replace(/\n*$/, '\n')}${line}\n`;
}

export interface InitPlan {
  readonly from: Names;
  readonly to: Names;
  /** Changed files, relative path → new content. */
  readonly edits: ReadonlyMap<string, string>;
  /** Environment folders to remove (the example fleet), relative paths. */
  readonly removals: readonly string[];
}

/**
 * What init changes in `files` (the workspace's tracked files, relative paths). The example fleet
 * goes only on the first init (while the workspace still carries other names): run again with the
 * same flags, init finds nothing to change.
 */
export function planInit(root: string, files: readonly string[], o: InitOptions): InitPlan {
  const from = currentNames(root);
  const to: Names = { platform: o.platform, scope: o.scope, registry: o.registry ?? from.registry };
  const edits = new Map<string, string>();
  for (const f of files) {
    const text = readText(root, f);
    if (text === undefined) continue;
    let next = rewriteNames(text, from, to);
    if (f === DEFINITION_FILE) next = setDefinitionDefaults(next, o.cloud, o.regions?.[0]);
    if (f === '.npmrc' && to.registry) next = setRegistry(next, to.scope, to.registry);
    if (next !== text) edits.set(f, next);
  }
  if (!files.includes('.npmrc') && to.registry) edits.set('.npmrc', setRegistry('', to.scope, to.registry));
  const renamed = from.platform !== to.platform || from.scope !== to.scope;
  const envDir = join(root, 'environments');
  const removals =
    o.examples === 'drop' && renamed && existsSync(envDir)
      ? readdirSync(envDir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `environments/${e.name}`)
          .sort()
      : [];
  for (const r of removals) for (const f of [...edits.keys()]) if (f.startsWith(`${r}/`)) edits.delete(f);
  return { from, to, edits, removals };
}

/** A tracked file's text, or undefined for a binary file (a NUL byte in it) or a link (left as it is, never followed). */
function readText(root: string, file: string): string | undefined {
  const r = inspectWorkspaceFile(root, file, { kind: 'generated', what: 'file' });
  if ('missing' in r || ('refused' in r && r.refused.kind === 'file-link')) return undefined;
  if ('refused' in r) return refuseOne(r.refused);
  return r.text.includes('\0') ? undefined : r.text;
}

/** One environment to stamp for the first fleet: `gen env` arguments. */
export interface FleetEnv {
  readonly name: string;
  readonly region: string;
  readonly role: 'staging' | 'production' | 'dr';
  readonly recovers?: string;
  /** dr only: further candidate regions, in order, should `gen env` refuse this one. */
  readonly alternatives?: readonly string[];
}

/** Staging in the first region, production in each, and for each production its dr candidates: the nearest regions of its jurisdiction. */
export function firstFleet(cloud: Cloud, regions: readonly string[]): FleetEnv[] {
  const cat = regionCatalog();
  const info = regions.map((r) => cat.get(cloud, r)!);
  const out: FleetEnv[] = [{ name: 'staging', region: regions[0]!, role: 'staging' }];
  for (const r of info) out.push({ name: `prod-${r.short}`, region: r.code, role: 'production' });
  for (const r of info) {
    const candidates = cat
      .nearest(cloud, r.code, cat.inJurisdiction(cloud, r.jurisdiction))
      .filter((c) => !c.optIn && !regions.includes(c.code));
    const [first, ...rest] = candidates;
    if (!first) continue;
    out.push({
      name: `dr-${first.short}`,
      region: first.code,
      role: 'dr',
      recovers: `prod-${r.short}`,
      alternatives: rest.map((c) => c.code),
    });
  }
  return out;
}
