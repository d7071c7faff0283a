import { beforeEach } from 'vitest';

/*
 * Every package's tests run this first (config.ts). Many tests run the command line, terraform or
 * synth synchronously (spawnSync), one after another. Vitest's
 * worker reports to the main process over messages each answered within 60 s, and a run of
 * synchronous tests never lets the worker read the answers: after 60 s of them (bad-input.test.ts
 * on a busy 2-core machine) vitest fails the run with "Timeout calling onTaskUpdate" although
 * every test passed. One turn of the event loop before each test reads them.
 */
beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
