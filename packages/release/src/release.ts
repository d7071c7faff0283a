/**
 * `pnpm release`: turn the recorded changesets into versions and changelogs (`changeset version`),
 * then publish every bundle, and every workspace package a bundle needs at run time (@parity/model),
 * whose version is not in the registry yet. Packages are built (`prepack`: tsc to dist/) and
 * published with `pnpm publish`, which swaps `workspace:*` for real versions and applies
 * `publishConfig.exports` (dist/). Where they go is npm's answer for the @parity scope: the
 * `@parity:registry` line of .npmrc.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { type ProcessResult, runProcess } from '@parity/io';
import {
  packageBuildMissing,
  packagePrivate,
  readWorkspaceFile,
  readWorkspaceJson,
  readWorkspaceJsonIfExists,
  refuse,
  refuseOne,
  releaseStepFailed,
} from '@parity/model';
import semver from 'semver';
import { npmErrorCode, npmErrorText, npmRefusal, npmRefused, registryFor, runNpmRetrying } from './npm.js';
import { publishedVersions, registryError, registryIntegrity } from './registry.js';

export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  /** Folder, absolute. */
  readonly dir: string;
  readonly private: boolean;
  /** Names of the workspace packages in `dependencies` (what it needs at run time). */
  readonly runtimeDeps: readonly string[];
  readonly isBundle: boolean;
}

/** Every package of the workspace (packages/*, bundles/*), by name. */
export function workspacePackages(root: string): Map<string, WorkspacePackage> {
  const raw = new Map<
    string,
    { name: string; version: string; dir: string; private?: boolean; dependencies?: Record<string, string>; isBundle: boolean }
  >();
  for (const group of ['packages', 'bundles']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const e of readdirSync(base, { withFileTypes: true })) {
      const file = join(base, e.name, 'package.json');
      if (!e.isDirectory() || !existsSync(file)) continue;
      const pj = readWorkspaceJson<{
        name: string;
        version: string;
        private?: boolean;
        dependencies?: Record<string, string>;
      }>(root, file, { kind: 'config', what: 'package.json' });
      raw.set(pj.name, { ...pj, dir: join(base, e.name), isBundle: group === 'bundles' });
    }
  }
  const out = new Map<string, WorkspacePackage>();
  for (const p of raw.values()) {
    out.set(p.name, {
      name: p.name,
      version: p.version,
      dir: p.dir,
      private: p.private === true,
      runtimeDeps: Object.keys(p.dependencies ?? {})
        .filter((d) => raw.has(d))
        .sort(),
      isBundle: p.isBundle,
    });
  }
  return out;
}

/** The bundles and what they need at run time, dependencies first (so model is published before the bundles). */
export function publishable(pkgs: ReadonlyMap<string, WorkspacePackage>): WorkspacePackage[] {
  const order: WorkspacePackage[] = [];
  const seen = new Set<string>();
  const visit = (name: string, trail: string[]) => {
    const p = pkgs.get(name);
    if (!p || seen.has(name) || trail.includes(name)) return;
    for (const d of p.runtimeDeps) visit(d, [...trail, name]);
    seen.add(name);
    order.push(p);
  };
  for (const p of [...pkgs.values()].filter((x) => x.isBundle).sort((a, b) => a.name.localeCompare(b.name))) visit(p.name, []);
  const privateNeeded = order.filter((p) => p.private);
  if (privateNeeded.length > 0) {
    refuse(
      'cannot release',
      ...privateNeeded.map((p) => packagePrivate(join(basename(dirname(p.dir)), basename(p.dir), 'package.json'), p.name)),
    );
  }
  return order;
}

/** pnpm, as this platform names it. */
const PNPM = process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm';

/** Run a build or publish tool with this process's environment plus `env`. */
function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess(cmd, args, { cwd, env: { ...process.env, ...env } });
}

export interface ReleaseOptions {
  readonly root: string;
  /** Run `changeset version` first. @default true */
  readonly version?: boolean;
  /** Say what would happen; change and publish nothing. */
  readonly dryRun?: boolean;
  /**
   * A registry token to publish with (`$PARITY_REGISTRY_TOKEN`), for CI; otherwise npm's own
   * login (`npm adduser`/`npm login` wrote it to ~/.npmrc).
   */
  readonly token?: string;
  /** Extra environment for npm/pnpm (tests point npm_config_userconfig elsewhere). */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export interface ReleaseResult {
  readonly registry: string;
  /** `name@version` bumped by `changeset version`. */
  readonly versioned: readonly string[];
  /** `name@version` published (or, in a dry run, that would be). */
  readonly published: readonly string[];
  /** `name@version` already in the registry. */
  readonly unchanged: readonly string[];
}

/** Pending changesets: the .changeset/*.md files other than its README. */
export function pendingChangesets(root: string): string[] {
  const dir = join(root, '.changeset');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f.toLowerCase() !== 'readme.md')
    .sort();
}

