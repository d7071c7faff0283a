import { parityVitest } from '../suite/src/config.ts';

// Real synth loads cdktf and the provider bindings (seconds on a busy 2-core machine), and the
// worker-thread tests start threads that load them again: never vitest's 5 s default.
export default parityVitest({ testTimeout: 120_000 });
