/**
 * The incremental-synth cache, kept free of the CDK core so that an unchanged fleet is recognised
 * without loading it. An environment's inputs are: its resolved form, the version and file
 * contents of each bundle it uses and of the workspace packages that bundle depends on (the shared
 * key constructs, @parity/constructs; for a pinned version: the installed package and the lockfile
 * of its install, which holds the integrity of every package in it), the lockfile, and Parity's
 * own model and synth code.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundleSpec, CLOUDS, type Cloud, type Definition, isPreview, type ResolvedEnvironment } from '@parity/model';

export const OUT_DIR = 'cdktf.out';
export const MARKER = '.parity-inputs.json';

/** Where an environment's Terraform JSON is written. */
export function stackFile(root: string, env: string): string {
  return join(root, 'environments', env, OUT_DIR, 'stacks', env, 'cdk.tf.json');
}

/** The sha256 of a synthesized stack, recorded in the marker so that a damaged stack is synthesized again. */
export function stackDigest(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Whether the synthesized output of `env` was made from inputs with this hash, and is still what
 * was written then (a stack edited, truncated or replaced by hand does not count as up to date).
 */
export function isUpToDate(root: string, env: string, hash: string): boolean {
  const marker = join(root, 'environments', env, OUT_DIR, MARKER);
  const stack = stackFile(root, env);
  if (!existsSync(marker) || !existsSync(stack)) return false;
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { hash?: string; stack?: string };
    return m.hash === hash && m.stack === stackDigest(readFileSync(stack));
  } catch {
    return false;
  }
}

/** What the cache leaves out of a package's inputs. */
export interface InputFilter {
  /** Include `dist/` (a published, pinned package's code). */
  readonly withDist?: boolean;
  /** For an environment in this cloud: leave out the other clouds' implementations (`src/<other>.ts`, `src/<other>/`). */
  readonly cloud?: Cloud;
}

/**
 * Entries that cannot change what a package synthesizes: tests and what only tests read (their
 * snapshots, vitest's configuration, a package's `testing` helpers), and documentation (READMEs,
 * CHANGELOG.md). A change to them re-synthesizes nothing and affects no environment.
 */
const TEST_OR_DOC = [
  /\.(test|spec)\.[cm]?[jt]sx?$/,
  /^__(snapshots|tests|fixtures)__$/,
  /^vitest\.(config|setup)\.[cm]?[jt]s$/,
  /^testing\.[cm]?[jt]s$/,
  /\.(md|markdown)$/i,
];

/**
 * Whether one entry of a package (its path relative to the package folder, `/`-separated) is an
 * input: not node_modules, build output, dot-files (the command line's compiled copy), tests or
 * documentation (TEST_OR_DOC), nor another cloud's implementation. The one rule for this cache and
 * for `pnpm affected`, which applies it to every prefix of a path read from git.
 */
export function isInputEntry(rel: string, filter: InputFilter = {}): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (name === 'node_modules' || (name === 'dist' && !filter.withDist) || name.startsWith('.')) return false;
  if (TEST_OR_DOC.some((re) => re.test(name))) return false;
  const cloud = filter.cloud;
  return !cloud || !CLOUDS.some((o) => o !== cloud && (rel === `src/${o}.ts` || rel === `src/${o}`));
}

function hashFiles(dir: string, h = createHash('sha256'), base = dir, filter: InputFilter = {}): ReturnType<typeof createHash> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, entry.name);
    if (
      !isInputEntry(
        p
          .slice(base.length + 1)
          .split(sep)
          .join('/'),
        filter,
      )
    )
      continue;
    if (entry.isDirectory()) hashFiles(p, h, base, filter);
    else {
      h.update(p.slice(base.length));
      h.update(readFileSync(p));
    }
  }
  return h;
}

/**
 * The folders of the workspace packages a package depends on at run time (`dependencies` that
 * resolve to a folder outside any node_modules); a dependency from the registry is in the lockfile.
 */
function workspaceDependencies(dir: string): string[] {
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const out: string[] = [];
  for (const name of Object.keys(pj.dependencies ?? {}).sort()) {
    const link = join(dir, 'node_modules', name);
    if (!existsSync(link)) continue;
    const real = realpathSync(link);
    if (!real.split(sep).includes('node_modules')) out.push(real);
  }
  return out;
}

/** Where a cloud's bootstrap is synthesized (relative to the root); its local state is kept beside, outside cdktf.out. */
export function bootstrapDir(cloud: Cloud): string {
  return join('bootstrap', cloud);
}

/** The name of a cloud's bootstrap stack. */
export function bootstrapStackName(cloud: Cloud): string {
  return `bootstrap-${cloud}`;
}

/** The Terraform JSON of a cloud's bootstrap, relative to the root. */
export function bootstrapFile(cloud: Cloud): string {
  return join(bootstrapDir(cloud), 'cdktf.out', 'stacks', bootstrapStackName(cloud), 'cdk.tf.json');
}

