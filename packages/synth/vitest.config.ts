import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real synth loads cdktf and the provider bindings (seconds on a busy 2-core machine), and the
    // worker-thread tests start threads that load them again: never vitest's 5 s default.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
