/**
 * @parity/drill: `pnpm drill`, the practice harness. What the command line uses: the drill, its
 * options and target, and how its progress and durations are shown.
 */
export type { DrillDeps, DrillOptions, DrillTargetOption } from './context.js';
export { runDrill } from './drill.js';
export { duration } from './report/metrics.js';
export { terminalProgress } from './report/progress.js';
