/**
 * A copy of the repository as git sees it (tracked and new files, not ignored: no node_modules, no
 * build output), for tests that need a checkout of their own: `pnpm install` in it, a git
 * repository of its own, a fresh clone of that as CI makes one.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@parity/model/testing';

export interface RepositoryCopyOptions {
  /** Used instead of the repository's environments/ (e.g. `fleetEnvironments()`, the tests' fleet). */
  readonly environments?: string;
  /** The temporary folder's name prefix. */
  readonly prefix?: string;
}

/** The repository's files as git sees them, copied into a new temporary folder (not a git repository yet). */
export function repositoryCopy(opts: RepositoryCopyOptions = {}): string {
  const dest = mkdtempSync(join(tmpdir(), opts.prefix ?? 'parity-repo-'));
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .stdout.split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(REPO_ROOT, f)) || (opts.environments && f.startsWith('environments/'))) continue;
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(dest, f));
  }
  if (opts.environments) {
    rmSync(join(dest, 'environments'), { recursive: true, force: true });
    cpSync(opts.environments, join(dest, 'environments'), {
      recursive: true,
      filter: (src) => !/(^|\/)(cdktf\.out|\.terraform)(\/|$)/.test(src),
    });
  }
  return dest;
}

/**
 * Run a program in `cwd` (asynchronously: minutes of blocking would starve vitest's worker) and
 * return its stdout; fails with both outputs. PARITY_ROOT is dropped, so that `cwd` is its own workspace.
 */
export async function runIn(cwd: string, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { PARITY_ROOT: _root, ...rest } = process.env;
  try {
    const r = await promisify(execFile)(cmd, [...args], {
      cwd,
      env: { ...rest, NO_COLOR: '1', ...env },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return r.stdout;
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${x.code}:\n${x.stdout}\n${x.stderr}`);
  }
}
