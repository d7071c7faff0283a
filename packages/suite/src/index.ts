export { E2E_FILES, parityVitest, type SuiteOptions } from './config.js';
export {
  type FileTiming,
  formatSeconds,
  formatSlowest,
  type ProjectTimings,
  type RankedFile,
  readTimings,
  slowest,
  TIMINGS_DIR,
  Timings,
  workspaceDirs,
} from './timings.js';
