import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // stamping the test fleet (fleetWorkspace) and synthesizing a pair take minutes on a busy 2-core machine
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // failback/command.test.ts runs the command line synchronously: let the worker answer vitest between tests
    setupFiles: ['./vitest.setup.ts'],
  },
});
