/**
 * Pinned bundle versions: a manifest may pin a bundle to a published version
 * (`bundles: { database: 1.0.0 }`). It is installed from the @parity registry into
 * `.parity/bundles/<package>@<version>` once, with its peers (cdktf, constructs, provider
 * bindings) linked to the workspace's single copies, and loaded from there.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import type { BundleSpec } from './bundle.js';
import type { Definition, Manifest, SourceFile } from './config.js';
import { packageOf, pinKey, type PinnedLoad } from './resolved.js';

/** Where pinned bundle versions are installed, relative to the workspace root (gitignored). */
export const BUNDLE_CACHE = '.parity/bundles';

/** The cache folder of one pinned package, relative to the workspace root. Its node_modules holds the package. */
export function pinnedDir(pkg: string, version: string): string {
  return `${BUNDLE_CACHE}/${pkg}@${version}`;
}

/**
 * Load every version the manifests pin that the definition can accept (a known bundle, a version
 * inside its range: resolution reports the others without a trip to the registry).
 */
export async function loadPins(root: string, def: Definition, manifests: Iterable<SourceFile<Manifest>>): Promise<Map<string, PinnedLoad>> {
  const wanted = new Map<string, { bundle: string; pkg: string; version: string }>();
  for (const m of manifests) {
    for (const [bundle, version] of Object.entries(m.data.bundles ?? {})) {
      const entry = def.bundles[bundle];
      if (!entry || !semver.valid(version)) continue;
      if (semver.validRange(entry.version) && !semver.satisfies(version, entry.version)) continue;
      wanted.set(pinKey(bundle, version), { bundle, pkg: packageOf(bundle, entry), version });
    }
  }
  const out = new Map<string, PinnedLoad>();
  // one at a time: a cache miss runs npm, and two npm installs at once only compete
  for (const [key, w] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) out.set(key, await loadPinnedBundle(root, w.bundle, w.pkg, w.version));
  return out;
}

/**
 * A pinned bundle's spec, from the cache, installing the published package from the registry
 * first if it is not there. Its peer dependencies (cdktf, constructs, the provider bindings) are
 * linked to the workspace's own copies, so that its constructs are the classes the synth uses.
 */
export async function loadPinnedBundle(root: string, bundle: string, pkg: string, version: string): Promise<PinnedLoad> {
  const dir = pinnedDir(pkg, version);
  const abs = join(root, dir);
  try {
    if (!existsSync(join(abs, 'node_modules', pkg, 'package.json'))) {
      const failed = await installPinned(root, pkg, version, abs);
      if (failed) return failed;
    }
    const installed = JSON.parse(readFileSync(join(abs, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string };
    if (installed.version !== version) {
      return { ok: false, message: `the bundle cache holds ${pkg}@${installed.version} in ${dir}, not ${version}`, fix: `delete ${dir} and run the command again` };
    }
    const peers = linkPeers(root, pkg, version, abs);
    if (peers) return peers;
    const require = createRequire(join(abs, 'package.json'));
    const entry = require.resolve(pkg);
    const mod = (await import(pathToFileURL(entry).href)) as { bundle?: BundleSpec; default?: BundleSpec };
    const spec = mod.bundle ?? mod.default;
    if (!spec) return { ok: false, message: `${pkg}@${version} (${relative(root, entry)}) does not export \`bundle\``, fix: 'pin a version that is a Parity bundle' };
    if (spec.name !== bundle) return { ok: false, message: `${pkg}@${version} is the "${spec.name}" bundle, not "${bundle}"`, fix: `point bundles.${bundle}.package in the definition at the right package` };
    if (spec.version !== version) return { ok: false, message: `${pkg}@${version} reports version ${spec.version}`, fix: `delete ${dir} and run the command again` };
    return { ok: true, spec, dir };
  } catch (e) {
    return { ok: false, message: `${pkg}@${version} could not be loaded from ${dir}: ${(e as Error).message.split('\n')[0]}`, fix: `delete ${dir} and run the command again` };
  }
}

interface NpmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run npm (its own config: the project .npmrc in `cwd`, the user's ~/.npmrc, the environment). */
export function runNpm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<NpmResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', [...args], {
      cwd,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => fail(new Error(`could not run npm: ${e.message}`)));
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

/** The npm error code (E404, ECONNREFUSED, ...) in npm's output, if any. */
export function npmErrorCode(r: Pick<NpmResult, 'stderr' | 'stdout'>): string | undefined {
  return /npm (?:ERR!|error) code (\w+)/.exec(r.stderr)?.[1] ?? (/"code":\s*"(\w+)"/.exec(r.stdout)?.[1]);
}

/** npm's own explanation, without its log-file boilerplate. */
export function npmErrorText(r: Pick<NpmResult, 'stderr'>): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.replace(/^npm (?:ERR!|error)\s?/, '').trim())
    .filter((l) => l && !/^(code |errno |syscall |A complete log|Log files|\/|[0-9]+ verbose)/.test(l) && !l.startsWith('npm warn'));
  return lines.slice(0, 3).join(' ') || 'npm failed';
}

/** Errors that mean the registry could not be reached at all. */
export const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ESOCKETTIMEDOUT', 'FETCH_ERROR']);

/** The registry npm uses for a package (its scope's registry, else the default one), seen from `cwd`. */
export async function registryFor(pkg: string, cwd: string): Promise<string> {
  const scope = pkg.startsWith('@') ? pkg.split('/')[0] : undefined;
  if (scope) {
    const r = await runNpm(['config', 'get', `${scope}:registry`], cwd);
    const v = r.stdout.trim();
    if (r.code === 0 && v && v !== 'undefined' && v !== 'null') return v;
  }
  const r = await runNpm(['config', 'get', 'registry'], cwd);
  return r.stdout.trim() || 'https://registry.npmjs.org/';
}

