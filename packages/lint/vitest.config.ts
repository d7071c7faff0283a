import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Parses the repository's shipped sources with the TypeScript compiler: seconds on a busy 2-core machine.
    testTimeout: 120_000,
  },
});
