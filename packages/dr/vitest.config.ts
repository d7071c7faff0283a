import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // failback/command.test.ts runs the command line synchronously: let the worker answer vitest between tests
    setupFiles: ['./vitest.setup.ts'],
  },
});
