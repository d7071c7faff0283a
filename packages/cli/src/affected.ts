/**
 * `pnpm affected`: the environments whose Terraform would change between two git refs, found
 * the way the synth cache decides that an environment must be synthesized again (cache.ts): the
 * same inputs (the resolved environment, each bundle's files for its cloud, pins, the lockfile,
 * Parity's own model and synth code), read from each ref with git instead of from the disk. Nothing
 * is synthesized and nothing is checked out: the definition and manifests of each ref are resolved
 * in memory with this checkout's code, and files are compared by their git blob ids.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import {
  DEFINITION_FILE,
  DefinitionSchema,
  loadPins,
  loadWorkspace,
  MANIFEST_FILE,
  ManifestSchema,
  parseYaml,
  ParityError,
  resolveEnvironment,
  strategyFacts,
  ciIdentity,
  commandFailed,
  gitRefMissing,
  refuse,
  refuseOne,
  type Cloud,
  type Issue,
  type Manifest,
  type PinInstaller,
  type ResolvedEnvironment,
  type Role,
  type SourceFile,
  type Workspace,
} from '@parity/model';
import { runProcess } from '@parity/io';
import { isInputEntry, type InputFilter } from '@parity/synth/cache';

/** Why an environment is affected, in the synth cache's terms. */
export type ReasonKind = 'definition' | 'manifest' | 'bundle' | 'pin' | 'lockfile' | 'parity';

export interface Reason {
  readonly kind: ReasonKind;
  /** The file, bundle or package that changed. */
  readonly detail: string;
}

export interface AffectedEnv {
  readonly env: string;
  readonly cloud: Cloud;
  readonly region: string;
  readonly role: Role;
  /** Promotion order: 1 staging, 2 production, 3 dr. */
  readonly order: number;
  /** dr only: the DR strategy. */
  readonly strategy?: string;
  /** Whether the pipeline applies it: not a backup & restore dr environment, which only a failover applies. */
  readonly apply: boolean;
  /** CI identities (ciIdentity): AWS role names, GCP service account e-mails. */
  readonly planRole: string;
  readonly applyRole: string;
  readonly reasons: readonly Reason[];
}

/** Promotion order of each role: staging first, then production, then dr (a preview is not in git, so never affected). */
export const PROMOTION: Readonly<Record<Role, number>> = { staging: 1, production: 2, dr: 3, preview: 4 };

/**
 * Parity's own code that shapes every environment's Terraform, as the synth cache hashes it (the
 * cache hashes @parity/constructs with each bundle that uses it, for that bundle's cloud; here a
 * change to it affects every environment, a superset).
 */
export const PARITY_CODE = ['packages/model', 'packages/synth', 'packages/constructs'] as const;

const LOCKFILE = 'pnpm-lock.yaml';

/** A ref's files: path → git blob id. */
type Tree = ReadonlyMap<string, string>;

/** What `git <args>` writes to stdout, as bytes; fails with what git said when it exits non-zero. */
async function git(root: string, args: readonly string[], input?: string): Promise<Buffer> {
  const r = await runProcess('git', args, { cwd: root, input });
  if (r.code !== 0) {
    const fix = 'run it in a git repository (CI: actions/checkout with fetch-depth: 0) and check what git printed';
    refuseOne(commandFailed(`git ${args.join(' ')}`, root, `exit code ${r.code}`, r.stderr, fix));
  }
  return r.bytes;
}

