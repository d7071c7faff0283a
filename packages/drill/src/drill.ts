/**
 * `pnpm drill <dr-env>`: a regional failover practised for real, with real Terraform.
 *
 * The target is a moto server the drill starts and stops (default), a running one
 * (`--endpoint`), or real AWS (`--aws`). Everything is applied from a work folder under
 * `.parity/drills/` with a local backend: a drill never touches an environment's real state.
 * Each step is a function of steps.ts; the teardown and the report are teardown.ts.
 */
import { resolvePair } from '@parity/dr';
import type { DrillReport } from '@parity/model';
import { DrillRun, type DrillDeps, type DrillOptions } from './context.js';
import {
  applyDr,
  applyPrimary,
  applyStandby,
  checkPair,
  complete,
  copyLatest,
  declareLoss,
  measure,
  promote,
  reachTarget,
  verifyRecovery,
  writeMarker,
} from './steps/failover.js';
import { finish } from './steps/teardown.js';
import { completeFailback, reprotect, restoreRoles, switchover, verifyFailback } from './steps/failback.js';
import { completeBackups, reprotectBackups, restoreBack } from './steps/failback-restore.js';

/** A drill: the steps in order, then (always) the teardown and the report. Refusals throw before anything starts. */
export async function runDrill(opts: DrillOptions, deps: DrillDeps): Promise<DrillReport> {
  const pair = await resolvePair(opts.root, opts.drEnv);
  const run = DrillRun.open(opts, deps, pair);
  try {
    await reachTarget(run); //           moto, a running endpoint, or real AWS
    await checkPair(run); //             pnpm check of the pair
    await applyPrimary(run); //          the primary, from the project's own synth output
    if (run.strategy === 'backup-restore') await restoreDrill(run);
    else await replicaDrill(run);
    await verifyRecovery(run); //        through the AWS API
    await measure(run); //               RTO and RPO against the pair's policy
    if (run.opts.failback) await failbackDrill(run);
    run.settle();
  } catch (e) {
    run.settle(e);
  }
  return finish(run); //                teardown (or --keep), the report, the lock released
}

/** Backup & restore: nothing runs in the DR region until the failover restores it from the newest copy. */
async function restoreDrill(run: DrillRun): Promise<void> {
  await writeMarker(run); //             a snapshot with a known time and tag, a queue message
  await declareLoss(run); //             the recovery clock starts; the primary region is fenced
  await copyLatest(run); //              the copy the backup plan would have landed, with a DR key
  await applyDr(run); //                 failover.step restore, applied
}

/** Pilot light, warm standby: the replica runs in peacetime; the failover promotes it, then completes it. */
async function replicaDrill(run: DrillRun): Promise<void> {
  await applyStandby(run); //            the DR environment with its read replica and standby compute
  await writeMarker(run);
  await declareLoss(run);
  await promote(run); //                 failover.step promote: PromoteReadReplica and scale up
  await complete(run); //                failover.step complete: a full primary, in place
}

/** --failback: back to the primary region, as pnpm failback makes it, then the original roles. */
async function failbackDrill(run: DrillRun): Promise<void> {
  if (run.strategy === 'backup-restore') {
    await reprotectBackups(run); //      failback.step reprotect: the dr environment's backups also copied into the primary region
    await restoreBack(run); //           within the RPO, fence, snapshot, copy back, failback.step restore: the database re-created
    await completeBackups(run); //       both sections removed: the original roles, the restored database kept
    await verifyFailback(run); //        the primary region through the API; the failback measured
    return;
  }
  await reprotect(run); //               failback.step reprotect: the old primary replaced by a replica of the promoted one
  await switchover(run); //              within the RPO, fence the dr side, lag 0, failback.step promote
  await completeFailback(run); //        failback.step complete: a full primary, in place
  await restoreRoles(run); //            both sections removed: the dr environment a replica again
  await verifyFailback(run); //          both regions through the API; the failback measured
}
