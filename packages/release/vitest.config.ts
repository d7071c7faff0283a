import { parityVitest } from '../suite/src/config.ts';

// A real registry, real builds and publishes, real installs and synth: the first release (every
// bundle built and published) takes about a minute on a 2-core machine, several when other
// work shares it. A wide margin, so that a busy machine is never taken for a failure: in `pnpm test`
// the drills' end-to-end files run beside these, and on CI's 2 cores the registry's start alone once
// took more than 5 minutes, and the first release 12 min 41 s (7 Dec 2026, of a 15-minute limit then).
export default parityVitest({ testTimeout: 1_800_000, hookTimeout: 1_800_000 });
