/** A synth worker thread (see parallel.ts): synthesizes its share and posts each result. */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerJob } from './parallel.js';
import { synthEnvironments } from './synth.js';

const job = workerData as WorkerJob;
const hashes = new Map(job.items.map((i) => [i.env.name, i.hash]));
await synthEnvironments(
  job.root,
  job.items.map((i) => i.env),
  {
    force: job.force,
    hasher: { envHash: (e) => hashes.get(e.name)! },
    onResult: (r) => parentPort!.postMessage(r),
  },
);
