/**
 * Test helpers: resolve environments from in-memory manifests against the real definition and
 * bundles of a workspace, so bundle tests exercise real resolution and real synth.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadPins,
  loadWorkspace,
  resolveEnvironment,
  formatIssues,
  type Manifest,
  type ResolvedEnvironment,
  type SourceFile,
  type Workspace,
} from './index.js';

/** The repository root (this file is packages/model/src/testing.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type ManifestInput = Pick<Manifest, 'name' | 'cloud' | 'region' | 'role' | 'tier'> &
  Partial<Pick<Manifest, 'recovers' | 'overrides' | 'state' | 'bundles' | 'drPolicy' | 'failover' | 'failback'>>;

export function inMemoryManifest(m: ManifestInput): SourceFile<Manifest> {
  return {
    file: `environments/${m.name}/environment.yaml`,
    data: { overrides: {}, state: { region: m.region }, ...m },
    lineOf: () => undefined,
  };
}

/** A workspace whose manifests are replaced by `manifests`. */
export async function fixtureWorkspace(manifests: readonly ManifestInput[], root = REPO_ROOT): Promise<Workspace> {
  const ws = await loadWorkspace(root);
  const sources = new Map(manifests.map((m) => [m.name, inMemoryManifest(m)]));
  const pinned = await loadPins(ws.root, ws.definition.data, sources.values());
  // the fixture's manifests only: no preview a checkout holds (environments/preview-*/, gitignored)
  const issues = ws.issues.filter((i) => !i.file.startsWith('environments/preview-'));
  return { ...ws, manifests: sources, pinned, previews: new Map(), issues };
}

/** Resolve every fixture manifest; throws with every problem if any is invalid. */
export async function resolveFixture(manifests: readonly ManifestInput[], root = REPO_ROOT): Promise<Map<string, ResolvedEnvironment>> {
  const ws = await fixtureWorkspace(manifests, root);
  const out = new Map<string, ResolvedEnvironment>();
  for (const m of manifests) {
    const r = resolveEnvironment(ws, m.name);
    if (!r.env) throw new Error(`fixture ${m.name} does not resolve:\n${formatIssues(r.issues)}`);
    out.set(m.name, r.env);
  }
  return out;
}

/** A common pair for tests: a production environment and the dr environment that recovers it. */
export const AWS_PAIR: ManifestInput[] = [
  { name: 'prod-use1', cloud: 'aws', region: 'us-east-1', role: 'production', tier: 'production' },
  { name: 'dr-usw2', cloud: 'aws', region: 'us-west-2', role: 'dr', tier: 'production', recovers: 'prod-use1' },
  { name: 'staging', cloud: 'aws', region: 'us-east-1', role: 'staging', tier: 'standard' },
];
export const GCP_PAIR: ManifestInput[] = [
  { name: 'prod-gcp-euw1', cloud: 'gcp', region: 'europe-west1', role: 'production', tier: 'production' },
  { name: 'dr-gcp-euw4', cloud: 'gcp', region: 'europe-west4', role: 'dr', tier: 'production', recovers: 'prod-gcp-euw1' },
  { name: 'staging-gcp', cloud: 'gcp', region: 'us-central1', role: 'staging', tier: 'standard' },
];

/**
 * A new temporary folder that other users may pass through (mkdtemp makes it 0700): a drill run as
 * root starts its PostgreSQL servers as the postgres user, under the workspace's `.parity/drills`.
 */
