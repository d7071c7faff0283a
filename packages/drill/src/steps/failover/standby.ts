/** Peacetime for a replica strategy: the dr environment applied with its read replica and its standby compute. */
import { terraformOf } from '@parity/dr';
import { refuseOne } from '@parity/model';
import type { DrillContext } from '../../context.js';
import { stateResources } from '../../target/terraform.js';
import { applyWorkCopy, prepare } from '../../target/work-copy.js';
import type { PrimaryApplied, StandbyApplied } from '../values.js';
import { startDataStandby } from '../data.js';
import { stateLacks } from '../outcomes.js';

export async function applyStandby(ctx: DrillContext, p: PrimaryApplied): Promise<StandbyApplied> {
  const { dr } = ctx.pair;
  return ctx.step('apply-standby', async (s) => {
    s.update('synth');
    const json = await terraformOf(ctx.root, dr);
    const w = prepare(ctx, p.endpoint, dr, json);
    await applyWorkCopy(ctx, w, s);
    const applied = ctx.rec('apply-standby').detail;
    s.note(`${applied}; data plane: ${await startDataStandby(ctx, s, p.data, json)}`);
    const replica = stateResources(w.dir).find((r) => r.type === 'aws_db_instance' && r.values.replicate_source_db);
    const fix = `is its policy's strategy ${dr.dr.strategy} in its Terraform? (pnpm check ${dr.name})`;
    if (!replica) refuseOne(stateLacks(ctx, w.dir, dr.name, 'read replica after the apply', fix));
    ctx.report.recovery = { replicaArn: replica.values.arn as string };
    if (!ctx.emulated) return { value: 'standby', dr: w, baseline: [] };
    // what the emulator leaves pending with no change at all (attributes it does not keep): the baseline of the failover's plan
    s.update('terraform plan: what the emulator leaves pending');
    return { value: 'standby', dr: w, baseline: await ctx.terraform.pendingChanges(w.dir, ctx.tfCtx(s.signal), dr.name) };
  });
}
