import { parityVitest } from '../suite/src/config.ts';

// The e2e files run side by side (test:e2e): on a loaded 2-core machine, stamping the tests' fleet
// and starting moto in a beforeAll took more than 2 minutes (load average 46), so the hooks get 10.
export default parityVitest({ testTimeout: 300_000, hookTimeout: 600_000 });
