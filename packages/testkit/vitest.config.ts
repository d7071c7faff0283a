import { parityVitest } from '../suite/src/config.ts';

// Stamps the tests' fleet in child processes: eight launcher runs, seconds on an idle machine.
export default parityVitest({ testTimeout: 900_000 });
