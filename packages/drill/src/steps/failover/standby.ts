/**
 * Peacetime for a replica strategy: the dr environment applied with its read replica and its
 * standby compute. Its apply begins (`beginStandby`) as soon as the primary's database answers as
 * available, while the primary's apply still waits on the provider's RDS waiter; the step itself
 * starts when the primary's apply has ended and says how long the two overlapped.
 */
import { terraformOf } from '@parity/dr';
import { refuseOne } from '@parity/model';
import type { DrillContext, StepHandle, WorkCopy } from '../../context.js';
import { databaseAvailable } from '../../target/database-ready.js';
import { stateResources } from '../../target/terraform.js';
import { applyWorkCopy, prepare } from '../../target/work-copy.js';
import type { PrimaryApplied, StandbyApplied, Target } from '../values.js';
import { startDataStandby } from '../data.js';
import { stateLacks } from '../outcomes.js';

/** The standby's apply, begun before its step: `attach` hands it the step that shows it; `done` settles with it. */
export interface Standby {
  readonly done: Promise<{ readonly w: WorkCopy; readonly startedAt: Date }>;
  attach(s: StepHandle): void;
}

/**
 * Begin the standby's apply once the primary's database is available (a read replica needs an
 * available source and nothing else of the primary). Until its step starts, its progress is not
 * shown and its notes are kept.
 */
export function beginStandby(ctx: DrillContext, target: Target, signal: AbortSignal): Standby {
  const { dr, primary } = ctx.pair;
  let step: StepHandle | undefined;
  const notes: string[] = [];
  const handle: StepHandle = {
    note: (d) => (step ? step.note(d) : void notes.push(d)),
    update: (t) => step?.update(t),
    signal,
  };
  const done = (async () => {
    const w = prepare(ctx, target.endpoint, dr, await terraformOf(ctx.root, dr));
    await databaseAvailable(() => ctx.created.workCopies.get(primary.name)?.json, primary.region, {
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      signal,
      pauseMs: ctx.emulated ? 1000 : 30_000,
    });
    const startedAt = ctx.now();
    await applyWorkCopy(ctx, w, handle);
    return { w, startedAt };
  })();
  // a failure surfaces in the standby's step (or the primary's stops it); until then it is no unhandled rejection
  done.catch(() => undefined);
  return {
    done,
    attach(s) {
      step = s;
      for (const n of notes.splice(0)) s.note(n);
    },
  };
}

export async function applyStandby(ctx: DrillContext, p: PrimaryApplied, begun?: Standby): Promise<StandbyApplied> {
  const { dr, primary } = ctx.pair;
  return ctx.step('apply-standby', async (s) => {
    const primaryEnded = ctx.now();
    s.update('synth');
    const standby = begun ?? beginStandby(ctx, p, s.signal);
    standby.attach(s);
    const { w, startedAt } = await standby.done;
    const overlap = Math.round((primaryEnded.getTime() - startedAt.getTime()) / 1000);
    const applied = ctx.rec('apply-standby').detail;
    const data = await startDataStandby(ctx, s, p.data, w.json);
    s.note(
      `${applied}${overlap > 0 ? `; begun ${overlap} s before ${primary.name}'s apply ended, once its database was available` : ''}; data plane: ${data}`,
    );
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
