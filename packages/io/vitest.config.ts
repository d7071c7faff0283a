import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Starts real processes (node, terraform): seconds on a busy 2-core machine.
    testTimeout: 60_000,
  },
});
