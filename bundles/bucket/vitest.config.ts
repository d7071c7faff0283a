import { parityVitest } from '../../packages/suite/src/config.ts';

// These tests synthesize real stacks (cdktn and the provider bindings load in seconds on a
// busy 2-core machine): an explicit, wide timeout instead of vitest's 5 s default.
export default parityVitest({ testTimeout: 60_000, hookTimeout: 60_000 });