/** The npm error code of `npm view <pkg>@<version>` with an empty cache (undefined: it answered). */
async function uncachedErrorCode(pkg: string, version: string, cwd: string): Promise<string | undefined> {
  const cache = mkdtempSync(join(tmpdir(), 'parity-npm-cache-'));
  try {
    const r = await runNpm(['view', `${pkg}@${version}`, 'version', '--json', '--cache', cache, '--fetch-retries=0', '--fetch-timeout=30000'], cwd);
    return r.code === 0 ? undefined : npmErrorCode(r);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** How to reach the registry, for error messages. */
function unreachableFix(): string {
  return 'start the internal registry with `pnpm registry`, or point @parity:registry in .npmrc at your registry (README: Releasing bundles)';
}

/** Install `pkg@version` from the registry into `abs`, atomically. Returns why it failed, if it did. */
async function installPinned(root: string, pkg: string, version: string, abs: string): Promise<PinnedLoad | undefined> {
  const tmp = `${abs}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, 'package.json'), `${JSON.stringify({ name: 'parity-pinned-bundle', private: true, description: `${pkg}@${version}, pinned by an environment; installed by Parity`, dependencies: { [pkg]: version } }, null, 2)}\n`);
    // the workspace's npm settings (the @parity registry) apply here too
    if (existsSync(join(root, '.npmrc'))) writeFileSync(join(tmp, '.npmrc'), readFileSync(join(root, '.npmrc')));
    const r = await runNpm(
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', '--prefer-online', '--fetch-retries=0', '--fetch-timeout=60000', '--loglevel=error'],
      tmp,
    );
    if (r.code !== 0) {
      const code = npmErrorCode(r);
      const registry = await registryFor(pkg, tmp);
      if (code && UNREACHABLE.has(code)) {
        return { ok: false, message: `cannot reach the registry ${registry} to install ${pkg}@${version} (${code})`, fix: unreachableFix() };
      }
      // npm answers from its cache when the registry is down: ask again without it
      const fresh = code === 'E404' || code === 'ETARGET' ? await uncachedErrorCode(pkg, version, tmp) : undefined;
      if (fresh && UNREACHABLE.has(fresh)) {
        return { ok: false, message: `cannot reach the registry ${registry} to install ${pkg}@${version} (${fresh})`, fix: unreachableFix() };
      }
      if (code === 'E404' || code === 'ETARGET') {
        return { ok: false, message: `${pkg}@${version} is not published to the registry ${registry}`, allowed: `a published version (npm view ${pkg} versions)`, fix: `publish it with \`pnpm release\`, or pin a published version (\`pnpm promote <bundle> --to <env>\` picks the newest)` };
      }
      if (code === 'E401' || code === 'E403') {
        return { ok: false, message: `the registry ${registry} refused to serve ${pkg}@${version} (${code}): ${npmErrorText(r)}`, fix: `log in: npm login --registry ${registry}` };
      }
      return { ok: false, message: `installing ${pkg}@${version} from ${registry} failed${code ? ` (${code})` : ''}: ${npmErrorText(r)}`, fix: 'fix the problem npm reports and run the command again' };
    }
    rmSync(join(tmp, '.npmrc'), { force: true });
    mkdirSync(dirname(abs), { recursive: true });
    try {
      renameSync(tmp, abs);
    } catch (e) {
      // another process installed it meanwhile
      if (!existsSync(join(abs, 'node_modules', pkg, 'package.json'))) throw e;
    }
    return undefined;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The folder of `name` as seen from `from` (node_modules lookup, upwards), real path. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const p = join(dir, 'node_modules', name);
    if (existsSync(join(p, 'package.json'))) return realpathSync(p);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Link the pinned package's peer dependencies to the workspace's copies: those the synth module
 * uses (it builds the stack the bundle's constructs join), else those of the workspace's own copy
 * of the bundle, else those at the root. Checked against the pinned version's peer ranges.
 */
function linkPeers(root: string, pkg: string, version: string, abs: string): PinnedLoad | undefined {
  const manifest = JSON.parse(readFileSync(join(abs, 'node_modules', pkg, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
  const cli = findPackage('@parity/cli', root);
  const bases = [cli && findPackage('@parity/synth', cli), findPackage(pkg, root), root].filter((b): b is string => !!b);
  const problems: string[] = [];
  for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const src = bases.map((b) => findPackage(peer, b)).find((x) => x !== undefined);
    if (!src) {
      problems.push(`${peer}@${range} (the workspace has none)`);
      continue;
    }
    const have = (JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { version: string }).version;
    if (!semver.satisfies(have, range, { includePrerelease: true })) problems.push(`${peer}@${range} (the workspace has ${have})`);
    const link = join(abs, 'node_modules', peer);
    let current: string | undefined;
    try {
      current = lstatSync(link).isSymbolicLink() ? resolvePath(dirname(link), readlinkSync(link)) : 'not a link';
    } catch {
      current = undefined;
    }
    if (current === src) continue;
    rmSync(link, { recursive: true, force: true });
    mkdirSync(dirname(link), { recursive: true });
    try {
      symlinkSync(src, link, 'junction');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if (problems.length === 0) return undefined;
  return {
    ok: false,
    message: `${pkg}@${version} needs ${problems.join(', ')}: a pinned bundle runs with the workspace's single copy of these`,
    fix: 'pin a version built for the workspace\'s cdktf and providers (see its CHANGELOG), or move the workspace to what it needs',
  };
}