function reachableTemp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * A throwaway copy of a workspace for tests that write: the definition, manifests, templates,
 * workspace files and lockfile are copied; node_modules is linked entry by entry, except the
 * bundles named in `copyBundles`, which are copied so a test may change them.
 *
 * With `sources`, every workspace package (bundles/*, packages/*) is copied too, with its
 * node_modules linked to the real one, and the root links point at the copies: a workspace a
 * test may version, build and publish (with .changeset/, .npmrc, registry/ and tsconfig.base.json).
 *
 * With `environments`, that folder becomes the workspace's environments/ instead of the
 * repository's (a fleet the tests own: `@parity/testkit`'s `fleetWorkspace`).
 */
export function tempWorkspace(opts: TempWorkspaceOptions = {}): { root: string; cleanup: () => void } {
  const from = opts.root ?? REPO_ROOT;
  if (opts.sources) return sourceWorkspace(from, opts.environments);
  const root = reachableTemp('parity-ws-');
  for (const f of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml']) {
    if (existsSync(join(from, f))) cpSync(join(from, f), join(root, f));
  }
  cpSync(join(from, 'templates'), join(root, 'templates'), { recursive: true });
  copyEnvironments(opts.environments ?? join(from, 'environments'), join(root, 'environments'));
  mkdirSync(join(root, 'node_modules', '@parity'), { recursive: true });
  for (const entry of readdirSync(join(from, 'node_modules'))) {
    if (entry === '@parity') continue;
    symlinkSync(join(from, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  for (const entry of readdirSync(join(from, 'node_modules', '@parity'))) {
    const link = join(from, 'node_modules', '@parity', entry);
    const real = realpathSync(link);
    const copy = (opts.copyBundles ?? []).some((b) => entry === `bundle-${b}`);
    if (!copy) {
      symlinkSync(real, join(root, 'node_modules', '@parity', entry));
      continue;
    }
    const dest = join(root, 'node_modules', '@parity', entry);
    // Sources only: not its node_modules (linked below) nor the command line's compiled copy.
    cpSync(real, dest, { recursive: true, filter: (src) => !/^\/(node_modules|\.parity-js)(\/|$)/.test(src.slice(real.length)) });
    symlinkSync(join(real, 'node_modules'), join(dest, 'node_modules'));
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Options of `tempWorkspace`. */
export interface TempWorkspaceOptions {
  /** Bundles copied (not linked), so a test may change them. */
  copyBundles?: readonly string[];
  /** The workspace copied from (default: the repository). */
  root?: string;
  /** Copy every workspace package too: a workspace a test may version, build and publish. */
  sources?: boolean;
  /** The folder copied to environments/ (default: the copied workspace's own). */
  environments?: string;
}

/** A copy of an environments folder without build output. */
function copyEnvironments(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (src) => !/(^|\/)(cdktf\.out|\.terraform)(\/|$)/.test(src.slice(from.length)) });
}

function sourceWorkspace(from: string, environments: string | undefined): { root: string; cleanup: () => void } {
  const root = reachableTemp('parity-ws-');
  const skip = /(^|\/)(node_modules|cdktf\.out|\.terraform|\.turbo|dist|\.parity|\.parity-js|\.git)(\/|$)/;
  for (const f of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml', '.npmrc', 'tsconfig.base.json', 'turbo.json']) {
    if (existsSync(join(from, f))) cpSync(join(from, f), join(root, f));
  }
  for (const d of ['templates', 'schemas', '.changeset', 'registry']) {
    if (existsSync(join(from, d)))
      cpSync(join(from, d), join(root, d), { recursive: true, filter: (src) => !skip.test(src.slice(from.length)) });
  }
  copyEnvironments(environments ?? join(from, 'environments'), join(root, 'environments'));
  const copies = new Map<string, string>();
  for (const group of ['packages', 'bundles']) {
    for (const e of readdirSync(join(from, group), { withFileTypes: true })) {
      const src = join(from, group, e.name);
      if (!e.isDirectory() || !existsSync(join(src, 'package.json'))) continue;
      const dest = join(root, group, e.name);
      cpSync(src, dest, { recursive: true, filter: (p) => !skip.test(p.slice(src.length)) });
      copies.set(realpathSync(src), dest);
    }
  }
  // Each copy's node_modules links to the real entries, except workspace packages, which link to
  // their copies: `pnpm publish` writes the version of the linked package for `workspace:*`.
  for (const [src, dest] of copies) linkNodeModules(join(src, 'node_modules'), join(dest, 'node_modules'), copies);
  mkdirSync(join(root, 'node_modules', '@parity'), { recursive: true });
  for (const entry of readdirSync(join(from, 'node_modules'))) {
    if (entry !== '@parity') symlinkSync(join(from, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  for (const entry of readdirSync(join(from, 'node_modules', '@parity'))) {
    const real = realpathSync(join(from, 'node_modules', '@parity', entry));
    symlinkSync(copies.get(real) ?? real, join(root, 'node_modules', '@parity', entry));
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** `dest` as a folder of links to the entries of `src` (scoped ones one level deeper), workspace packages pointing at their copies. */
function linkNodeModules(src: string, dest: string, copies: ReadonlyMap<string, string>): void {
  if (!existsSync(src)) return;
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(src)) {
    const from = join(src, entry);
    if (entry.startsWith('@')) {
      mkdirSync(join(dest, entry), { recursive: true });
      for (const sub of readdirSync(from)) {
        const real = realpathSync(join(from, sub));
        symlinkSync(copies.get(real) ?? real, join(dest, entry, sub));
      }
    } else symlinkSync(from, join(dest, entry));
  }
}

/** Every file under `dir` (relative path → content), for comparing trees; build output is skipped. */
export function readTree(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.name === 'cdktf.out' || e.name === '.terraform' || e.isSymbolicLink()) continue;
    if (e.isDirectory()) readTree(p, base, out);
    else out.set(p.slice(base.length + 1), readFileSync(p, 'utf8'));
  }
  return out;
}

/** The environment with some parameters of one bundle replaced after resolution: what a bundle does with them. */
export function withParams<P extends object>(env: ResolvedEnvironment, bundle: string, params: Partial<P>): ResolvedEnvironment {
  if (!env.bundles.some((b) => b.name === bundle)) throw new Error(`${env.name} has no bundle ${bundle}`);
  return { ...env, bundles: env.bundles.map((b) => (b.name === bundle ? { ...b, params: { ...b.params, ...params } } : b)) };
}

/** The resolved parameters of one bundle in an environment. */
export function paramsOf<P>(env: ResolvedEnvironment, bundle: string): P {
  const b = env.bundles.find((x) => x.name === bundle);
  if (!b) throw new Error(`${env.name} has no bundle ${bundle}`);
  return b.params as P;
}
