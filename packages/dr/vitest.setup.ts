import { beforeEach } from 'vitest';

/*
 * failback/command.test.ts runs the command line synchronously (spawnSync), one after another; a run
 * of them never lets vitest's worker read its messages and fails with "Timeout calling onTaskUpdate"
 * on a busy machine (packages/cli/vitest.setup.ts says more). One turn of the event loop before
 * each test reads them.
 */
beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
