import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A real registry, real builds and publishes, real installs and synth: seconds, not milliseconds.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
