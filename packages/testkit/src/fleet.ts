/**
 * The tests' fleet, stamped once for every test process of the tree, and the command line as users
 * run it. No vitest here: child processes that are not tests import it too (see fleet.test.ts).
 */
import { spawn, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, tempWorkspace } from '@parity/model/testing';

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

/** What a `parity` run left: its exit status (or the signal that ended it) and its output. */
export interface ParityRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `parity <args>` on the workspace at `root` through the launcher, as users run it. */
export function parity(root: string, ...args: string[]): Promise<ParityRun> {
  return runParity(root, args);
}

/**
 * `parity` with options: extra environment variables, a timeout (then SIGTERM), a working directory.
 * Never synchronous: a vitest worker whose thread is blocked for a minute (a `check` of the fleet on
 * a loaded machine) fails the whole run with "Timeout calling onTaskUpdate", as CI saw.
 */
export function runParity(root: string, args: readonly string[], opts: ParityOptions = {}): Promise<ParityRun> {
  const child = spawn(process.execPath, [opts.own ? join(root, 'packages', 'cli', 'bin', 'parity.js') : BIN, ...args], {
    env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = opts.timeout ? setTimeout(() => child.kill('SIGTERM'), opts.timeout) : undefined;
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The stamp's own synchronous run, for `fleetEnvironments` (processes that are not vitest workers). */
function runParitySync(root: string, args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: STAMP_TIMEOUT,
  });
}

/**
 * How long stamping the fleet may take: seven `gen env` and a `gen runbook`, ~4 s on an idle
 * machine. Every test process stamps its own, and at the start of `pnpm test` about ten of them do
 * at once beside the unit run on CI's 2 cores: a fresh-clone run saw a stamp exceed 3 minutes.
 */
export const STAMP_TIMEOUT = 900_000;

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

/*
 * The stamped fleet is shared by every test process of one tree, through a folder in the system's
 * temporary directory named after what stamping reads: the repository's path and the size and
 * modification time of every file of its packages, bundles, templates and schemas (what the
 * launcher itself compares before it compiles) and the fleet's definition and drill reports.
 * `pnpm test` starts some fifty test processes; each stamped its own fleet (eight launcher runs),
 * and at the start, ten at once on CI's 2 cores took a stamp past three minutes. Now the first
 * stamps under a lock (a folder made atomically, holding its pid), the others wait for the
 * result, which appears by one rename; a lock whose process is gone is taken over.
 */
const SHARED_FLEETS = join(tmpdir(), 'parity-test-fleets');
const SKIPPED_DIRS = new Set(['node_modules', 'cdktf.out', 'expected', 'results']);

function statTree(dir: string, rel: string, into: string[]): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.') || SKIPPED_DIRS.has(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) statTree(path, `${rel}/${e.name}`, into);
    else if (e.isFile()) {
      const st = statSync(path);
      into.push(`${rel}/${e.name} ${st.size} ${st.mtimeMs}`);
    }
  }
}

