/**
 * 6-7. The failover itself, one `failover.step` at a time, exactly as `pnpm failover` makes it:
 * the recovery point found in the DR region, the `failover:` section and its comment in the
 * manifest text (kept in memory: a drill never writes the manifest), synthesized and applied in
 * the dr environment's work folder. Backup & restore takes one (restore); a replica two (promote,
 * then complete).
 */
import {
  describePoint,
  type FailoverStep,
  type FailoverStepChange,
  failoverStepChange,
  type Pair,
  type RecoveryPoint,
  terraformOf,
} from '@parity/dr';
import { clients } from '@parity/dr/aws';
import { drillOutcome, manifestFile, refuseOne } from '@parity/model';
import { placedResources, type TerraformJson } from '@parity/model/terraform';
import type { DrillContext, StepHandle } from '../../context.js';
import { resizedNodeGroups } from '../../target/emulator.js';
import { type PendingChange, stateResources } from '../../target/terraform.js';
import { applyWorkCopy, prepare } from '../../target/work-copy.js';
import type { WorkCopy } from '../../context.js';
import { databaseReplaced, stillPlanned } from '../outcomes.js';
import { promoteData, restoreData } from '../data.js';
import type { Copy, FailedOver, Loss, Marker, PrimaryApplied, Promoted, Recovered, StandbyApplied } from '../values.js';

/** Where a failover step starts: the pair as the failover has left it, its manifest text, the dr environment as applied. */
interface Before {
  readonly pair: Pair;
  readonly text?: string;
  readonly dr?: WorkCopy;
}

/** Run `work` now; its result (or its error) is awaited later, and an error meanwhile is not unhandled. */
function settled<T>(work: Promise<T>): () => Promise<T> {
  work.catch(() => undefined);
  return () => work;
}

/** One step of the failover as `pnpm failover` makes it, applied; refused when the failover's next step is another. */
async function failoverStep(
  ctx: DrillContext,
  s: StepHandle,
  p: PrimaryApplied,
  before: Before,
  expected: FailoverStep,
): Promise<{ point: RecoveryPoint; failedOver: FailedOver }> {
  const { pair } = before;
  s.update('finding the recovery point in the DR region');
  const drJson = before.dr?.json ?? (await terraformOf(ctx.root, pair.dr));
  const c = clients(pair.dr.region, p.endpoint, ctx.caller('pnpm failover: find the recovery point'));
  const why = {
    reason: `drill ${ctx.stamp}: ${pair.primary.region} declared lost`,
    declaredBy: 'pnpm drill',
    ...(before.text ? { before: before.text } : {}),
  };
  let made: FailoverStepChange;
  try {
    made = await failoverStepChange(pair, { clients: c, primaryJson: p.primary.json, drJson }, ctx.now(), why);
  } finally {
    c.destroy();
  }
  const { step, point, change } = made;
  if (step !== expected) refuseOne(outOfOrder(pair, step, expected));
  const section = change.section;
  ctx.report.failover = [
    ...(ctx.report.failover ?? []),
    { step, from: section.from, ...(section.snapshot ? { snapshot: section.snapshot } : {}) },
  ];
  const dr = prepare(ctx, p.endpoint, pair.dr, change.json as TerraformJson);
  const resized = ctx.emulated && before.dr ? resizedNodeGroups(before.dr.json, dr.json) : [];
  if (resized.length)
    ctx.observed.emulatorQuirks.push(`node groups resized by replacement (moto has no DescribeUpdate): ${resized.join(', ')}`);
  await applyWorkCopy(ctx, dr, s, resized);
  return { point, failedOver: { pair: change.pair, text: change.after, dr } };
}

/** A failover step the manifest is not at (the dr manifest already holds a failover section). */
function outOfOrder(pair: Pair, step: FailoverStep, expected: FailoverStep) {
  const file = manifestFile(pair.dr.name);
  return drillOutcome(
    file,
    `the failover's next step is ${step}, not ${expected}`,
    `failover.step ${expected} next`,
    `a drill starts from peacetime: remove the failover section from ${file} (pnpm failback ${pair.dr.name} returns a real failover)`,
  );
}

