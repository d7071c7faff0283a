/**
 * 3-4. The failback's end, as `pnpm failback` makes it: the promoted database a full primary in
 * place, then both sections removed and the dr database a replica again (a replica pair); or both
 * sections removed at once, the restored database kept (backup & restore). Either way the
 * manifests end byte for byte as before the failover, apart from the history comment.
 */
import { drillOutcome, refuseOne } from '@parity/model';
import type { DrillContext } from '../../context.js';
import { stateResources } from '../../target/terraform.js';
import type { WorkCopy } from '../../context.js';
import { databaseReplaced, stillPlanned } from '../outcomes.js';
import type { FailbackCompleted, RolesRestored, SwitchedOver } from '../values.js';
import { applyChange, checkManifestsRestored, plan, record } from './plan.js';

const dbArn = (w: WorkCopy) => stateResources(w.dir).find((r) => r.type === 'aws_db_instance')?.values.arn;

/** A replica pair, failback step complete: the promoted database a full primary, in place. */
export async function completeInPlace(ctx: DrillContext, sw: SwitchedOver): Promise<FailbackCompleted> {
  const { primary } = ctx.pair;
  return ctx.step('failback-complete', async (s) => {
    const before = dbArn(sw.primary);
    const { p, texts } = await plan(ctx, s, sw, 'complete');
    const { work } = await applyChange(ctx, s, p, sw, primary.name);
    const after = dbArn(work);
    if (before !== after) refuseOne(databaseReplaced(ctx, work, 'failback step complete', before, after));
    record(ctx).steps.push({ step: 'complete', detail: `${String(after)} a full primary, modified in place` });
    s.note(`${String(after)} completed in place`);
    return { ...sw, pair: p.change.pair, texts, primary: work, value: 'completed' };
  });
}

/** Backup & restore, failback step complete: both sections removed; the restored database kept (not replaced), nothing replaced pending. */
export async function completeKeepingRestore(ctx: DrillContext, sw: SwitchedOver): Promise<RolesRestored> {
  const { primary } = ctx.pair;
  return ctx.step('failback-complete', async (s) => {
    const rec = record(ctx);
    const before = dbArn(sw.primary);
    const { p, texts } = await plan(ctx, s, sw, 'complete');
    const { work } = await applyChange(ctx, s, p, sw, primary.name);
    const after = dbArn(work);
    if (before !== after) refuseOne(databaseReplaced(ctx, work, 'leaving failback step restore', before, after));
    s.update(`terraform plan ${primary.name}: the database not replaced`);
    const pending = await ctx.terraform.pendingChanges(work.dir, ctx.tfCtx(s.signal), primary.name);
    const db = pending.filter((x) => x.address.startsWith('aws_db_instance.') && /replaced|destroyed/.test(x.action));
    if (db.length) refuseOne(stillPlanned(ctx, work, `${primary.name}'s plan still replaces`, db));
    checkManifestsRestored(ctx, p, rec);
    const left = pending.map((x) => `${x.address} ${x.action}`).join(', ');
    const detail = `${String(after)} kept as restored (snapshot_identifier read at creation only); terraform plan after the apply ${left ? `still lists ${left} (drift the emulator leaves; the database is not replaced)` : 'shows nothing pending'}; manifests as before the failover, apart from the history comment`;
    rec.steps.push({ step: 'complete', detail });
    s.note(detail);
    return { ...sw, pair: p.change.pair, texts, primary: work, value: 'roles-restored' };
  });
}

/** A replica pair, the original roles: both sections removed, the dr database a replica of the primary's again (replaced). */
export async function restoreRoles(ctx: DrillContext, c: FailbackCompleted): Promise<RolesRestored> {
  const { primary, dr } = ctx.pair;
  return ctx.step('restore-roles', async (s) => {
    const rec = record(ctx);
    const { p, texts } = await plan(ctx, s, c, 'restore');
    const { replaced, work } = await applyChange(ctx, s, p, c, dr.name);
    if (replaced) rec.replaced = [...(rec.replaced ?? []), replaced];
    const d = p.change.files.find((f) => f.env === primary.name)?.diff;
    if (d && d.added.length + d.changed.length + d.removed.length > 0) {
      const fix = `${primary.name}'s manifest must be as before the failover: compare it with git diff`;
      refuseOne(
        drillOutcome(
          `environments/${primary.name}/environment.yaml`,
          `${primary.name}'s Terraform changes when its failback section goes: ${JSON.stringify(d)}`,
          'no difference by address',
          fix,
        ),
      );
    }
    s.update(`terraform plan ${primary.name}: nothing pending`);
    const pending = await ctx.terraform.pendingChanges(c.primary.dir, ctx.tfCtx(s.signal), primary.name);
    checkManifestsRestored(ctx, p, rec);
    const plan2 = pending.length
      ? `terraform plan against ${ctx.emulated ? 'the emulator' : 'AWS'} still lists ${pending.map((x) => x.address).join(', ')}, not checked against a baseline`
      : 'terraform plan: nothing pending';
    const detail = `${replaced ?? dr.name} replaced by a replica of ${primary.name}'s database; ${primary.name}'s Terraform unchanged (no difference by address; ${plan2}); manifests as before the failover, apart from the history comment`;
    rec.steps.push({ step: 'restore', detail });
    s.note(detail);
    return { ...c, pair: p.change.pair, texts, dr: work, value: 'roles-restored' };
  });
}