/** Run `changeset version`: versions and CHANGELOG entries from the pending changesets. */
export async function changesetVersion(root: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const bin = createRequire(join(root, 'package.json')).resolve('@changesets/cli/bin.js');
  const r = await run(process.execPath, [bin, 'version'], root, env);
  if (r.code !== 0) {
    const fix = 'correct the changeset it names in .changeset/ (its front matter lists packages and patch, minor or major), then run again';
    refuseOne(releaseStepFailed('changeset version', r.stderr || r.stdout, fix));
  }
}

/**
 * npm's environment for `registry`: with a token (`opts.token`, else `$PARITY_REGISTRY_TOKEN`), a
 * userconfig holding it for `registry` on top of the user's own ~/.npmrc, so the token never
 * appears on a command line; without one, npm's own login.
 */
function registryAuth(registry: string, opts: Pick<ReleaseOptions, 'token' | 'env'>): { env: NodeJS.ProcessEnv; cleanup: () => void } {
  const base: NodeJS.ProcessEnv = { ...(opts.env ?? {}) };
  const token = opts.token ?? process.env.PARITY_REGISTRY_TOKEN;
  if (!token) return { env: base, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'parity-npmrc-'));
  const file = join(dir, 'npmrc');
  const user = base.npm_config_userconfig ?? process.env.npm_config_userconfig ?? join(homedir(), '.npmrc');
  const url = new URL(registry);
  const prefix = `//${url.host}${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}`;
  writeFileSync(file, `${existsSync(user) ? `${readFileSync(user, 'utf8')}\n` : ''}${prefix}:_authToken=${token}\n`, { mode: 0o600 });
  return { env: { ...base, npm_config_userconfig: file }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Build dist/ of every package at once (`tsc -b` over their tsconfig.build.json: one compiler,
 * the shared declarations parsed once), from a clean dist/.
 */
export async function buildAll(root: string, pkgs: readonly WorkspacePackage[]): Promise<void> {
  if (pkgs.length === 0) return;
  for (const p of pkgs) {
    if (!existsSync(join(p.dir, 'tsconfig.build.json')))
      refuse('cannot build', packageBuildMissing(relative(root, join(p.dir, 'tsconfig.build.json')), p.name));
    rmSync(join(p.dir, 'dist'), { recursive: true, force: true });
  }
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const r = await run(process.execPath, [tsc, '-b', '--force', ...pkgs.map((p) => join(p.dir, 'tsconfig.build.json'))], root, {});
  if (r.code !== 0) {
    const fix = 'fix the compile errors above (pnpm typecheck shows them too), then run pnpm release again';
    refuseOne(releaseStepFailed(`building ${pkgs.map((p) => p.name).join(', ')}`, r.stdout + r.stderr, fix));
  }
}

/**
 * The dist-tag a version is published under. A release is `latest`. npm refuses to publish a
 * prerelease without a tag (and one published as `latest` would be what every unpinned install
 * gets), so a prerelease goes under the tag of changesets' pre mode (`.changeset/pre.json`, written
 * by `pnpm changeset pre enter <tag>`), else its first prerelease identifier (1.3.0-rc.0 → rc),
 * else `next`.
 */
export function distTag(version: string, root: string): string {
  const pre = semver.prerelease(version);
  if (!pre) return 'latest';
  const state = readWorkspaceJsonIfExists<{ mode?: string; tag?: string }>(root, '.changeset/pre.json', {
    kind: 'config',
    what: 'changesets pre-release state',
  });
  if (state?.mode === 'pre' && state.tag) return state.tag;
  return typeof pre[0] === 'string' ? pre[0] : 'next';
}

/**
 * Publish one built package with pnpm (which swaps workspace:* for versions and applies
 * publishConfig). A registry that refuses the version as one it holds already (409 Conflict;
 * npmjs answers 403 "cannot publish over") is asked what it holds: the same bytes as ours mean an
 * earlier attempt got there (npm retries a PUT whose answer came after its timeout, and the
 * registry had stored the first), and the package counts as published; other bytes are refused.
 */
async function publishOne(
  p: WorkspacePackage,
  root: string,
  registry: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  // built by buildAll; prepack would build it again
  const args = ['publish', '--no-git-checks', '--ignore-scripts', '--tag', distTag(p.version, root)];
  const r = await run(PNPM, args, p.dir, {
    npm_config_update_notifier: 'false',
    ...env,
  });
  if (r.code === 0) return;
  const code = npmErrorCode(r);
  // npm 11 asks before its upload and refuses with EPUBLISHCONFLICT (its text, no code line);
  // Verdaccio answers the upload with 409, npmjs with 403
  if (['E409', 'E403', 'EPUBLISHCONFLICT'].includes(code ?? '') || /cannot publish over the previously published version/i.test(r.stderr)) {
    const held = await registryIntegrity(p.name, p.version, root, env);
    if (held) {
      const ours = await packedIntegrity(p, root, env);
      if (held === ours) {
        log(`${p.name}@${p.version}: the registry holds it already, byte for byte (an earlier attempt reached it)`);
        return;
      }
      throw registryError(
        registry,
        `${registry} holds ${p.name}@${p.version} already, with other contents (its integrity ${held}, this build's ${ours}): a published version never changes`,
        `record a changeset for ${p.name} (pnpm changeset) so that this build gets a new version, then run pnpm release again`,
      );
    }
  }
  if (code === 'E403') {
    // on publish, E403 is as often a version published already as a missing permission
    const fix = 'check that your user may publish @parity packages there, and that this version is not published already';
    throw registryError(registry, `${registry} refused ${p.name}@${p.version} (E403): ${npmErrorText(r)}`, fix);
  }
  const refusal = npmRefusal(r, registry, `publishing ${p.name}@${p.version}`);
  if (refusal) throw npmRefused(refusal);
  const tail = `${r.stdout}\n${r.stderr}`
    .trim()
    .split('\n')
    .filter((l) => !/^npm notice/.test(l))
    .slice(-15)
    .join('\n');
  const fix =
    "read npm's explanation above; nothing after this package was published, and pnpm release publishes what is missing when run again";
  refuseOne(releaseStepFailed(`publishing ${p.name}@${p.version}${code ? ` (${code})` : ''}`, tail, fix));
}

/**
 * The integrity (npm's `sha512-<base64>`) of the tarball `pnpm publish` makes of the built package:
 * `pnpm pack` writes the same bytes for the same files (fixed timestamps and order).
 */
export async function packedIntegrity(
  p: Pick<WorkspacePackage, 'name' | 'dir'>,
  root: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'parity-pack-'));
  try {
    const r = await run(
      PNPM,
      ['pack', '--pack-destination', out],
      p.dir,
      // built already, as for the publish (pnpm pack has no --ignore-scripts flag)
      { npm_config_ignore_scripts: 'true', ...env },
    );
    const file = readdirSync(out).find((f) => f.endsWith('.tgz'));
    if (r.code !== 0 || !file)
      refuseOne(releaseStepFailed(`packing ${p.name} (${relative(root, p.dir)})`, r.stderr || r.stdout, 'run pnpm release again'));
    return `sha512-${createHash('sha512')
      .update(readFileSync(join(out, file)))
      .digest('base64')}`;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Before anything changes: the registry answers, and knows who we are. A registry without
 * `whoami` (some do not implement it) is given the benefit of the doubt.
 */
async function preflight(root: string, registry: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  await publishedVersions('@parity/model', root, env); // reachable at all?
  const r = await runNpmRetrying(['whoami', '--registry', registry, '--fetch-retries=0', '--fetch-timeout=30000'], root, env);
  if (r.code === 0) return r.stdout.trim();
  // a registry that does not implement whoami (E404, or refuses it) is given the benefit of the doubt
  const refusal = npmRefusal(r, registry, 'publishing');
  if (refusal && refusal.kind !== 'cloud-denied') throw npmRefused(refusal);
  return undefined;
}

/**
 * What `changeset version` would do, for a dry run: the highest bump each pending changeset asks
 * for, per package. (Bumps of dependents that changesets may add are not predicted.)
 */
export function plannedVersions(root: string, pkgs: ReadonlyMap<string, WorkspacePackage>): Map<string, string> {
  const rank = { patch: 1, minor: 2, major: 3 } as const;
  const bump = new Map<string, keyof typeof rank>();
  for (const f of pendingChangesets(root)) {
    const text = readWorkspaceFile(root, `.changeset/${f}`, { kind: 'config', what: 'changeset' });
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? '';
    for (const line of front.split(/\r?\n/)) {
      const m = /^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line);
      if (!m) continue;
      const [, name, type] = m as unknown as [string, string, keyof typeof rank];
      if (!bump.has(name) || rank[type] > rank[bump.get(name)!]) bump.set(name, type);
    }
  }
  const out = new Map<string, string>();
  for (const [name, type] of bump) {
    const p = pkgs.get(name);
    const next = p && semver.inc(p.version, type);
    if (next) out.set(name, next);
  }
  return out;
}

