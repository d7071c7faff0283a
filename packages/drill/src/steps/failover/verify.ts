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
import { measureData } from '../data.js';
import { pairOf } from './start.js';

/** 7. What the DR region holds, checked through the AWS API against the applied Terraform. */
export async function verifyRecovery(ctx: DrillContext, r: Recovered): Promise<Verified> {
  const { dr } = ctx.pair;
  return ctx.step('verify', async (s) => {
    const c = clients(dr.region, r.primary.endpoint, ctx.caller('verification'));
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

/**
 * RPO of the drill, from the data plane: the acknowledged commits missing after the recovery, in
 * rows and in seconds of writes (a restore: in the schedule's time, the seconds times the scale),
 * beside `pnpm check`'s worst case for the database and the policy's target.
 */
async function measureDataLoss(ctx: DrillContext, v: Verified): Promise<DrillReport['rpo']> {
  const pair = pairOf(v.primary.check, ctx.pair);
  const d = await measureData(v.primary.data);
  const db = (pair?.mechanisms ?? []).filter((m) => m.bundle === 'database');
  const dbWorst = db.length ? Math.min(...db.map((m) => m.rpoMinutes)) : undefined;
  const worst = dbWorst ?? pair?.rpo?.minutes;
  const target = ctx.pair.dr.dr.rpoMinutes;
  const restored = d.rpo.scheduleSeconds !== undefined;
  const seconds = d.rpo.scheduleSeconds ?? d.rpo.seconds;
  const lossAt = v.primary.data.loss?.at ?? v.loss.at.getTime();
  const m = measureRpo(new Date(lossAt - seconds * 1000), new Date(lossAt), target);
  const how = restored
    ? `${d.rpo.seconds.toFixed(3)} s of writes, ${Math.round(seconds)} s of the Terraform's schedule at ${d.rpo.scale}`
    : `${d.rpo.seconds.toFixed(3)} s of writes`;
  const bound = db.length ? db.map((x) => x.mechanism).join('; ') : 'see pnpm check';
  const pairWorst = pair?.rpo && pair.rpo.minutes !== worst ? `; the pair's worst case over every store is ${pair.rpo.minutes} min` : '';
  const beyond =
    worst !== undefined && m.measuredMinutes > worst
      ? ` The measured loss is beyond the computed worst case: the drill runs the schedule scaled${restored ? ` (${d.rpo.scale})` : ''}, so a second of shipping or replay lag on this machine counts as ${restored ? `${Math.round((seconds / Math.max(d.rpo.seconds, 0.001)) * 10) / 10} s` : '1 s'} of schedule; read it as the lag of the drill's machine, and drill again on a quieter one before acting on it.`
      : '';
  return {
    ...m,
    ...(worst !== undefined ? { worstCaseMinutes: worst } : {}),
    note: `RPO measured on the data plane (${v.primary.data.record.engine}): ${d.rpo.rows} of ${d.acknowledged} acknowledged commits missing after the ${d.how === 'promoted' ? 'promotion' : 'restore'} (${how}); ${d.checksums.verified} recovered rows, every checksum verified. pnpm check's worst case for the database: ${worst ?? '?'} min (${bound})${pairWorst}; the policy's target: ${target} min.${beyond}`,
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
    s.update('data plane: counting the rows that came back');
    report.rpo = await measureDataLoss(ctx, v);
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
