import { parityVitest } from '../suite/src/config.ts';

// A real registry, real builds and publishes, real installs and synth: the first release (every
// bundle built and published) takes about a minute on a 2-core machine, several when other
// work shares it. A wide margin, so that a busy machine is never taken for a failure: in `pnpm test`
// the drills' end-to-end files run beside these, and on CI's 2 cores the registry's start alone once
// took more than 5 minutes.
export default parityVitest({ testTimeout: 900_000, hookTimeout: 900_000 });
