/**
 * 2. The switchover back, as `pnpm failback` makes it, once the reverse copy is within the RPO:
 * the dr side's writers fenced, then either lag 0 and the replica in the primary region promoted
 * (a replica pair), or a snapshot taken after the fence, copied back and the production database
 * re-created from it (backup & restore). Nothing written before the fence is lost.
 */
import { type FailbackPlan, switchOver, type Switchover } from '@parity/dr';
import { drillOutcome, refuseOne } from '@parity/model';
import { switchOverData } from '../data.js';
import type { DrillContext, StepHandle } from '../../context.js';
import { stateResources } from '../../target/terraform.js';
import type { FailingBack, Reprotected, SwitchedOver } from '../values.js';
import { applyChange, optionsOf, plan, record, snapshotExists } from './plan.js';

/** The strategy's switchover of `p`, fencing the dr environment as the drill applied it. */
async function fencedSwitchover(ctx: DrillContext, s: StepHandle, p: FailbackPlan, back: FailingBack): Promise<Switchover> {
  const asApplied = { ...p, json: { ...p.json, drBefore: back.dr.json } };
  const sw = await switchOver(optionsOf(ctx, back), { log: (l) => s.update(l) }, asApplied, s.signal);
  if (!sw) {
    const fix = `the strategy's switchover runs at failback step ${p.step}: pnpm failback ${ctx.pair.dr.name} --dry-run shows the plan`;
    return refuseOne(
      drillOutcome(`(failback step ${p.step})`, `failback step ${p.step} made no switchover`, 'a fence and a switchover', fix),
    );
  }
  return sw;
}

/** A replica pair: reverse replica within the RPO, fence the dr side's writers, lag 0, then promote and scale up. */
export async function switchOverByPromotion(ctx: DrillContext, r: Reprotected): Promise<SwitchedOver> {
  const { primary, dr } = ctx.pair;
  return ctx.step('switchover', async (s) => {
    const rec = record(ctx);
    const { p, texts } = await plan(ctx, s, r, 'promote');
    rec.beforeFence = p.reverseText;
    s.update(`fencing ${dr.name}'s writers`);
    const sw = await fencedSwitchover(ctx, s, p, r);
    rec.fenced = [...sw.fenced];
    s.update('data plane: writes fenced, lag 0, the rebuilt standby promoted');
    rec.atSwitchover = `${sw.atSwitchover}; data plane: ${await switchOverData(ctx, r.verified.primary.data)}`;
    const applied = await applyChange(ctx, s, p, r, primary.name);
    rec.steps.push({ step: 'promote', detail: `fenced ${sw.fenced.join(', ') || 'nothing'}; promoted at ${rec.atSwitchover}` });
    s.note(`fenced ${sw.fenced.length} node group(s); ${rec.atSwitchover}; promoted and scaled up`);
    return { ...r, pair: p.change.pair, texts, primary: applied.work, value: 'switched-over' };
  });
}

/** Backup & restore: within the RPO (none on an emulator), fence the dr side, snapshot it, copy it back, re-create the primary's database from it. */
export async function switchOverBySnapshot(ctx: DrillContext, r: Reprotected): Promise<SwitchedOver> {
  const { primary, dr } = ctx.pair;
  const endpoint = r.verified.primary.endpoint;
  return ctx.step('switchover', async (s) => {
    const rec = record(ctx);
    const { p, texts } = await plan(ctx, s, r, 'restore');
    rec.beforeFence = p.reverseText;
    s.update(`fencing ${dr.name}'s writers, then the switchover snapshot`);
    const sw = await fencedSwitchover(ctx, s, p, r);
    const snap = sw.snapshot;
    const at = `(RDS ${primary.region})`;
    if (!snap)
      return refuseOne(drillOutcome(at, 'the switchover took no snapshot', 'a snapshot taken after the fence', 'read the switchover log'));
    for (const [region, x] of [
      [dr.region, snap.source],
      [primary.region, snap.copy],
    ] as const)
      if (x.DBSnapshotIdentifier) ctx.created.snapshots.push({ region, id: x.DBSnapshotIdentifier, ...(endpoint ? { endpoint } : {}) });
    rec.fenced = [...sw.fenced];
    s.update('data plane: writes fenced, the last WAL shipped, restored in the primary region');
    const data = await switchOverData(ctx, r.verified.primary.data);
    rec.atSwitchover = `snapshot ${snap.source.DBSnapshotArn} taken after the fence, copied as ${snap.copy.DBSnapshotArn} (key ${snap.copy.KmsKeyId}); data plane: ${data}`;
    const applied = await applyChange(ctx, s, p, r, primary.name);
    const replaceFix = `the procedure of failback step restore must -replace ${primary.name}'s database: pnpm failback ${dr.name} --dry-run`;
    if (!applied.replaced)
      refuseOne(
        drillOutcome(
          at,
          `failback step restore did not re-create ${primary.name}'s database (the procedure names no -replace)`,
          '-replace',
          replaceFix,
        ),
      );
    rec.replaced = [applied.replaced];
    const kept = applied.finalSnapshot ? await snapshotExists(primary.region, endpoint, applied.finalSnapshot) : false;
    const finalFix = "Terraform's delete of the old instance must keep its final snapshot: read the apply's log";
    if (!kept)
      refuseOne(
        drillOutcome(
          at,
          `the old database's final snapshot ${applied.finalSnapshot ?? '(none named)'} was NOT found in ${primary.region}`,
          'its final snapshot',
          finalFix,
        ),
      );
    const db = stateResources(applied.work.dir).find((x) => x.type === 'aws_db_instance');
    if (db?.values.snapshot_identifier !== p.snapshotId)
      refuseOne(drillOutcome(at, `${primary.name}'s database was not restored from ${p.snapshotId}`, String(p.snapshotId), replaceFix));
    const detail = `fenced ${sw.fenced.join(', ') || 'nothing'}; ${String(db?.values.arn)} re-created from ${p.snapshotId}; the old instance's final snapshot ${applied.finalSnapshot} kept`;
    rec.steps.push({ step: 'restore', detail });
    s.note(detail);
    return { ...r, pair: p.change.pair, texts, primary: applied.work, snapshot: snap, value: 'switched-over' };
  });
}