/** Publish in dependency waves (model before the bundles), two at a time. */
async function publishAll(
  todo: readonly WorkspacePackage[],
  root: string,
  registry: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<string[]> {
  const waves: WorkspacePackage[][] = [];
  const placed = new Map<string, number>();
  for (const p of todo) {
    const wave = Math.max(-1, ...p.runtimeDeps.map((d) => placed.get(d) ?? -1)) + 1;
    placed.set(p.name, wave);
    waves[wave] = [...(waves[wave] ?? []), p];
  }
  const done: string[] = [];
  for (const wave of waves) {
    for (let i = 0; i < wave.length; i += 2) {
      await Promise.all(
        wave.slice(i, i + 2).map(async (p) => {
          await publishOne(p, root, registry, env, log);
          done.push(`${p.name}@${p.version}`);
        }),
      );
    }
  }
  return done;
}

/**
 * Publish packages whose dist/ is built already, as the last step of `pnpm release` does: in
 * dependency waves, with the token or npm's own login, a version the registry holds byte for byte
 * counted as published. Returns `name@version` of each.
 */
export async function publishBuilt(
  pkgs: readonly WorkspacePackage[],
  opts: Pick<ReleaseOptions, 'root' | 'token' | 'env' | 'log'>,
): Promise<string[]> {
  if (pkgs.length === 0) return [];
  const registry = await registryFor(pkgs[0]!.name, opts.root);
  const auth = registryAuth(registry, opts);
  try {
    return await publishAll(pkgs, opts.root, registry, auth.env, opts.log ?? (() => {}));
  } finally {
    auth.cleanup();
  }
}

export async function release(opts: ReleaseOptions): Promise<ReleaseResult> {
  const log = opts.log ?? (() => {});
  const root = opts.root;
  const baseEnv: NodeJS.ProcessEnv = { ...(opts.env ?? {}) };
  const before = workspacePackages(root);
  const pending = opts.version === false ? [] : pendingChangesets(root);
  const registry = await registryFor(publishable(before)[0]?.name ?? '@parity/model', root);
  log(`registry for @parity: ${registry}`);
  const auth = registryAuth(registry, opts);
  try {
    // nothing changes before we know the registry answers and takes our uploads
    if (!opts.dryRun) {
      const user = await preflight(root, registry, auth.env);
      if (user) log(`publishing as ${user}`);
    }

    // 1. changesets → versions and changelogs
    const versions = new Map([...before].map(([n, p]) => [n, p.version]));
    if (pending.length > 0) {
      log(
        `${opts.dryRun ? 'would run' : 'running'} changeset version for ${pending.length} changeset${pending.length === 1 ? '' : 's'}: ${pending.join(', ')}`,
      );
      if (opts.dryRun) for (const [n, v] of plannedVersions(root, before)) versions.set(n, v);
      else {
        await changesetVersion(root, baseEnv);
        for (const [n, p] of workspacePackages(root)) versions.set(n, p.version);
      }
    } else if (opts.version !== false) {
      log('no pending changesets (record one with `pnpm changeset`)');
    }
    const versioned: string[] = [];
    for (const [name, p] of before) {
      const now = versions.get(name)!;
      if (now === p.version) continue;
      versioned.push(`${name}@${now}`);
      log(`  ${name} ${p.version} → ${now} (${relative(root, join(p.dir, 'CHANGELOG.md'))})`);
    }

    // 2. what the registry does not have yet
    const order = publishable(opts.dryRun ? before : workspacePackages(root)).map((p) => ({
      ...p,
      version: versions.get(p.name) ?? p.version,
    }));
    const todo: WorkspacePackage[] = [];
    const unchanged: string[] = [];
    const listed = await Promise.all(order.map(async (p) => ({ p, versions: await publishedVersions(p.name, root, auth.env) })));
    for (const { p, versions: have } of listed) {
      if (have.includes(p.version)) unchanged.push(`${p.name}@${p.version}`);
      else todo.push(p);
    }
    if (opts.dryRun) {
      for (const p of todo) log(`would publish ${p.name}@${p.version}`);
      return { registry, versioned, published: todo.map((p) => `${p.name}@${p.version}`), unchanged };
    }

    // 3. build and publish
    if (todo.length) log(`building ${todo.map((p) => p.name).join(', ')}`);
    await buildAll(root, todo);
    for (const p of todo)
      if (distTag(p.version, root) !== 'latest') log(`${p.name}@${p.version} is a prerelease: dist-tag ${distTag(p.version, root)}`);
    const published = await publishAll(todo, root, registry, auth.env, log);
    return { registry, versioned, published, unchanged };
  } finally {
    auth.cleanup();
  }
}
