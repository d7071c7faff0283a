import { parityVitest } from '../suite/src/config.ts';

// Starts real processes (node, terraform): seconds on a busy 2-core machine.
export default parityVitest({ testTimeout: 60_000 });
