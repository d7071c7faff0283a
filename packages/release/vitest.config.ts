import { parityVitest } from '../suite/src/config.ts';

// A real registry, real builds and publishes, real installs and synth: the first release (every
// bundle built and published) takes about a minute on a 2-core machine, several when other
// work shares it. A wide margin, so that a busy machine is never taken for a failure.
export default parityVitest({ testTimeout: 600_000, hookTimeout: 300_000 });
