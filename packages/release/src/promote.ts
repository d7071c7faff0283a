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
import { join } from 'node:path';
import { writeFileAtomic } from '@parity/io';
import semver from 'semver';
import { isMap, isScalar, Pair, parseDocument, Scalar, YAMLMap, type Document } from 'yaml';
import {
  environmentMissing,
  previewNotPromotable,
  issue,
  loadPinnedBundle,
  loadWorkspace,
  own,
  ManifestSchema,
  packageOf,
  parseYaml,
  ParityError,
  notYamlMapping,
  pinKey,
  readWorkspaceFile,
  refuse,
  refuseOne,
  resolveEnvironment,
  type Definition,
  type Issue,
  type PinnedLoad,
  type ResolvedEnvironment,
  type SourceFile,
  type Workspace,
} from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { resourceDiff, type ResourceDiff } from './diff.js';
import { npmInstaller } from './install.js';
import { registryFor } from './npm.js';
import { publishedVersions } from './registry.js';

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
export function setPin(
  text: string,
  bundle: string,
  version: string | undefined,
  order: readonly string[],
  file = 'environment.yaml',
): string {
  const doc: Document = parseDocument(text);
  const contents = doc.contents;
  if (!isMap(contents)) refuseOne(notYamlMapping(file, contents === null ? 'empty' : 'not a mapping'));
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

async function synth(root: string, env: ResolvedEnvironment): Promise<TerraformJson> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(root, env)) as TerraformJson;
}

