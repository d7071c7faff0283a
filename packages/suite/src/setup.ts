import { beforeEach } from 'vitest';

/*
 * Every package's tests run this first (config.ts). Vitest's worker reports to the main process over
 * messages each answered within 60 s; a worker whose thread is blocked never reads the answers, and
 * after 60 s vitest fails the run with "Timeout calling onTaskUpdate" although every test passed.
 * So the command line runs asynchronously in tests (@parity/testkit's `parity`: CI saw a blocked
 * `parity report` of the fleet trip it), and one turn of the event loop before each test reads
 * whatever answers the short synchronous work between two tests (in-process synth) left waiting.
 */
beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