/** What the bootstrap adds beyond the fleet's own environments (read from the definition; no cdktf, so `pnpm check` hashes it first). */
export interface BootstrapOptions {
  /**
   * The definition has `previews:`: one preview identity per cloud, which may act, for previews
   * only, on the services the fleet's bundles declare (`services`, per cloud).
   */
  readonly previews?: { readonly services: Readonly<Record<Cloud, readonly string[]>> };
}

/** The bootstrap's options for a definition and its bundles. */
export function bootstrapOptions(def: Definition, bundles: Iterable<BundleSpec>): BootstrapOptions {
  if (!def.previews) return {};
  const specs = [...bundles];
  const services = (cloud: Cloud) => [...new Set(specs.flatMap((b) => b.services[cloud]))].sort();
  return { previews: { services: { aws: services('aws'), gcp: services('gcp') } } };
}

/** The files of a pinned package installed in `abs` (dist included) and the lockfile of its install. */
function pinnedPackageHash(abs: string, pkg: string): string {
  const h = createHash('sha256');
  const lock = join(abs, 'package-lock.json');
  h.update(existsSync(lock) ? readFileSync(lock) : '');
  const pkgDir = join(abs, 'node_modules', pkg);
  if (existsSync(pkgDir)) hashFiles(pkgDir, h, pkgDir, { withDist: true });
  return h.digest('hex');
}

/** Content hashes of packages, computed once per run. */
export class InputHasher {
  private readonly packages = new Map<string, string>();
  private readonly require: NodeRequire;
  private readonly base: string;

  constructor(private readonly root: string) {
    this.require = createRequire(join(root, 'package.json'));
    const lock = join(root, 'pnpm-lock.yaml');
    const h = createHash('sha256');
    h.update(existsSync(lock) ? readFileSync(lock) : '');
    // Parity's own code shapes the output too: the model (naming) and this module.
    h.update(this.packageHash(join(dirname(fileURLToPath(import.meta.url)), '..')));
    // Resolved from this package, which depends on the model (the workspace root need not).
    h.update(this.packageHash(dirname(dirname(createRequire(import.meta.url).resolve('@parity/model')))));
    this.base = h.digest('hex');
  }

  packageHash(dir: string): string {
    let v = this.packages.get(dir);
    if (!v) {
      v = statSync(dir).isDirectory() ? hashFiles(dir).digest('hex') : '';
      this.packages.set(dir, v);
    }
    return v;
  }

  /**
   * A workspace bundle's files, and those of the workspace packages it depends on (the shared key
   * constructs). For an environment in `cloud`, the other clouds' implementations (`src/<cloud>.ts`,
   * `src/<cloud>/`) are left out, of the bundle and of those packages alike: an AWS-only change does
   * not re-synthesize the GCP environments. An implementation must therefore not import another
   * cloud's module.
   */
  bundleHash(pkg: string, cloud: Cloud): string {
    const entry = this.require.resolve(pkg);
    let dir = dirname(entry);
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
    const key = `${dir}|${cloud}`;
    let v = this.packages.get(key);
    if (!v) {
      const h = hashFiles(dir, createHash('sha256'), dir, { cloud });
      for (const dep of workspaceDependencies(dir)) hashFiles(dep, h, dep, { cloud });
      v = h.digest('hex');
      this.packages.set(key, v);
    }
    return v;
  }

  /** A pinned version, installed under `dir` (relative to the root): its files, dist included, and its install's lockfile. */
  pinnedHash(pkg: string, dir: string): string {
    const key = `pinned:${dir}`;
    let v = this.packages.get(key);
    if (!v) {
      v = pinnedPackageHash(join(this.root, dir), pkg);
      this.packages.set(key, v);
    }
    return v;
  }

  /** The inputs of a cloud's bootstrap stack: Parity's code and lockfile, every environment of that cloud (previews have none of their own), its options. */
  bootstrapHash(cloud: Cloud, envs: readonly ResolvedEnvironment[], opts: BootstrapOptions = {}): string {
    const h = createHash('sha256');
    h.update(this.base);
    h.update(cloud);
    for (const e of envs.filter((x) => x.cloud === cloud && !isPreview(x))) h.update(JSON.stringify(e));
    if (opts.previews) h.update(JSON.stringify(opts.previews));
    return h.digest('hex');
  }

  envHash(env: ResolvedEnvironment): string {
    const h = createHash('sha256');
    h.update(this.base);
    h.update(JSON.stringify(env));
    for (const b of env.bundles)
      h.update(`${b.package}@${b.version}:${b.pinned ? this.pinnedHash(b.package, b.pinned.dir) : this.bundleHash(b.package, env.cloud)}`);
    return h.digest('hex');
  }
}
