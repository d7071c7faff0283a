import { parityVitest } from '../suite/src/config.ts';

export default parityVitest({
  // Real terraform init/validate and real synth take seconds, not milliseconds.
  testTimeout: 300_000,
  hookTimeout: 120_000,
  // lets the worker answer vitest between synchronous tests (see the file)
  setupFiles: ['./vitest.setup.ts'],
});
