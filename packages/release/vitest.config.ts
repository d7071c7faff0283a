import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A real registry, real builds and publishes, real installs and synth: the first release (every
    // bundle built and published) takes about a minute on a 2-core machine, several when other
    // work shares it. A wide margin, so that a busy machine is never taken for a failure.
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