/** 6. Backup & restore: the failover restores the dr environment from the newest copy in its region (the drill's). */
export async function restore(ctx: DrillContext, p: PrimaryApplied, marker: Marker, loss: Loss, copy: Copy): Promise<Recovered> {
  return ctx.step('apply-dr', async (s) => {
    // the data plane's restore runs beside the control plane's apply, as the database restore does beside the rest
    const restoring = settled(restoreData(p.data));
    const { point, failedOver } = await failoverStep(ctx, s, p, { pair: ctx.pair }, 'restore');
    const copyId = copy.snapshot.DBSnapshotIdentifier ?? '';
    const file = `${ctx.rel(failedOver.dr.dir)}/main.tf.json`;
    if (point.kind !== 'snapshot' || point.restoreFrom !== copyId) {
      const found = point.kind === 'snapshot' ? point.restoreFrom : 'a replica';
      const fix = 'a newer snapshot of the database appeared in the DR region during the drill: drill again';
      refuseOne(
        drillOutcome(file, `the failover found ${found} as the newest recovery point, not the drill's copy ${copyId}`, copyId, fix),
      );
    }
    if (!placedResources(failedOver.dr.json, 'aws_db_instance').some((d) => d.body.snapshot_identifier === copyId)) {
      const fix = `failover.step restore must set database.restoreFromSnapshot: pnpm check ${ctx.pair.dr.name}`;
      refuseOne(drillOutcome(file, `the synthesized ${ctx.pair.dr.name} does not restore its database from ${copyId}`, copyId, fix));
    }
    const db = stateResources(failedOver.dr.dir).find((r) => r.type === 'aws_db_instance');
    ctx.report.recovery = { ...ctx.report.recovery, restoredInstanceArn: db?.values.arn as string | undefined };
    s.update('data plane: restoring the newest base backup and the shipped WAL');
    const data = await restoring();
    s.note(`${ctx.rec('apply-dr').detail ?? ''}; data plane: ${data.from}`);
    return { value: 'recovered', primary: p, marker, loss, failedOver, copy: copy.snapshot };
  });
}

/** 6. A replica: promote it and scale up (failover.step promote), the first of two applies. */
export async function promote(
  ctx: DrillContext,
  p: PrimaryApplied,
  standby: StandbyApplied,
  marker: Marker,
  loss: Loss,
): Promise<Promoted> {
  const rpo = ctx.pair.dr.dr.rpoMinutes;
  return ctx.step('promote', async (s) => {
    const promoting = settled(promoteData(p.data));
    const { point, failedOver } = await failoverStep(ctx, s, p, { pair: ctx.pair, dr: standby.dr }, 'promote');
    ctx.report.recovery = { ...ctx.report.recovery, replicaAtLoss: describePoint(point, loss.at, rpo) };
    const stillReplica = stateResources(failedOver.dr.dir).some((r) => r.type === 'aws_db_instance' && r.values.replicate_source_db);
    // moto keeps ReadReplicaSourceDBInstanceIdentifier after PromoteReadReplica: the refreshed state still names the source
    s.note(
      `${describePoint(point, loss.at, rpo)}; promoted${stillReplica ? ' (the state read back still names the source: the emulator keeps it)' : ''}`,
    );
    s.update('data plane: promoting the standby');
    const data = await promoting();
    s.note(`${ctx.rec('promote').detail ?? ''}; data plane: ${data.from}, lag at the loss ${data.lagAtLossSeconds ?? '?'} s`);
    const lagAtLoss = point.kind === 'replica' ? point.lagSeconds : undefined;
    const lag = lagAtLoss !== undefined ? { lagAtLoss } : {};
    return { value: 'promoted', primary: p, marker, loss, failedOver, baseline: standby.baseline, ...lag };
  });
}

/** 7. A replica: the promoted database made a full primary (failover.step complete), in place; then what Terraform still plans. */
export async function complete(ctx: DrillContext, promoted: Promoted): Promise<Recovered> {
  const { dr } = ctx.pair;
  return ctx.step('complete', async (s) => {
    const arn = (w: WorkCopy) => stateResources(w.dir).find((r) => r.type === 'aws_db_instance')?.values.arn;
    const before = arn(promoted.failedOver.dr);
    const { failedOver } = await failoverStep(ctx, s, promoted.primary, promoted.failedOver, 'complete');
    const after = arn(failedOver.dr);
    if (before !== after) refuseOne(databaseReplaced(ctx, failedOver.dr, 'completing the failover', before, after));
    s.update('terraform plan: what is still pending');
    const pending = await ctx.terraform.pendingChanges(failedOver.dr.dir, ctx.tfCtx(s.signal), dr.name);
    ctx.observed.pending = { before: promoted.baseline, after: pending };
    const unexpected = leftPending(pending, promoted.baseline, ctx.emulated);
    if (unexpected.length) refuseOne(stillPlanned(ctx, failedOver.dr, 'after the failover Terraform still plans', unexpected));
    s.note(
      `${String(after)} promoted and completed in place; ${pending.length ? `pending only what the emulator leaves: ${pending.map((x) => x.address).join(', ')}` : 'nothing pending'}`,
    );
    const { baseline: _, ...rest } = promoted;
    return { ...rest, value: 'recovered', failedOver };
  });
}

/** What the failover leaves pending that was not already pending before it (on the emulator: beyond moto's own residue). */
export function leftPending(pending: readonly PendingChange[], baseline: readonly PendingChange[], emulated: boolean): PendingChange[] {
  if (!emulated) return [...pending];
  const before = new Map(baseline.map((b) => [b.address, b]));
  // moto keeps ReadReplicaSourceDBInstanceIdentifier after the promotion: the database's replicate_source_db never clears there
  const allowed = (p: PendingChange) => [
    ...(before.get(p.address)?.attributes ?? []),
    ...(p.address.startsWith('aws_db_instance.') ? ['replicate_source_db'] : []),
  ];
  const sameAction = (p: PendingChange) => before.get(p.address)?.action === p.action || p.address.startsWith('aws_db_instance.');
  return pending.filter((p) => !(sameAction(p) && p.attributes.every((a) => allowed(p).includes(a))));
}
