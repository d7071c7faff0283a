/**
 * The drill's steps as the strategies compose them (`@parity/dr`'s `FailoverDrillSteps` and
 * `FailbackDrillSteps`), bound to one drill's context. Which of them run, and in what order, is
 * the pair's strategy's to say.
 */
import type { FailbackDrillSteps, FailoverDrillSteps } from '@parity/dr';
import type { DrillContext } from '../context.js';
import { completeInPlace, completeKeepingRestore, restoreRoles } from './failback/complete.js';
import { reprotectAsReplica, reprotectWithBackupCopies } from './failback/reprotect.js';
import { switchOverByPromotion, switchOverBySnapshot } from './failback/switchover.js';
import { verifyFailback } from './failback/verify.js';
import { copyLatest } from './failover/copy.js';
import { complete, promote, restore } from './failover/failover-step.js';
import { declareLoss, writeMarker } from './failover/marker.js';
import { applyStandby, type Standby } from './failover/standby.js';
import { produceMessages, replayMessages } from './queues/replay.js';
import type { Values } from './values.js';

/** `standby`: the standby's apply if the drill began it during the primary's (drill.ts). */
export function failoverSteps(ctx: DrillContext, standby?: Standby): FailoverDrillSteps<Values> {
  return {
    applyStandby: (primary) => applyStandby(ctx, primary, standby),
    writeMarker: (primary) => writeMarker(ctx, primary),
    declareLoss: (primary, marker) => declareLoss(ctx, primary, marker),
    copyLatest: (primary, marker) => copyLatest(ctx, primary, marker),
    restore: (primary, marker, loss, copy) => restore(ctx, primary, marker, loss, copy),
    promote: (primary, standby, marker, loss) => promote(ctx, primary, standby, marker, loss),
    complete: (promoted) => complete(ctx, promoted),
    produceMessages: (primary) => produceMessages(ctx, primary),
    replayMessages: (recovered, produced) => replayMessages(ctx, recovered, produced),
  };
}

export function failbackSteps(ctx: DrillContext): FailbackDrillSteps<Values> {
  return {
    reprotectAsReplica: (verified) => reprotectAsReplica(ctx, verified),
    reprotectWithBackupCopies: (verified) => reprotectWithBackupCopies(ctx, verified),
    switchOverByPromotion: (reprotected) => switchOverByPromotion(ctx, reprotected),
    switchOverBySnapshot: (reprotected) => switchOverBySnapshot(ctx, reprotected),
    completeInPlace: (switchedOver) => completeInPlace(ctx, switchedOver),
    completeKeepingRestore: (switchedOver) => completeKeepingRestore(ctx, switchedOver),
    restoreRoles: (completed) => restoreRoles(ctx, completed),
    verifyFailback: (restored) => verifyFailback(ctx, restored),
  };
}