/** The commit a ref names, or a `git-ref` refusal saying how to name one. */
export async function commitOf(root: string, ref: string, flag: string): Promise<string> {
  const r = await runProcess('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root });
  return r.code === 0 ? r.stdout.trim() : refuse(`cannot compare: ${ref} is not a commit`, gitRefMissing(ref, flag));
}

async function treeOf(root: string, commit: string): Promise<Tree> {
  const out = new Map<string, string>();
  for (const line of (await git(root, ['ls-tree', '-r', '-z', '--full-tree', commit])).toString().split('\0')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [, type, id] = line.slice(0, tab).split(' ');
    if (type === 'blob') out.set(line.slice(tab + 1), id!);
  }
  return out;
}

/** The contents of blobs, read in one `git cat-file --batch`. */
async function readBlobs(root: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const buf = await git(root, ['cat-file', '--batch'], `${ids.join('\n')}\n`);
  let at = 0;
  for (const id of ids) {
    const eol = buf.indexOf(10, at);
    const size = Number(buf.subarray(at, eol).toString().split(' ')[2]);
    out.set(id, buf.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return out;
}

const dirHashes = new WeakMap<Tree, Map<string, string>>();

/**
 * The input files under `dir` (every prefix passes isInputEntry, as the synth cache walks them)
 * with their blob ids, as one comparable string; computed once per tree, folder and cloud.
 */
function dirHash(tree: Tree, dir: string, filter: InputFilter = {}): string {
  const memo = dirHashes.get(tree) ?? new Map<string, string>();
  dirHashes.set(tree, memo);
  const key = `${dir}|${filter.cloud ?? ''}|${filter.withDist ?? false}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const parts: string[] = [];
  for (const [path, id] of tree) {
    if (!path.startsWith(`${dir}/`)) continue;
    const segments = path.slice(dir.length + 1).split('/');
    if (segments.every((_, i) => isInputEntry(segments.slice(0, i + 1).join('/'), filter))) parts.push(`${path}\0${id}`);
  }
  const value = parts.sort().join('\n');
  memo.set(key, value);
  return value;
}

/** The definition and manifests of one ref, with this checkout's bundles, as a workspace to resolve. */
async function workspaceAt(head: Workspace, tree: Tree, blobs: ReadonlyMap<string, string>, installer?: PinInstaller): Promise<Workspace> {
  const text = (path: string) => blobs.get(tree.get(path) ?? '') ?? '';
  // Bundles come from this checkout: one that could not be loaded fails every ref.
  const issues: Issue[] = head.issues.filter((i) => i.kind === 'unknown-bundle');
  const d = parseYaml(DEFINITION_FILE, text(DEFINITION_FILE), DefinitionSchema);
  issues.push(...d.issues);
  const manifests = new Map<string, SourceFile<Manifest>>();
  for (const path of [...tree.keys()].filter(isManifest).sort()) {
    const m = parseYaml(path, text(path), ManifestSchema);
    issues.push(...m.issues);
    if (m.source) manifests.set(path.split('/')[1]!, m.source);
  }
  const pinned = d.source ? await loadPins(head.root, d.source.data, manifests.values(), installer) : new Map();
  return { ...head, definition: d.source as SourceFile<never>, manifests, pinned, issues };
}

function isManifest(path: string): boolean {
  const p = path.split('/');
  return p.length === 3 && p[0] === 'environments' && p[2] === MANIFEST_FILE;
}

interface Side {
  readonly tree: Tree;
  readonly ws: Workspace;
}

async function side(root: string, head: Workspace, commit: string, installer?: PinInstaller): Promise<Side> {
  const tree = await treeOf(root, commit);
  const wanted = [...tree].filter(([p]) => p === DEFINITION_FILE || isManifest(p)).map(([, id]) => id);
  return { tree, ws: await workspaceAt(head, tree, await readBlobs(root, wanted), installer) };
}

/** A bundle's folder in the repository (`/`-separated), or undefined when it lives outside: then it never differs between refs. */
function bundleDir(root: string, pkg: string): string | undefined {
  let dir = dirname(createRequire(join(root, 'package.json')).resolve(pkg));
  while (!existsSync(join(dir, 'package.json')) && dir !== dirname(dir)) dir = dirname(dir);
  const rel = relative(root, dir).split(sep).join('/');
  return rel.startsWith('..') || rel === '' ? undefined : rel;
}

/** The reasons `env` (resolved on both refs) is affected; empty when its inputs are the same. */
function reasonsFor(root: string, env: ResolvedEnvironment, was: ResolvedEnvironment | undefined, base: Side, head: Side): Reason[] {
  const reasons: Reason[] = [];
  const changed = (path: string) => base.tree.get(path) !== head.tree.get(path);
  if (base.tree.get(LOCKFILE) !== head.tree.get(LOCKFILE)) reasons.push({ kind: 'lockfile', detail: LOCKFILE });
  for (const dir of PARITY_CODE) if (dirHash(base.tree, dir) !== dirHash(head.tree, dir)) reasons.push({ kind: 'parity', detail: dir });
  for (const b of env.bundles) {
    const dir = b.pinned ? undefined : bundleDir(root, b.package);
    if (dir && dirHash(base.tree, dir, { cloud: env.cloud }) !== dirHash(head.tree, dir, { cloud: env.cloud })) {
      reasons.push({ kind: 'bundle', detail: `${b.name} (${dir}, ${env.cloud})` });
    }
  }
  if (!was)
    return [
      ...reasons,
      { kind: 'manifest', detail: `${env.file} (${base.ws.manifests.has(env.name) ? 'did not resolve before' : 'new environment'})` },
    ];
  if (JSON.stringify(was) === JSON.stringify(env)) return reasons;
  const pins = (e: ResolvedEnvironment) => JSON.stringify(e.bundles.map((b) => [b.name, b.pinned ? b.version : 'workspace']));
  if (pins(was) !== pins(env))
    reasons.push({
      kind: 'pin',
      detail:
        env.bundles
          .filter((b) => b.pinned)
          .map((b) => `${b.name}@${b.version}`)
          .join(', ') || 'follows the workspace',
    });
  if (changed(env.file)) reasons.push({ kind: 'manifest', detail: env.file });
  if (changed(DEFINITION_FILE)) reasons.push({ kind: 'definition', detail: DEFINITION_FILE });
  // Another environment's manifest (a new dr environment adds a backup copy region to the one it recovers).
  if (!reasons.some((r) => r.kind === 'pin' || r.kind === 'manifest' || r.kind === 'definition')) {
    const others = [...new Set([...base.tree.keys(), ...head.tree.keys()])].filter((p) => isManifest(p) && p !== env.file && changed(p));
    reasons.push({ kind: 'manifest', detail: others.join(', ') || 'the fleet' });
  }
  return reasons;
}

function resolveAll(ws: Workspace): { envs: Map<string, ResolvedEnvironment>; issues: Issue[] } {
  const envs = new Map<string, ResolvedEnvironment>();
  const issues: Issue[] = [...ws.issues];
  for (const name of ws.manifests.keys()) {
    const r = resolveEnvironment(ws, name);
    issues.push(...r.issues);
    if (r.env) envs.set(name, r.env);
  }
  return { envs, issues };
}

/** The row of one environment. */
export function row(env: ResolvedEnvironment, reasons: readonly Reason[]): AffectedEnv {
  const strategy = env.role === 'dr' ? env.dr.strategy : undefined;
  return {
    env: env.name,
    cloud: env.cloud,
    region: env.region,
    role: env.role,
    order: PROMOTION[env.role],
    ...(strategy ? { strategy } : {}),
    // a dr environment is applied in peacetime when its strategy keeps a replica there (backup & restore: at failover only)
    apply: !strategy || strategyFacts(strategy).replica,
    planRole: ciIdentity(env, 'plan'),
    applyRole: ciIdentity(env, 'apply'),
    reasons,
  };
}

export interface AffectedOptions {
  /**
   * Installs the pinned bundle versions either ref names that the bundle cache lacks, as synth
   * does (`npmInstaller`): a fresh CI checkout has none. Without it, a pin not installed is refused.
   */
  readonly installer?: PinInstaller;
}

/**
 * The environments of `headRef` whose Terraform differs from `baseRef`'s (every one without a base), in promotion order
 * (staging, production, dr; by name within a role). An environment that does not resolve at the
 * head is an error (it cannot be planned); one that did not resolve at the base is affected.
 */
export async function affectedEnvironments(
  root: string,
  baseRef: string | undefined,
  headRef = 'HEAD',
  { installer }: AffectedOptions = {},
): Promise<AffectedEnv[]> {
  // Without a base: every environment (the nightly drift check, the monthly drills).
  const all = baseRef === undefined;
  const baseCommit = await commitOf(root, baseRef ?? headRef, '--base');
  const headCommit = await commitOf(root, headRef, '--head');
  const checkout = await loadWorkspace(root, { installer });
  // one after the other: both may install the same pinned version into the bundle cache
  const base = await side(root, checkout, baseCommit, installer);
  const head = await side(root, checkout, headCommit, installer);
  const now = resolveAll(head.ws);
  const errors = now.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new ParityError(errors, `cannot resolve the fleet at ${headRef}`);
  const before = resolveAll(base.ws).envs;
  const out: AffectedEnv[] = [];
  for (const env of now.envs.values()) {
    const reasons = all ? [] : reasonsFor(root, env, before.get(env.name), base, head);
    if (reasons.length > 0 || all) out.push(row(env, reasons));
  }
  return out.sort((a, b) => a.order - b.order || a.env.localeCompare(b.env));
}

/**
 * A GitHub Actions matrix (`strategy.matrix: ${{ fromJSON(...) }}`), each entry with its reasons as
 * the text lists them; `include` is empty when nothing is affected.
 */
export function matrixOf(envs: readonly AffectedEnv[]): { include: readonly AffectedEnv[] } {
  return { include: envs };
}
