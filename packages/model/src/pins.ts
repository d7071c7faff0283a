/**
 * Pinned bundle versions: a manifest may pin a bundle to a published version
 * (`bundles: { database: 1.0.0 }`). It lives in `.parity/bundles/<package>@<version>`, with its
 * peers (cdktn, constructs, provider bindings) linked to the workspace's single copies, and is
 * loaded from there. Installing it (npm, the registry) is not the model's business: whoever loads
 * the workspace hands it a `PinInstaller` (@parity/release's `npmInstaller`); without one, only
 * versions already in the cache load.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import type { BundleSpec } from './bundle.js';
import type { Definition, Manifest, SourceFile } from './config.js';
import { own } from './own.js';
import { packageOf, pinKey, type PinnedLoad } from './resolved.js';

/** Where pinned bundle versions are installed, relative to the workspace root (gitignored). */
export const BUNDLE_CACHE = '.parity/bundles';

/** The cache folder of one pinned package, relative to the workspace root. Its node_modules holds the package. */
export function pinnedDir(pkg: string, version: string): string {
  return `${BUNDLE_CACHE}/${pkg}@${version}`;
}

/** Installs a published bundle version into a cache folder; returns why it could not, if it could not. */
export interface PinInstaller {
  /** Install `pkg@version` so that `<abs>/node_modules/<pkg>` holds it, atomically. */
  install(root: string, pkg: string, version: string, abs: string): Promise<PinnedLoad | undefined>;
}

/**
 * Load every version the manifests pin that the definition can accept (a known bundle, a version
 * inside its range: resolution reports the others without a trip to the registry).
 */
export async function loadPins(
  root: string,
  def: Definition,
  manifests: Iterable<SourceFile<Manifest>>,
  installer?: PinInstaller,
): Promise<Map<string, PinnedLoad>> {
  const wanted = new Map<string, { bundle: string; pkg: string; version: string }>();
  for (const m of manifests) {
    for (const [bundle, version] of Object.entries(m.data.bundles ?? {})) {
      const entry = own(def.bundles, bundle);
      if (!entry || !semver.valid(version)) continue;
      if (semver.validRange(entry.version) && !semver.satisfies(version, entry.version)) continue;
      wanted.set(pinKey(bundle, version), { bundle, pkg: packageOf(bundle, entry), version });
    }
  }
  const out = new Map<string, PinnedLoad>();
  // one at a time: a cache miss runs npm, and two npm installs at once only compete
  for (const [key, w] of [...wanted].sort(([a], [b]) => a.localeCompare(b)))
    out.set(key, await loadPinnedBundle(root, w.bundle, w.pkg, w.version, installer));
  return out;
}

/**
 * A pinned bundle's spec, from the cache, installed by `installer` first if it is not there. Its peer dependencies (cdktn, constructs, the provider bindings) are
 * linked to the workspace's own copies, so that its constructs are the classes the synth uses.
 */
export async function loadPinnedBundle(
  root: string,
  bundle: string,
  pkg: string,
  version: string,
  installer?: PinInstaller,
): Promise<PinnedLoad> {
  const dir = pinnedDir(pkg, version);
  const abs = join(root, dir);
  try {
    if (!existsSync(join(abs, 'node_modules', pkg, 'package.json'))) {
      if (!installer)
        return {
          ok: false,
          message: `${pkg}@${version} is not installed in ${dir}`,
          fix: 'run pnpm synth (or any parity command), which installs pinned versions',
        };
      const failed = await installer.install(root, pkg, version, abs);
      if (failed) return failed;
    }
    const installed = JSON.parse(readFileSync(join(abs, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string };
    if (installed.version !== version) {
      return {
        ok: false,
        message: `the bundle cache holds ${pkg}@${installed.version} in ${dir}, not ${version}`,
        fix: `delete ${dir} and run the command again`,
      };
    }
    const peers = linkPeers(root, pkg, version, abs);
    if (peers) return peers;
    const require = createRequire(join(abs, 'package.json'));
    const entry = require.resolve(pkg);
    const mod = (await import(pathToFileURL(entry).href)) as { bundle?: BundleSpec; default?: BundleSpec };
    const spec = mod.bundle ?? mod.default;
    if (!spec)
      return {
        ok: false,
        message: `${pkg}@${version} (${relative(root, entry)}) does not export \`bundle\``,
        fix: 'pin a version that is a Parity bundle',
      };
    if (spec.name !== bundle)
      return {
        ok: false,
        message: `${pkg}@${version} is the "${spec.name}" bundle, not "${bundle}"`,
        fix: `point bundles.${bundle}.package in the definition at the right package`,
      };
    if (spec.version !== version)
      return { ok: false, message: `${pkg}@${version} reports version ${spec.version}`, fix: `delete ${dir} and run the command again` };
    return { ok: true, spec, dir };
  } catch (e) {
    return {
      ok: false,
      message: `${pkg}@${version} could not be loaded from ${dir}: ${(e as Error).message.split('\n')[0]}`,
      fix: `delete ${dir} and run the command again`,
    };
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
  const manifest = JSON.parse(readFileSync(join(abs, 'node_modules', pkg, 'package.json'), 'utf8')) as {
    peerDependencies?: Record<string, string>;
  };
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
    fix: "pin a version built for the workspace's CDK core (cdktn) and providers (see its CHANGELOG), or move the workspace to what it needs",
  };
}
