/**
 * A synth worker thread (see parallel.ts): loads cdktn and the bindings once, says it is ready,
 * then synthesizes one environment per task until it is sent null.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerJob, WorkerMessage, WorkerTask } from './parallel.js';
import { synthEnvironments } from './synth.js';

const job = workerData as WorkerJob;
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

port.on('message', (task: WorkerTask) => {
  if (!task) {
    port.close();
    return;
  }
  synthEnvironments(job.root, [task.env], {
    force: job.force,
    hasher: { envHash: () => task.hash },
    onResult: (result) => send({ result }),
  }).catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    send({ error: { message: err.message, ...(err.stack ? { stack: err.stack } : {}) } });
    port.close();
  });
});
send({ ready: true });
