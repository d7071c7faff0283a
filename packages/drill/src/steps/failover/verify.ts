/**
 * 7-9. What the DR region holds, checked through the AWS API against the applied Terraform (the
 * recovery clock stops), then RTO and RPO measured against the pair's targets.
 */
import { clients } from '@parity/dr/aws';
import { type DrillReport, refuseOne, targetBreached, verificationFailed } from '@parity/model';
import type { DrillContext } from '../../context.js';
import { rpo as measureRpo, rto as measureRto } from '../../report/metrics.js';
import { verifyDr } from '../verification.js';
import type { Recovered, Verified } from '../values.js';
import { pairOf } from './start.js';

/** 7. What the DR region holds, checked through the AWS API against the applied Terraform. */
export async function verifyRecovery(ctx: DrillContext, r: Recovered): Promise<Verified> {
  const { dr } = ctx.pair;
  return ctx.step('verify', async (s) => {
    const c = clients(dr.region, r.primary.endpoint);
    try {
      const checks = await verifyDr({
        json: r.failedOver.dr.json,
        region: dr.region,
        clients: c,
        ...(r.copy ? { copy: r.copy } : {}),
        sourceStaysAfterPromotion: ctx.emulated,
        markerId: r.marker.id,
        ...(r.marker.queueAddress ? { markerQueueAddress: r.marker.queueAddress } : {}),
        signal: s.signal,
      });
      ctx.report.verification.push(...checks);
      const failed = checks.filter((x) => !x.ok);
      if (failed.length) refuseOne(verificationFailed(dr.region, failed, checks.length));
      const verifiedAt = ctx.now();
      ctx.report.verifiedAt = verifiedAt.toISOString();
      s.note(`${checks.length} checks passed`);
      return { ...r, value: 'verified', verifiedAt };
    } finally {
      c.destroy();
    }
  });
}

/** RPO of the drill: a restore's data age at the loss; a replica's lag at the loss, when the target reports one. */
function measureDataLoss(ctx: DrillContext, v: Verified): DrillReport['rpo'] {
  const pair = pairOf(v.primary.check, ctx.pair);
  const bound = pair?.rpo
    ? `${pair.rpo.minutes} min (${pair.rpo.drivers.map((d) => `${d.bundle}: ${d.mechanism}`).join('; ')})`
    : 'see pnpm check';
  const worst = pair?.rpo ? { worstCaseMinutes: pair.rpo.minutes } : {};
  const target = ctx.pair.dr.dr.rpoMinutes;
  if (v.copy) {
    const marker = v.marker.snapshot;
    const dataAt = new Date(
      v.copy.OriginalSnapshotCreateTime ?? marker.OriginalSnapshotCreateTime ?? marker.SnapshotCreateTime ?? v.loss.at,
    );
    const m = measureRpo(dataAt, v.loss.at, target);
    return {
      ...m,
      ...worst,
      note: `RPO of this drill: the restored snapshot was taken ${m.measuredSeconds} s before the loss. The worst case is bounded by the protection schedule: ${bound}.`,
    };
  }
  if (v.lagAtLoss === undefined) return undefined;
  const m = measureRpo(new Date(v.loss.at.getTime() - Number(v.lagAtLoss) * 1000), v.loss.at, target);
  return {
    ...m,
    ...worst,
    note: `RPO of this drill: the replica's lag at the loss (CloudWatch ReplicaLag). The worst case is bounded by ${bound}.`,
  };
}

/** 8-9. The clock stops; RTO and RPO against the pair's targets. */
export async function measure(ctx: DrillContext, v: Verified): Promise<Verified> {
  const { primary, dr } = ctx.pair;
  const { report } = ctx;
  return ctx.step('measure', async (s) => {
    const pair = pairOf(v.primary.check, ctx.pair);
    const rtoM = measureRto(v.loss.at, v.verifiedAt, dr.dr.rtoMinutes);
    const storage = primary.bundles.find((b) => b.name === 'database')?.params.storageGb ?? '?';
    const cutOver = 'Cut-over (DNS, smoke tests) is not part of the drill.';
    const real = v.copy ? `a real restore of ${storage} GiB takes far longer` : 'a real promotion and scale-up take minutes';
    report.rto = {
      ...rtoM,
      note: ctx.emulated
        ? `RTO measured on an emulator: it is the time of the drill's own steps and the provider's waiters, not of AWS (${real}; pnpm check estimates ${pair?.rto?.minutes ?? '?'} min). ${cutOver}`
        : cutOver,
    };
    report.rpo = measureDataLoss(ctx, v);
    const rpoM = report.rpo;
    const rpoText = rpoM
      ? `RPO ${rpoM.measuredMinutes} min (target ${rpoM.targetMinutes})`
      : 'RPO not measurable here (no replica lag reported)';
    s.note(`RTO ${rtoM.measuredMinutes} min (target ${rtoM.targetMinutes}), ${rpoText}`);
    const breached = [
      !rtoM.met && `RTO ${rtoM.measuredMinutes} min breaches the ${rtoM.targetMinutes} min target`,
      rpoM && !rpoM.met && `RPO ${rpoM.measuredMinutes} min breaches the ${rpoM.targetMinutes} min target`,
    ].filter((b): b is string => !!b);
    if (breached.length) refuseOne(targetBreached(dr.dr.policy, breached));
    return v;
  });
}
