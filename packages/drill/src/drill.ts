/**
 * `pnpm drill <dr-env>`: a regional failover practised for real, with real Terraform.
 *
 * The target is a moto server the drill starts and stops (default), a running one
 * (`--endpoint`), or real AWS (`--aws`). Everything is applied from a work folder under
 * `.parity/drills/` with a local backend: a drill never touches an environment's real state.
 * Each step is a function of steps.ts; the teardown and the report are teardown.ts.
 */
import { resolvePair } from './pair.js';
import type { DrillReport } from './report.js';
import { DrillRun, type DrillDeps, type DrillOptions } from './run.js';
import { applyDr, applyPrimary, checkPair, copyLatest, declareLoss, measure, reachTarget, verifyRecovery, writeMarker } from './steps.js';
import { finish } from './teardown.js';

/** A drill: the steps in order, then (always) the teardown and the report. Refusals throw before anything starts. */
export async function runDrill(opts: DrillOptions, deps: DrillDeps): Promise<DrillReport> {
  const run = DrillRun.open(opts, deps, await resolvePair(opts.root, opts.drEnv));
  try {
    await reachTarget(run); //       0. moto, a running endpoint, or real AWS
    await checkPair(run); //         1. pnpm check of the pair
    await applyPrimary(run); //      2. the primary, from the project's own synth output
    await writeMarker(run); //       3. a snapshot with a known time and tag, a queue message
    await declareLoss(run); //       4. the recovery clock starts; the primary region is fenced
    await copyLatest(run); //        5. the latest protected data into the DR region, with a DR key
    await applyDr(run); //           6. the DR environment, restored from it
    await verifyRecovery(run); //    7. through the AWS API
    await measure(run); //           8-9. RTO and RPO against the pair's policy
    run.settle();
  } catch (e) {
    run.settle(e);
  }
  return finish(run); //            10. teardown (or --keep), the report, the lock released
}
