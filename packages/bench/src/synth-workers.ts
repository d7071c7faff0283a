/**
 * What-if: cold synth of the whole fleet in N worker threads (default 2, one per core), each
 * synthesizing its share with @parity/synth's own synthEnvironments. Environments are sorted by
 * cloud and cut into contiguous shares, so with two workers each loads one cloud's modules.
 * Writes the same files, markers included (a later `parity synth` finds everything unchanged).
 *
 * Usage: PARITY_ROOT=<ws> node synth-workers.js [workers]
 */
import { isMainThread, Worker, workerData } from 'node:worker_threads';

interface Job {
  root: string;
  names: string[];
}

if (isMainThread) {
  const root = process.env.PARITY_ROOT;
  if (!root) throw new Error('PARITY_ROOT must name the workspace');
  const jobs = Math.max(1, Number(process.argv[2] ?? 2));
  const { loadWorkspace, resolveEnvironments } = await import('@parity/model');
  const { envs } = resolveEnvironments(await loadWorkspace(root), []);
  const sorted = [...envs].sort((a, b) => a.cloud.localeCompare(b.cloud) || a.name.localeCompare(b.name)).map((e) => e.name);
  const size = Math.ceil(sorted.length / jobs);
  const shares = Array.from({ length: jobs }, (_, i) => sorted.slice(i * size, (i + 1) * size)).filter((s) => s.length);
  await Promise.all(
    shares.map(
      (names) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { root, names } satisfies Job });
          w.on('error', reject);
          w.on('exit', (code) => (code ? reject(new Error(`worker exited ${code}`)) : resolve()));
        }),
    ),
  );
  process.stdout.write(`${sorted.length} synthesized in ${shares.length} workers\n`);
} else {
  const { root, names } = workerData as Job;
  const { loadWorkspace, resolveEnvironments } = await import('@parity/model');
  const { synthEnvironments } = await import('@parity/synth');
  const { envs } = resolveEnvironments(await loadWorkspace(root), names);
  await synthEnvironments(root, envs, { force: true });
}
