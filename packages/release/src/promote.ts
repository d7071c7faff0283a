/**
 * `pnpm promote <bundle>[@<version>] --to <env>`: move an environment to a published version of a
 * bundle (the newest by default, or the one `--from <env>` runs), by writing its pin in the
 * manifest (`bundles: { database: 1.1.0 }`) and nothing else. Before writing it resolves the
 * environment as it will be, synthesizes it both ways and returns the difference in Terraform
 * resources, so the reviewer sees what the promotion will do.
 *
 * A promoted environment stays pinned, also at the version the workspace has: it then moves only
 * when promoted again, never because the workspace did. `--follow` removes the pin instead (the
 * environment follows the workspace), which is only allowed at the workspace's version.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { isMap, isScalar, Pair, parseDocument, Scalar, YAMLMap, type Document } from 'yaml';
import {
  issue,
  loadPinnedBundle,
  loadWorkspace,
  ManifestSchema,
  packageOf,
  parseYaml,
  ParityError,
  pinKey,
  registryFor,
  resolveEnvironment,
  type Issue,
  type PinnedLoad,
  type ResolvedEnvironment,
  type Workspace,
} from '@parity/model';
import { resourceDiff, type ResourceDiff, type TerraformDoc } from './diff.js';
import { publishedVersions, RegistryError } from './registry.js';

export const PIN_COMMENT = ' Pinned bundle versions (`pnpm promote` moves them); a bundle not listed follows the workspace.';

export interface PromoteOptions {
  readonly root?: string;
  readonly bundle: string;
  /** An exact version; default: the one `from` runs, else the newest published. */
  readonly version?: string;
  readonly to: string;
  readonly from?: string;
  readonly allowMajor?: boolean;
  /** Remove the pin (follow the workspace) when the target is the workspace's version. */
  readonly follow?: boolean;
  /** Compute and report; write nothing. */
  readonly dryRun?: boolean;
  /** Extra environment for npm (tests). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface PromoteResult {
  readonly env: string;
  readonly bundle: string;
  readonly package: string;
  /** Manifest path relative to the root. */
  readonly file: string;
  readonly from: { readonly version: string; readonly pinned: boolean };
  readonly to: { readonly version: string; readonly pinned: boolean };
  /** Where the version came from. */
  readonly reason: string;
  readonly manifestChanged: boolean;
  readonly written: boolean;
  /** Problems of the environment before the promotion (it may be the fix for them). */
  readonly before: readonly Issue[];
  /** Whether the environment as it was could be synthesized (if not, the diff shows everything as added). */
  readonly beforeBuilt: boolean;
  readonly diff: ResourceDiff;
  /** Other environments of the same bundle that relate to this one (its dr environments), and their versions. */
  readonly related: ReadonlyArray<{ readonly env: string; readonly version: string; readonly pinned: boolean }>;
}

function fail(file: string, path: string, message: string, extra: Partial<Issue> = {}): never {
  throw new ParityError([issue({ kind: 'bundle-version', file, path, message, ...extra })], 'cannot promote');
}

/** The version an environment runs of a bundle: its pin, else the workspace's. */
export function runningVersion(ws: Workspace, env: string, bundle: string): { version: string; pinned: boolean } {
  const pin = ws.manifests.get(env)?.data.bundles?.[bundle];
  if (pin) return { version: pin, pinned: true };
  const spec = ws.bundles.get(bundle);
  if (!spec) fail('environments/platform.yaml', `bundles.${bundle}`, `bundle "${bundle}" could not be loaded from the workspace`);
  return { version: spec.version, pinned: false };
}

