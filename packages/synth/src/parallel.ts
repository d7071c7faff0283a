/**
 * Synthesis of a large fleet on every core. cdktf builds a construct tree on one thread, so one
 * process synthesizes one environment at a time; past a few dozen environments the fleet is
 * shared out to worker threads, one per core, each loading cdktf and the provider bindings once
 * (about a quarter of a second) and then synthesizing its share. Environments are sorted by cloud
 * before being cut into contiguous shares, so a worker usually loads one cloud's bindings only.
 *
 * This module does not import cdktf: the main thread only resolves, hashes and waits.
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

/** Below this many environments per worker, loading cdktf in another thread costs more than it saves (`pnpm bench`). */
export const MIN_ENVS_PER_WORKER = 12;

/** How many threads to synthesize `count` environments on: one per core, each with at least MIN_ENVS_PER_WORKER. */
export function workerCount(count: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(count / MIN_ENVS_PER_WORKER)));
}

/** One worker's share (see worker.ts). */
export interface WorkerJob {
  readonly root: string;
  readonly force: boolean;
  readonly items: ReadonlyArray<{ readonly env: ResolvedEnvironment; readonly hash: string }>;
}

/** Cut `envs` into `jobs` contiguous shares of (nearly) equal size, sorted by cloud, then name. */
export function shares<T extends { cloud: string; name: string }>(envs: readonly T[], jobs: number): T[][] {
  const sorted = [...envs].sort((a, b) => a.cloud.localeCompare(b.cloud) || a.name.localeCompare(b.name));
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < jobs; i++) {
    const end = start + Math.floor(sorted.length / jobs) + (i < sorted.length % jobs ? 1 : 0);
    if (end > start) out.push(sorted.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * Start the worker module beside this one: compiled JavaScript under the command line; under
 * tests, which run the TypeScript sources, through tsx's loader registered inside the worker.
 */
function startWorker(job: WorkerJob): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
  // tsx's ESM API (its "import" export; require.resolve would name the CommonJS one).
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = pathToFileURL(join(dirname(manifest), api)).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: job });
}

/**
 * Synthesize `envs` (see synthEnvironments) on `jobs` threads: workerCount() by default, 1 to
 * stay in this thread. Results come in the order of `envs`; `onResult` is called as each one
 * finishes. The first failure stops every worker; environments already written stay written
 * (each one atomically, with its input hash).
 */
export async function synthFleet(root: string, envs: readonly ResolvedEnvironment[], opts: SynthOptions & { jobs?: number } = {}): Promise<SynthResult[]> {
  const jobs = Math.min(opts.jobs ?? workerCount(envs.length), envs.length);
  if (jobs <= 1) {
    const { synthEnvironments } = await import('./synth.js');
    return synthEnvironments(root, envs, opts);
  }
  const hasher = opts.hasher ?? new InputHasher(root);
  const hashes = new Map(envs.map((e) => [e.name, hasher.envHash(e)]));
  const results = new Map<string, SynthResult>();
  const workers: Worker[] = [];
  try {
    await Promise.all(
      shares(envs, jobs).map(
        (share) =>
          new Promise<void>((resolve, reject) => {
            const job: WorkerJob = { root, force: !!opts.force, items: share.map((env) => ({ env, hash: hashes.get(env.name)! })) };
            const w = startWorker(job);
            workers.push(w);
            w.on('message', (r: SynthResult) => {
              results.set(r.env, r);
              opts.onResult?.(r);
            });
            w.on('error', reject);
            w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a synth worker exited with code ${code} before finishing ${share.map((e) => e.name).filter((n) => !results.has(n)).join(', ')}`))));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return envs.map((e) => results.get(e.name)!);
}
