import { parityVitest } from '../suite/src/config.ts';

// These tests synthesize real stacks (cdktf and the provider bindings load in seconds on a
// busy 2-core machine; parity init took 107 s at load average 55): an explicit, wide timeout.
export default parityVitest({ testTimeout: 300_000 });
