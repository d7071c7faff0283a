/**
 * Synthesis of a large fleet on every core. cdktn builds a construct tree on one thread, so one
 * process synthesizes one environment at a time; past a few dozen environments the fleet is
 * shared out to worker threads, one per core, each loading cdktn and the provider bindings once
 * (about a quarter of a second) and then synthesizing its share. Environments are sorted by cloud
 * before being cut into contiguous shares, so a worker usually loads one cloud's bindings only.
 *
 * This module does not import cdktn: the main thread only resolves, hashes and waits.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedEnvironment } from '@parity/model';
import { InputHasher } from './cache.js';
import type { SynthOptions, SynthResult } from './synth.js';

/**
 * Below this many environments per thread, another thread costs about what it saves: a worker
 * is ready to synthesize after ~0.2-0.4 s (its own cdktn and bindings), and on the 2-vCPU
 * machines `pnpm bench` runs on, two threads synthesizing side by side each run ~1.5× slower
 * than one alone (memory-bound work; two separate processes show the same).
 */
export const MIN_ENVS_PER_WORKER = 40;

/** How many threads to synthesize `count` environments on: at most one per core, each with at least MIN_ENVS_PER_WORKER. */
export function workerCount(count: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(count / MIN_ENVS_PER_WORKER)));
}

/** What a worker is started with (see worker.ts); it then takes environments one at a time. */
export interface WorkerJob {
  readonly root: string;
  readonly force: boolean;
}

/** main → worker: the next environment, or null when there is none left. */
export type WorkerTask = { readonly env: ResolvedEnvironment; readonly hash: string } | null;

/** worker → main. */
export type WorkerMessage =
  | { readonly ready: true }
  | { readonly result: SynthResult }
  | { readonly error: { readonly message: string; readonly stack?: string } };

/** Sorted by cloud, then name: a thread that takes from one end mostly loads one cloud's bindings. */
export function queueOrder<T extends { cloud: string; name: string }>(envs: readonly T[]): T[] {
  return [...envs].sort((a, b) => a.cloud.localeCompare(b.cloud) || a.name.localeCompare(b.name));
}

/**
 * Start the worker module beside this one: compiled JavaScript under the command line; under
 * tests, which run the TypeScript sources, through tsx's loader registered inside the worker.
 */
function startWorker(job: WorkerJob): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
  // tsx's ESM API (its "import" export; require.resolve would name the CommonJS one).
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports[
    './esm/api'
  ]!.import.default;
  const tsx = pathToFileURL(join(dirname(manifest), api)).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: job });
}

export interface FleetOptions extends SynthOptions {
  /** Threads that synthesize, this one included (default: workerCount()). */
  jobs?: number;
  /**
   * Whether this thread synthesizes too (default true). With false, `jobs` workers do all of it
   * and this thread stays free, e.g. for a progress display.
   */
  inThisThread?: boolean;
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Synthesize `envs` (see synthEnvironments) on `jobs` threads: this one and jobs - 1 workers
 * (workerCount() by default; 1 stays in this thread). The environments form one queue, sorted by
 * cloud, and the threads alternate ends: this one (or, with inThisThread false, the first
 * worker) takes from the front, starting while the workers load, the next from the back, and so
 * on. The threads meet wherever the work runs out, and with two threads each loads one cloud's
 * bindings. Results come in the order of `envs`; `onResult` is called as each one finishes.
 * The first failure stops the hand-out of work and is thrown once every thread has finished
 * the environment it was on; environments already written stay written (each one atomically,
 * with its input hash).
 */
export async function synthFleet(root: string, envs: readonly ResolvedEnvironment[], opts: FleetOptions = {}): Promise<SynthResult[]> {
  const jobs = Math.min(opts.jobs ?? workerCount(envs.length), envs.length);
  const here = opts.inThisThread ?? true;
  if (jobs <= 1 && here) {
    const { synthEnvironments } = await import('./synth.js');
    return synthEnvironments(root, envs, opts);
  }
  const hasher = opts.hasher ?? new InputHasher(root);
  // Workers start first (they take longest to be ready); they ask for work once they are.
  const queue: Array<{ env: ResolvedEnvironment; hash: string }> = [];
  const results = new Map<string, SynthResult>();
  const record = (r: SynthResult) => {
    results.set(r.env, r);
    opts.onResult?.(r);
  };
  // The first failure stops the hand-out of work; every thread then finishes the environment it
  // is on (each is written atomically, or cleaned up) before the error is thrown. A worker is
  // never terminated mid-environment: that would leave its temporary output behind.
  let failed = false;
  let firstError: unknown;
  const fail = (e: unknown) => {
    if (failed) return;
    failed = true;
    firstError = e;
  };
  const runWorker = (index: number) =>
    new Promise<void>((resolve) => {
      const w = startWorker({ root, force: !!opts.force });
      const fromBack = index % 2 === 1;
      w.on('message', (m: WorkerMessage) => {
        if ('error' in m) {
          const e = new Error(m.error.message);
          if (m.error.stack) e.stack = m.error.stack;
          fail(e); // the worker closes its port and exits after sending this
          return;
        }
        if ('result' in m) record(m.result);
        const next: WorkerTask = failed ? null : ((fromBack ? queue.pop() : queue.shift()) ?? null);
        w.postMessage(next);
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0) fail(new Error(`a synth worker exited with code ${code}`));
        resolve();
      });
    });
  const runHere = async () => {
    const { synthEnvironments } = await import('./synth.js');
    for (let item = queue.shift(); item && !failed; item = queue.shift()) {
      const { env, hash } = item;
      await synthEnvironments(root, [env], { force: opts.force, hasher: { envHash: () => hash }, onResult: record });
      await nextTick(); // let the workers' requests for more work through
    }
  };
  const threads = here ? jobs - 1 : Math.max(1, jobs);
  const running = Array.from({ length: threads }, (_, i) => runWorker(here ? i + 1 : i));
  try {
    for (const env of queueOrder(envs)) queue.push({ env, hash: hasher.envHash(env) });
  } catch (e) {
    fail(e); // the workers find no work and exit
  }
  await Promise.all([...running, ...(here && !failed ? [runHere().catch(fail)] : [])]);
  if (failed) throw firstError;
  return envs.map((e) => results.get(e.name)!);
}