/** The manifest text with the pin of `bundle` set to `version`, or removed (undefined). Comments and layout are kept. */
export function setPin(text: string, bundle: string, version: string | undefined, order: readonly string[]): string {
  const doc: Document = parseDocument(text);
  const contents = doc.contents;
  if (!isMap(contents)) throw new Error('the manifest is not a YAML mapping');
  const root = contents as YAMLMap<unknown, unknown>;
  const idx = root.items.findIndex((p) => isScalar(p.key) && p.key.value === 'bundles');
  let pins: unknown = idx >= 0 ? root.items[idx]!.value : undefined;
  if (version === undefined) {
    if (!isMap(pins)) return text;
    pins.delete(bundle);
    if (pins.items.length === 0) root.items.splice(idx, 1);
    return doc.toString();
  }
  if (!isMap(pins)) {
    pins = new YAMLMap();
    const key = new Scalar('bundles');
    key.commentBefore = PIN_COMMENT;
    const pair = new Pair(key, pins);
    if (idx >= 0) root.items[idx] = pair;
    else {
      const before = root.items.findIndex((p) => isScalar(p.key) && p.key.value === 'overrides');
      root.items.splice(before >= 0 ? before : root.items.length, 0, pair);
    }
  }
  const map = pins as YAMLMap<unknown, unknown>;
  map.set(bundle, version);
  const rank = (p: Pair<unknown, unknown>) => {
    const i = order.indexOf(String(isScalar(p.key) ? p.key.value : p.key));
    return i < 0 ? order.length : i;
  };
  map.items.sort((a, b) => rank(a) - rank(b));
  return doc.toString();
}

async function synth(root: string, env: ResolvedEnvironment): Promise<TerraformDoc> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(root, env)) as TerraformDoc;
}

