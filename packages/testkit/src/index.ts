/**
 * The tests' own fleet, and the command line as users run it.
 *
 * Parity's tests exercise a known fleet: staging, two AWS production regions with their dr
 * environments and a GCP pair, under the three DR policies. It is not the repository's
 * environments/ (a fork replaces those with `pnpm parity init --examples drop`): this package
 * carries its definition (`fleet/platform.yaml`) and the drill reports that are its evidence, and
 * stamps the environments with the real generator (`pnpm gen env`, `pnpm gen runbook` through the
 * launcher), once per test process; every workspace a test gets is a copy of that one.
 */
import { execFile, execFileSync, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, expect } from 'vitest';
import { ParityError } from '@parity/model';
import { REPO_ROOT, type TempWorkspaceOptions, tempWorkspace } from '@parity/model/testing';

export * from './google.js';
export * from './recorded.js';

/** The launcher users run (`pnpm gen` …): the workspace compiled to JavaScript, on plain node. */
export const BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'parity.js');

/** The fixture's inputs: the definition, and each dr environment's drill reports. */
export const FLEET_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fleet');

/**
 * The fleet, in the order it is stamped (a dr environment after the one it recovers), each with
 * the flags of its `pnpm gen env`.
 */
export const FLEET: ReadonlyArray<{ name: string; flags: readonly string[] }> = [
  { name: 'staging', flags: [] },
  { name: 'prod-use1', flags: ['--dr-policy', 'important'] },
  { name: 'prod-euw1', flags: [] },
  { name: 'prod-gcp-euw1', flags: ['--dr-policy', 'critical'] },
  { name: 'dr-usw2', flags: [] },
  { name: 'dr-euc1', flags: [] },
  { name: 'dr-gcp-euw4', flags: [] },
];

/** The fleet's environment names, sorted. */
export const FLEET_NAMES: readonly string[] = FLEET.map((e) => e.name).sort();

export interface ParityOptions {
  /** Added to the environment (over `process.env`, `PARITY_ROOT` and `NO_COLOR=1`). */
  env?: NodeJS.ProcessEnv;
  /** Kills the command after this many milliseconds. */
  timeout?: number;
  /** The working directory (default: this process's). */
  cwd?: string;
  /**
   * Run the workspace's own launcher (`<root>/packages/cli/bin/parity.js` of a copy made with
   * `sources`, which compiles that copy) instead of the repository's.
   */
  own?: boolean;
}

/** Run `parity <args>` on the workspace at `root` through the launcher, as users run it. */
export function parity(root: string, ...args: string[]): SpawnSyncReturns<string> {
  return runParity(root, args);
}

/** `parity` with options: extra environment variables, a timeout, a working directory. */
export function runParity(root: string, args: readonly string[], opts: ParityOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [opts.own ? join(root, 'packages', 'cli', 'bin', 'parity.js') : BIN, ...args], {
    env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    ...(opts.timeout ? { timeout: opts.timeout } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
}

/** How long stamping the fleet may take: seven `gen env` and a `gen runbook`, ~4 s on an idle machine. */
export const STAMP_TIMEOUT = 180_000;

let seed: string | undefined;

/** What stamping the fleet runs, in order: `gen env` of each environment, the drill reports, then `gen runbook`. */
function stampSteps(): Array<string[] | 'drills'> {
  // The drill reports are evidence the runbooks and `pnpm check` read: in place before the runbooks.
  return [...FLEET.map((e) => ['gen', 'env', e.name, ...e.flags]), 'drills', ['gen', 'runbook']];
}

function stampFailed(args: readonly string[], status: number | null, output: string): Error {
  return new Error(`the test fleet: parity ${args.join(' ')} failed (exit ${status}):\n${output}`);
}

/** A workspace holding only the fleet's definition, removed when the process ends (every workspace of it is a copy). */
function seedWorkspace(): string {
  const ws = tempWorkspace({ environments: emptyFleet() });
  process.once('exit', ws.cleanup);
  return ws.root;
}

function copyDrills(root: string): void {
  cpSync(FLEET_DIR, join(root, 'environments'), { recursive: true, filter: (src) => !src.endsWith('platform.yaml') });
}

/** The environments folder of the stamped fleet, made once per process (removed when it exits). */
export function fleetEnvironments(): string {
  if (seed) return join(seed, 'environments');
  const root = seedWorkspace();
  for (const step of stampSteps()) {
    if (step === 'drills') {
      copyDrills(root);
      continue;
    }
    const r = runParity(root, step, { timeout: STAMP_TIMEOUT });
    if (r.status !== 0) throw stampFailed(step, r.status, `${r.stdout}${r.stderr}`);
  }
  seed = root;
  return join(seed, 'environments');
}

/**
 * `fleetEnvironments`, stamping without blocking this thread: vitest's worker keeps answering its
 * runner meanwhile (a worker blocked for a minute fails the run with an RPC timeout).
 */
export async function fleetEnvironmentsAsync(): Promise<string> {
  if (seed) return join(seed, 'environments');
  const root = seedWorkspace();
  for (const step of stampSteps()) {
    if (step === 'drills') {
      copyDrills(root);
      continue;
    }
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [BIN, ...step],
        { env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' }, timeout: STAMP_TIMEOUT, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => (error ? reject(stampFailed(step, error.code as number | null, `${stdout}${stderr}`)) : resolve()),
      ),
    );
  }
  seed ??= root;
  return join(seed, 'environments');
}

/** A folder holding only the fleet's definition. */
function emptyFleet(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parity-fleet-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(FLEET_DIR, 'platform.yaml'), join(dir, 'platform.yaml'));
  return dir;
}

/**
 * A throwaway workspace holding the tests' fleet (see `tempWorkspace` for `copyBundles` and
 * `sources`), whatever the repository's environments/ holds.
 */
export function fleetWorkspace(opts: Omit<TempWorkspaceOptions, 'environments'> = {}): { root: string; cleanup: () => void } {
  return tempWorkspace({ ...opts, environments: fleetEnvironments() });
}

/**
 * Fleet workspaces removed after each test: call at the top of a test file, then `temp()` in a
 * test gives a fresh one. The fleet is stamped before the first test, under its own timeout.
 */
export function tempFleets(): (opts?: Omit<TempWorkspaceOptions, 'environments'>) => string {
  const cleanups: Array<() => void> = [];
  beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
  });
  return (opts) => {
    const t = fleetWorkspace(opts);
    cleanups.push(t.cleanup);
    return t.root;
  };
}

/** The platform name of the workspace at `root` (its definition's `platform`). */
export function platformOf(root: string): string {
  const m = /^platform: *(\S+)/m.exec(readFileSync(join(root, 'environments', 'platform.yaml'), 'utf8'));
  if (!m) throw new Error(`${root}/environments/platform.yaml names no platform`);
  return m[1]!;
}

/** Replace `from` with `to` in one file of a workspace; the test fails when `from` is not there. */
export function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  expect(next, `${file}: ${String(from)} not found`).not.toBe(text);
  writeFileSync(path, next);
}

/** The ParityError a promise is refused with; any other error is rethrown, and a promise that resolves fails the test. */
export async function refusal(p: Promise<unknown>): Promise<ParityError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ParityError) return e;
    throw e;
  }
  throw new Error('not refused');
}

/** `git <args>` in `root` as a test's author (commits unsigned), returning what it printed; fails on a non-zero exit. */
export function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

export { repositoryCopy, type RepositoryCopyOptions, runIn } from './repository.js';
