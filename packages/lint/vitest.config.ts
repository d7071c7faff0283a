import { parityVitest } from '../suite/src/config.ts';

// Parses the repository's shipped sources with the TypeScript compiler: seconds on a busy 2-core machine.
export default parityVitest({ testTimeout: 120_000 });