export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  let opts = options;
  const ws = await loadWorkspace(opts.root);
  const root = ws.root;
  if (!ws.definition) throw new ParityError(ws.issues, 'the definition has problems');
  const def = ws.definition;
  // a package name stands for its bundle
  const byPackage = Object.entries(def.data.bundles).find(([name, e]) => packageOf(name, e) === opts.bundle)?.[0];
  if (byPackage) opts = { ...opts, bundle: byPackage };
  const entry = def.data.bundles[opts.bundle];
  if (!entry) {
    throw new ParityError([issue({ kind: 'unknown-bundle', file: def.file, path: 'bundles', value: opts.bundle, message: `the definition has no bundle "${opts.bundle}"`, allowed: Object.keys(def.data.bundles).join(', '), fix: 'name a bundle of the definition' })], 'cannot promote');
  }
  const src = ws.manifests.get(opts.to);
  if (!src) {
    throw new ParityError([issue({ kind: 'env-missing', file: `environments/${opts.to}/environment.yaml`, path: '', value: opts.to, message: `environment "${opts.to}" does not exist`, allowed: [...ws.manifests.keys()].sort().join(', '), fix: 'name an existing environment' })], 'cannot promote');
  }
  const file = src.file;
  const pkg = packageOf(opts.bundle, entry);
  const workspaceVersion = ws.bundles.get(opts.bundle)?.version;
  const current = runningVersion(ws, opts.to, opts.bundle);

  // the version to promote to
  const range = semver.validRange(entry.version) ? entry.version : undefined;
  const outsideRange = (v: string): never =>
    fail(def.file, `bundles.${opts.bundle}.version`, `${opts.bundle} ${v} is outside the range the definition asks for (${entry.version}), so no environment may run it`, {
      value: entry.version,
      allowed: `a range that includes ${v}`,
      fix: `widen bundles.${opts.bundle}.version in ${def.file} first (a reviewed change to the definition), then promote`,
    });
  const listPublished = () =>
    publishedVersions(pkg, root, opts.env).catch((e: unknown) => {
      if (e instanceof RegistryError) fail(file, `bundles.${opts.bundle}`, `cannot check which versions of ${pkg} are published: ${e.message.split('\n')[0]}`, { fix: e.fix });
      throw e;
    });
  let target: string;
  let reason: string;
  let published: string[];
  if (opts.version || opts.from) {
    if (opts.version) {
      if (!semver.valid(opts.version)) fail(file, `bundles.${opts.bundle}`, `"${opts.version}" is not an exact version`, { value: opts.version, allowed: 'an exact version such as 1.1.0', fix: `pnpm promote ${opts.bundle}@<version> --to ${opts.to}` });
      target = semver.clean(opts.version)!;
      reason = 'as asked';
    } else {
      if (!ws.manifests.has(opts.from!)) fail(`environments/${opts.from}/environment.yaml`, '', `environment "${opts.from}" does not exist`, { value: opts.from, allowed: [...ws.manifests.keys()].sort().join(', '), fix: 'name an existing environment with --from' });
      const other = runningVersion(ws, opts.from!, opts.bundle);
      target = other.version;
      reason = `what ${opts.from} runs${other.pinned ? ' (pinned)' : ' (follows the workspace)'}`;
    }
    if (range && !semver.satisfies(target, range)) outsideRange(target);
    published = await listPublished();
  } else {
    // the newest published version the definition allows (prereleases only if nothing else is)
    published = await listPublished();
    const valid = published.filter((v) => semver.valid(v));
    const allowed = valid.filter((v) => !range || semver.satisfies(v, range, { includePrerelease: true }));
    const stable = allowed.filter((v) => !semver.prerelease(v));
    const newest = semver.rsort([...(stable.length ? stable : allowed)])[0];
    if (!newest) {
      const registry = await registryFor(pkg, root);
      if (valid.length) outsideRange(semver.rsort([...valid])[0]!);
      fail(file, `bundles.${opts.bundle}`, `${pkg} has no published version in ${registry}`, { fix: 'publish the bundles first: pnpm release' });
    }
    target = newest;
    reason = 'the newest published';
    const beyond = semver.rsort(valid.filter((v) => semver.gt(v, newest) && !semver.prerelease(v)))[0];
    if (beyond) reason += ` in ${range} (${beyond} is published, outside the range)`;
  }
  if (!published.includes(target)) {
    const registry = await registryFor(pkg, root);
    fail(file, `bundles.${opts.bundle}`, `${pkg}@${target} (${reason}) is not published to ${registry}`, {
      value: target,
      allowed: published.length ? `published: ${semver.sort(published.filter((v) => semver.valid(v))).join(', ')}` : '(nothing published yet)',
      fix: target === workspaceVersion ? 'publish it: pnpm release' : 'promote to a published version',
    });
  }
  if (semver.major(target) !== semver.major(current.version) && !opts.allowMajor) {
    fail(file, `bundles.${opts.bundle}`, `${opts.bundle} ${current.version} → ${target} is a major version change: it may need changes to the definition, manifests or running infrastructure`, {
      value: target,
      allowed: `${semver.major(current.version)}.x without --allow-major`,
      fix: `read the ${pkg} CHANGELOG for ${semver.major(target)}.0.0, then run again with --allow-major`,
    });
  }
  if (opts.follow && target !== workspaceVersion) {
    fail(file, `bundles.${opts.bundle}`, `--follow makes ${opts.to} follow the workspace, which has ${opts.bundle} ${workspaceVersion}, not ${target}`, { fix: `leave out --follow to pin ${target}, or promote to ${workspaceVersion}` });
  }
  const pin = opts.follow ? undefined : target;

  // the manifest as it will be, and the environment resolved from it
  const text = readFileSync(join(root, file), 'utf8');
  const next = setPin(text, opts.bundle, pin, Object.keys(def.data.bundles));
  const parsed = parseYaml(file, next, ManifestSchema);
  if (!parsed.source) throw new ParityError(parsed.issues, `the promoted manifest would not be valid (${file})`);
  const pinned = new Map<string, PinnedLoad>(ws.pinned ?? []);
  if (pin && !pinned.has(pinKey(opts.bundle, pin))) pinned.set(pinKey(opts.bundle, pin), await loadPinnedBundle(root, opts.bundle, pkg, pin));
  const after = resolveEnvironment({ ...ws, manifests: new Map(ws.manifests).set(opts.to, parsed.source), pinned }, opts.to);
  if (!after.env) throw new ParityError(after.issues, `${opts.to} would not resolve with ${opts.bundle} ${target}; nothing was written`);
  // leniently: the environment may not resolve today (a promotion can be the fix), but can still be built
  const before = resolveEnvironment(ws, opts.to, { lenient: true });

  const beforeJson = before.env ? await synth(root, before.env).catch(() => undefined) : undefined;
  const diff = resourceDiff(beforeJson, await synth(root, after.env));
  const manifestChanged = next !== text;
  let written = false;
  if (manifestChanged && !opts.dryRun) {
    const path = join(root, file);
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, next);
    renameSync(tmp, path);
    written = true;
  }
  const related = [...ws.manifests.values()]
    .filter((m) => m.data.role === 'dr' && m.data.recovers === opts.to)
    .map((m) => ({ env: m.data.name, ...runningVersion(ws, m.data.name, opts.bundle) }));
  return {
    env: opts.to,
    bundle: opts.bundle,
    package: pkg,
    file,
    from: current,
    to: { version: target, pinned: pin !== undefined },
    reason,
    manifestChanged,
    written,
    before: before.issues.filter((i) => i.severity === 'error'),
    beforeBuilt: beforeJson !== undefined,
    diff,
    related,
  };
}
