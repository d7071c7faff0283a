/**
 * The benchmark's workspace: a throwaway copy of the repository that holds the definition
 * (environments/platform.yaml, without the committed example environments), the templates, the
 * lockfile, and a snapshot of every package and bundle, with node_modules linked back to the
 * store.
 *
 * Why not `tempWorkspace()` from @parity/model/testing: it links @parity/* to the live working
 * tree, and other people edit that tree while a benchmark runs. The incremental-synth hash covers
 * Parity's own model and synth code, so one saved file there turns a "warm" run into a cold one.
 * Here every @parity package is copied once at the start (from the working tree, or from a git
 * ref with `--ref`), so a run measures one fixed version of the code.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this file belongs to (packages/bench/src/workspace.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const SKIP = new Set(['node_modules', 'dist', '.parity-js', '.turbo', 'cdktf.out', '.terraform', '.vite', 'coverage', 'results']);

export interface BenchWorkspace {
  readonly root: string;
  /** What the packages were copied from: "working tree" or a git ref and its commit. */
  readonly source: string;
  cleanup(): void;
}

/** Folders of the workspace packages, relative to the repository root (packages/x, bundles/y). */
function packageDirs(root: string): string[] {
  const out: string[] = [];
  for (const group of ['packages', 'bundles']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(join(dir, e.name, 'package.json'))) out.push(join(group, e.name));
    }
  }
  return out.sort();
}

/**
 * Recreate `src` (a node_modules folder) at `dest`: every entry a symlink to the real package,
 * except workspace packages, which point at their snapshot in `to`.
 */
function relinkModules(src: string, dest: string, from: string, to: string): void {
  if (!existsSync(src)) return;
  mkdirSync(dest, { recursive: true });
  const mapped = (real: string): string => {
    const rel = relative(from, real);
    return !rel.startsWith('..') && (rel.startsWith(`packages${sep}`) || rel.startsWith(`bundles${sep}`)) ? join(to, rel) : real;
  };
  for (const e of readdirSync(src)) {
    const p = join(src, e);
    if (e === '.bin') {
      symlinkSync(realpathSync(p), join(dest, e));
      continue;
    }
    if (e.startsWith('.')) continue; // .pnpm, .modules.yaml, .vite: the store is reached through real paths
    if (e.startsWith('@') && lstatSync(p).isDirectory() && !lstatSync(p).isSymbolicLink()) {
      relinkModules(p, join(dest, e), from, to);
      continue;
    }
    if (!existsSync(p)) continue; // a dangling link
    symlinkSync(mapped(realpathSync(p)), join(dest, e));
  }
}

function copyPackage(from: string, to: string, dir: string): void {
  const base = join(from, dir);
  cpSync(base, join(to, dir), { recursive: true, filter: (s) => s === base || !SKIP.has(s.split(sep).pop()!) });
}

/**
 * `keepEnvironments`: keep the example environments (the drill figure drills two of them); without
 * it the workspace holds only the definition, for a synthetic fleet.
 */
export function benchWorkspace(opts: { ref?: string; from?: string; keepEnvironments?: boolean } = {}): BenchWorkspace {
  const from = opts.from ?? REPO_ROOT;
  const root = mkdtempSync(join(tmpdir(), 'parity-bench-'));
  let source = 'working tree';
  const dirs = packageDirs(from);
  if (opts.ref) {
    const commit = execFileSync('git', ['rev-parse', '--verify', `${opts.ref}^{commit}`], { cwd: from, encoding: 'utf8' }).trim();
    source = `${opts.ref} (${commit.slice(0, 12)})`;
    const paths = [
      'package.json',
      'pnpm-workspace.yaml',
      'pnpm-lock.yaml',
      opts.keepEnvironments ? 'environments' : 'environments/platform.yaml',
      'templates',
      'packages',
      'bundles',
    ];
    execFileSync('sh', ['-c', `git archive --format=tar ${commit} -- ${paths.join(' ')} | tar -x -C "${root}"`], { cwd: from });
    // The bench itself always comes from the working tree (it may not be committed yet).
    rmSync(join(root, 'packages', 'bench'), { recursive: true, force: true });
    copyPackage(from, root, join('packages', 'bench'));
  } else {
    for (const f of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml', '.npmrc']) {
      if (existsSync(join(from, f))) cpSync(join(from, f), join(root, f));
    }
    mkdirSync(join(root, 'environments'), { recursive: true });
    if (opts.keepEnvironments)
      cpSync(join(from, 'environments'), join(root, 'environments'), { recursive: true, filter: (p) => !SKIP.has(p.split(sep).pop()!) });
    else cpSync(join(from, 'environments', 'platform.yaml'), join(root, 'environments', 'platform.yaml'));
    cpSync(join(from, 'templates'), join(root, 'templates'), { recursive: true });
    for (const d of dirs) copyPackage(from, root, d);
  }
  // Only the definition: the committed example environments are not part of a synthetic fleet.
  for (const e of opts.keepEnvironments ? [] : readdirSync(join(root, 'environments'))) {
    if (e !== 'platform.yaml') rmSync(join(root, 'environments', e), { recursive: true, force: true });
  }
  relinkModules(join(from, 'node_modules'), join(root, 'node_modules'), from, root);
  for (const d of dirs) {
    if (existsSync(join(root, d))) relinkModules(join(from, d, 'node_modules'), join(root, d, 'node_modules'), from, root);
  }
  // Every workspace package is also reachable from the root, to the snapshot. In the repository,
  // a bare `require.resolve('@parity/model')` from the root (InputHasher does one) is answered
  // by NODE_PATH, which pnpm's .bin/tsx shim points at node_modules/.pnpm/node_modules: here
  // that would reach the live working tree, so its edits would change the hashes.
  for (const d of dirs) {
    if (!existsSync(join(root, d, 'package.json'))) continue;
    const name = (JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8')) as { name: string }).name;
    const link = join(root, 'node_modules', name);
    if (existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(root, d), link);
  }
  return { root, source, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