export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const t = await loadTarget(options);
  const { opts, ws, root, file } = t;
  const { target, reason, published } = await chooseVersion(t);
  await refuseUnsafe(t, target, reason, published);
  const pin = opts.follow ? undefined : target;
  const { text, next, after } = await resolveAfter(t, pin, target);
  // leniently: the environment may not resolve today (a promotion can be the fix), but can still be built
  const before = resolveEnvironment(ws, opts.to, { lenient: true });
  const beforeJson = before.env ? await synth(root, before.env).catch(() => undefined) : undefined;
  const diff = resourceDiff(beforeJson, await synth(root, after));
  const manifestChanged = next !== text;
  const written = manifestChanged && !opts.dryRun;
  if (written) writeFileAtomic(join(root, file), next);
  const related = [...ws.manifests.values()]
    .filter((m) => m.data.role === 'dr' && m.data.recovers === opts.to)
    .map((m) => ({ env: m.data.name, ...runningVersion(ws, m.data.name, opts.bundle) }));
  return {
    env: opts.to,
    bundle: opts.bundle,
    package: t.pkg,
    file,
    from: t.current,
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

/** What a promotion works on: the workspace, the bundle's definition entry, the target manifest, the running version. */
interface Target {
  readonly opts: PromoteOptions;
  readonly ws: Workspace;
  readonly root: string;
  readonly def: SourceFile<Definition>;
  readonly entry: Definition['bundles'][string];
  readonly file: string;
  readonly pkg: string;
  readonly workspaceVersion: string | undefined;
  readonly current: { version: string; pinned: boolean };
}

/** Load the workspace and find the bundle (by name or package) and the environment to promote. */
async function loadTarget(options: PromoteOptions): Promise<Target> {
  let opts = options;
  const ws = await loadWorkspace(opts.root, { installer: npmInstaller });
  const def = ws.definition;
  // a package name stands for its bundle
  const byPackage = Object.entries(def.data.bundles).find(([name, e]) => packageOf(name, e) === opts.bundle)?.[0];
  if (byPackage) opts = { ...opts, bundle: byPackage };
  const entry = own(def.data.bundles, opts.bundle);
  if (!entry) {
    const known = Object.keys(def.data.bundles).join(', ');
    refuse(
      'cannot promote',
      issue({
        kind: 'unknown-bundle',
        file: def.file,
        path: 'bundles',
        value: opts.bundle,
        message: `the definition has no bundle "${opts.bundle}"`,
        allowed: known,
        fix: 'name a bundle of the definition',
      }),
    );
  }
  const src = ws.manifests.get(opts.to);
  const unreadable = ws.issues.filter((i) => i.severity === 'error' && i.file === `environments/${opts.to}/environment.yaml`);
  if (!src && unreadable.length) throw new ParityError(unreadable, 'cannot promote');
  if (!src) refuse('cannot promote', environmentMissing(opts.to, ws.manifests.keys(), 'name an existing environment'));
  // a preview runs its base's versions: it has no manifest to pin
  const preview = ws.previews?.get(opts.to)?.data;
  if (preview) refuse('cannot promote', previewNotPromotable(opts.to, preview.from, preview.id));
  const pkg = packageOf(opts.bundle, entry);
  const workspaceVersion = ws.bundles.get(opts.bundle)?.version;
  return { opts, ws, root: ws.root, def, entry, file: src.file, pkg, workspaceVersion, current: runningVersion(ws, opts.to, opts.bundle) };
}

function outsideRange(t: Target, v: string): never {
  const { opts, def, entry } = t;
  return fail(
    def.file,
    `bundles.${opts.bundle}.version`,
    `${opts.bundle} ${v} is outside the range the definition asks for (${entry.version}), so no environment may run it`,
    {
      value: entry.version,
      allowed: `a range that includes ${v}`,
      fix: `widen bundles.${opts.bundle}.version in ${def.file} first (a reviewed change to the definition), then promote`,
    },
  );
}

function listPublished(t: Target): Promise<string[]> {
  return publishedVersions(t.pkg, t.root, t.opts.env).catch((e: unknown) => {
    const problem = e instanceof ParityError ? e.issues.find((i) => i.kind === 'registry') : undefined;
    if (problem)
      fail(t.file, `bundles.${t.opts.bundle}`, `cannot check which versions of ${t.pkg} are published: ${problem.message}`, {
        fix: problem.fix,
      });
    throw e;
  });
}

/** The version to promote to: as asked, what `--from` runs, or the newest published the definition allows. */
async function chooseVersion(t: Target): Promise<{ target: string; reason: string; published: string[] }> {
  const { opts, ws, file } = t;
  const range = semver.validRange(t.entry.version) ? t.entry.version : undefined;
  if (opts.version || opts.from) {
    let target: string;
    let reason: string;
    if (opts.version) {
      if (!semver.valid(opts.version))
        fail(file, `bundles.${opts.bundle}`, `"${opts.version}" is not an exact version`, {
          value: opts.version,
          allowed: 'an exact version such as 1.1.0',
          fix: `pnpm promote ${opts.bundle}@<version> --to ${opts.to}`,
        });
      target = semver.clean(opts.version)!;
      reason = 'as asked';
    } else {
      const from = opts.from!;
      if (!ws.manifests.has(from))
        refuse('cannot promote', environmentMissing(from, ws.manifests.keys(), 'name an existing environment with --from'));
      const other = runningVersion(ws, from, opts.bundle);
      target = other.version;
      reason = `what ${from} runs${other.pinned ? ' (pinned)' : ' (follows the workspace)'}`;
    }
    if (range && !semver.satisfies(target, range)) outsideRange(t, target);
    return { target, reason, published: await listPublished(t) };
  }
  // the newest published version the definition allows (prereleases only if nothing else is)
  const published = await listPublished(t);
  const valid = published.filter((v) => semver.valid(v));
  const allowed = valid.filter((v) => !range || semver.satisfies(v, range, { includePrerelease: true }));
  const stable = allowed.filter((v) => !semver.prerelease(v));
  const newest = semver.rsort([...(stable.length ? stable : allowed)])[0];
  if (!newest) {
    const registry = await registryFor(t.pkg, t.root);
    if (valid.length) outsideRange(t, semver.rsort([...valid])[0]!);
    fail(file, `bundles.${opts.bundle}`, `${t.pkg} has no published version in ${registry}`, {
      fix: 'publish the bundles first: pnpm release',
    });
  }
  let reason = 'the newest published';
  const beyond = semver.rsort(valid.filter((v) => semver.gt(v, newest) && !semver.prerelease(v)))[0];
  if (beyond) reason += ` in ${range} (${beyond} is published, outside the range)`;
  return { target: newest, reason, published };
}

/** Refuse an unpublished target, a major change without --allow-major, and --follow away from the workspace's version. */
async function refuseUnsafe(t: Target, target: string, reason: string, published: readonly string[]): Promise<void> {
  const { opts, file, pkg, current, workspaceVersion } = t;
  if (!published.includes(target)) {
    const registry = await registryFor(pkg, t.root);
    fail(file, `bundles.${opts.bundle}`, `${pkg}@${target} (${reason}) is not published to ${registry}`, {
      value: target,
      allowed: published.length
        ? `published: ${semver.sort(published.filter((v) => semver.valid(v))).join(', ')}`
        : '(nothing published yet)',
      fix: target === workspaceVersion ? 'publish it: pnpm release' : 'promote to a published version',
    });
  }
  if (semver.major(target) !== semver.major(current.version) && !opts.allowMajor) {
    fail(
      file,
      `bundles.${opts.bundle}`,
      `${opts.bundle} ${current.version} → ${target} is a major version change: it may need changes to the definition, manifests or running infrastructure`,
      {
        value: target,
        allowed: `${semver.major(current.version)}.x without --allow-major`,
        fix: `read the ${pkg} CHANGELOG for ${semver.major(target)}.0.0, then run again with --allow-major`,
      },
    );
  }
  if (opts.follow && target !== workspaceVersion) {
    fail(
      file,
      `bundles.${opts.bundle}`,
      `--follow makes ${opts.to} follow the workspace, which has ${opts.bundle} ${workspaceVersion}, not ${target}`,
      { fix: `leave out --follow to pin ${target}, or promote to ${workspaceVersion}` },
    );
  }
}

/** The manifest as it will be, and the environment resolved from it (refused if it would not resolve). */
async function resolveAfter(
  t: Target,
  pin: string | undefined,
  target: string,
): Promise<{ text: string; next: string; after: ResolvedEnvironment }> {
  const { opts, ws, root, file } = t;
  const text = readWorkspaceFile(root, file, { kind: 'manifest' });
  const next = setPin(text, opts.bundle, pin, Object.keys(t.def.data.bundles), file);
  const parsed = parseYaml(file, next, ManifestSchema);
  if (!parsed.source) throw new ParityError(parsed.issues, `the promoted manifest would not be valid (${file})`);
  const pinned = new Map<string, PinnedLoad>(ws.pinned ?? []);
  if (pin && !pinned.has(pinKey(opts.bundle, pin)))
    pinned.set(pinKey(opts.bundle, pin), await loadPinnedBundle(root, opts.bundle, t.pkg, pin, npmInstaller));
  const after = resolveEnvironment({ ...ws, manifests: new Map(ws.manifests).set(opts.to, parsed.source), pinned }, opts.to);
  if (!after.env) throw new ParityError(after.issues, `${opts.to} would not resolve with ${opts.bundle} ${target}; nothing was written`);
  return { text, next, after: after.env };
}
