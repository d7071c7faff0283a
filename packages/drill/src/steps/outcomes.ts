/**
 * What stops a drill step whose result is not what the step must leave: the refusal names the
 * work folder's file to read (its state, its log) and what the step needed.
 */
import { drillOutcome } from '@parity/model';
import type { DrillContext } from '../context.js';
import type { PendingChange } from '../target/terraform.js';
import type { WorkCopy } from '../context.js';

/** A state file lacks what the step's apply must have made. */
export function stateLacks(ctx: DrillContext, dir: string, env: string, what: string, fix?: string) {
  return drillOutcome(
    `${ctx.rel(dir)}/terraform.tfstate`,
    `${env}'s state holds no ${what}`,
    what,
    fix ?? `read the apply's log (${ctx.rel(dir)}/terraform.log): ${env}'s Terraform must create it`,
  );
}

/** A step that must modify the database in place replaced it. */
export function databaseReplaced(ctx: DrillContext, w: WorkCopy, what: string, before: unknown, after: unknown) {
  return drillOutcome(
    `${ctx.rel(w.dir)}/terraform.tfstate`,
    `${what} replaced the database (${String(before)} → ${String(after)}): it must be modified in place`,
    String(before),
    `read the plan of the step (${ctx.rel(w.dir)}/terraform.log): an argument AWS cannot change in place changed`,
  );
}

/** Terraform still plans changes after a step's last apply. */
export function stillPlanned(ctx: DrillContext, w: WorkCopy, what: string, pending: readonly PendingChange[]) {
  return drillOutcome(
    `${ctx.rel(w.dir)}/terraform.log`,
    `${what}: ${pending.map((p) => `${p.address} ${p.action} (${p.attributes.join(', ')})`).join('; ')}`,
    'nothing pending',
    `terraform -chdir=${ctx.rel(w.dir)} plan shows each change: the step's Terraform and the state disagree`,
  );
}
