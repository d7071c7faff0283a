export { DrillContext, type DrillDeps, type DrillOptions, type DrillTargetOption, type TerraformOps } from './context.js';
export { runDrill } from './drill.js';
export { duration } from './report/metrics.js';
export { terminalProgress } from './report/progress.js';
