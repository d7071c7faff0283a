import { parityVitest } from './src/config.ts';

// runs vitest itself in a throwaway package: seconds on a busy 2-core machine
export default parityVitest({ testTimeout: 120_000 });
