import { parityVitest } from '../suite/src/config.ts';

// Stamping the test fleet (fleetWorkspace) and synthesizing a pair take minutes on a busy 2-core
// machine. failback/command.test.ts runs the command line synchronously: the shared setup turns the
// event loop before each test.
export default parityVitest({ testTimeout: 300_000, hookTimeout: 600_000 });
