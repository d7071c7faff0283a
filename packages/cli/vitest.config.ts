import { parityVitest } from '../suite/src/config.ts';

// Real terraform init/validate and real synth take seconds, not milliseconds.
export default parityVitest({ testTimeout: 300_000, hookTimeout: 120_000 });