/** The shared fleet's name: a hash of what stamping reads (see above). */
export function fleetKey(): string {
  const lines = [REPO_ROOT];
  for (const d of ['packages', 'bundles', 'templates', 'schemas']) statTree(join(REPO_ROOT, d), d, lines);
  for (const f of ['package.json', 'pnpm-workspace.yaml']) {
    const st = statSync(join(REPO_ROOT, f));
    lines.push(`${f} ${st.size} ${st.mtimeMs}`);
  }
  statTree(FLEET_DIR, 'fleet', lines);
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/**
 * A fleet of another tree state unused for this long is removed when a new one is published (one
 * per change to the packages, 38 MB for 61 of them on a developer's machine after a week). Each
 * use marks a fleet as used, and no run of the suite lasts a day.
 */
export const STALE_FLEET_MS = 24 * 3_600_000;

/** The stamped fleet's environments, when a process has finished them; marked as used. */
function sharedFleet(key: string): string | undefined {
  const done = join(SHARED_FLEETS, key);
  try {
    const now = new Date();
    utimesSync(done, now, now);
  } catch {
    // not published yet (or pruned meanwhile by another tree's publish, unused for a day): stamped below
    return undefined;
  }
  return join(done, 'environments');
}

/** Removes every fleet (and leftover temporary) but `keep` unused for STALE_FLEET_MS; locks stay with their owners. */
function pruneStale(keep: string, now = Date.now()): void {
  for (const name of readdirSync(SHARED_FLEETS)) {
    if (name === keep || name.endsWith('.lock')) continue;
    const path = join(SHARED_FLEETS, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && now - st.mtimeMs > STALE_FLEET_MS) rmSync(path, { recursive: true, force: true });
  }
}

/** Takes the lock of `key` (true), or says another live process holds it (false). */
function takeLock(key: string): boolean {
  mkdirSync(SHARED_FLEETS, { recursive: true });
  const lock = join(SHARED_FLEETS, `${key}.lock`);
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch {
    if (lockAlive(lock)) return false;
    rmSync(lock, { recursive: true, force: true });
    return takeLock(key);
  }
}

function lockAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // made but its pid not written yet, or removed meanwhile: alive for a few seconds
    return existsSync(lock) && Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs < 10_000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Publishes this process's stamped environments as the shared fleet of `key`. */
function publish(key: string, root: string): string {
  const done = join(SHARED_FLEETS, key);
  const tmp = `${done}.tmp-${process.pid}`;
  // <key>/environments, as in a workspace: tests read `join(fleetEnvironments(), '..', 'environments/…')`
  cpSync(join(root, 'environments'), join(tmp, 'environments'), { recursive: true });
  try {
    renameSync(tmp, done);
  } catch (e) {
    // another process published the same fleet meanwhile (its lock was taken over): keep that one
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(done)) throw e;
  }
  pruneStale(key);
  return join(done, 'environments');
}

function releaseLock(key: string): void {
  rmSync(join(SHARED_FLEETS, `${key}.lock`), { recursive: true, force: true });
}

const pause = new Int32Array(new SharedArrayBuffer(4));

let stampedHere = false;

/** Whether this process stamped the shared fleet (rather than found it, or waited for another's). */
export function fleetStampedHere(): boolean {
  return stampedHere;
}

/** The environments folder of the stamped fleet, made once per tree (see above); blocks this thread meanwhile. */
export function fleetEnvironments(): string {
  seed ??= stampOrWait(fleetKey());
  return seed;
}

function stampOrWait(key: string): string {
  for (;;) {
    const done = sharedFleet(key);
    if (done) return done;
    if (!takeLock(key)) {
      Atomics.wait(pause, 0, 0, 250);
      continue;
    }
    try {
      const root = seedWorkspace();
      for (const step of stampSteps()) {
        if (step === 'drills') {
          copyDrills(root);
          continue;
        }
        const r = runParitySync(root, step);
        if (r.status !== 0) throw stampFailed(step, r.status, `${r.stdout}${r.stderr}`);
      }
      stampedHere = true;
      return publish(key, root);
    } finally {
      releaseLock(key);
    }
  }
}

/**
 * `fleetEnvironments`, stamping (or waiting for another process's stamp) without blocking this
 * thread: vitest's worker keeps answering its runner meanwhile (a worker blocked for a minute
 * fails the run with an RPC timeout).
 */
export async function fleetEnvironmentsAsync(): Promise<string> {
  seed ??= await stampOrWaitAsync(fleetKey());
  return seed;
}

async function stampOrWaitAsync(key: string): Promise<string> {
  for (;;) {
    const done = sharedFleet(key);
    if (done) return done;
    if (!takeLock(key)) {
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      const root = seedWorkspace();
      for (const step of stampSteps()) {
        if (step === 'drills') {
          copyDrills(root);
          continue;
        }
        const r = await runParity(root, step, { timeout: STAMP_TIMEOUT });
        if (r.status !== 0) throw stampFailed(step, r.status, `${r.stdout}${r.stderr}`);
      }
      stampedHere = true;
      return publish(key, root);
    } finally {
      releaseLock(key);
    }
  }
}

/** A folder holding only the fleet's definition. */
function emptyFleet(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parity-fleet-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(FLEET_DIR, 'platform.yaml'), join(dir, 'platform.yaml'));
  return dir;
}
