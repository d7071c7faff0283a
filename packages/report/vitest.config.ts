import { parityVitest } from '../suite/src/config.ts';

export default parityVitest({ testTimeout: 120_000 });
