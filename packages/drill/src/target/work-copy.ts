/**
 * The Terraform workspace of one environment in a drill: a folder under the drill's work folder
 * holding the synthesized JSON (adapted for the emulator: what it cannot create left out, listed
 * by address and reason), the override file that points it at the target with a local backend,
 * and its local state. A drill never touches an environment's real state.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedEnvironment } from '@parity/model';
import { placedResources, type TerraformJson } from '@parity/model/terraform';
import type { DrillContext, StepHandle, WorkCopy } from '../context.js';
import {
  type FilterResult,
  ignoringEmulatorDrift,
  overrideFor,
  removeResources,
  unsupportedSeeds,
  withoutReplicaSubnetGroups,
} from './emulator.js';
import { stateResources } from './terraform.js';

/** Write the work copy of an environment: adapted for the emulator, with the override file. The teardown knows it from then on. */
export function prepare(ctx: DrillContext, endpoint: string | undefined, env: ResolvedEnvironment, json: TerraformJson): WorkCopy {
  const dir = join(ctx.work, env.name);
  mkdirSync(dir, { recursive: true });
  let applied = ctx.emulated ? withoutEmulatorReplicaSubnets(ctx, env.name, json) : json;
  let filter: FilterResult | undefined;
  if (ctx.emulated) {
    applied = withoutEmulatorDrift(ctx, env.name, dir, applied);
    filter = removeResources(applied, unsupportedSeeds(applied));
    applied = filter.json;
    ctx.report.leftOut[env.name] = filter.removed.map((r) => ({ address: r.address, reason: r.reason }));
    ctx.report.droppedDependsOn[env.name] = filter.droppedDependsOn.map((d) => ({ address: d.address, on: [...d.on] }));
    const leftOut = { removed: filter.removed, removedOutputs: filter.removedOutputs, droppedDependsOn: filter.droppedDependsOn };
    writeFileSync(join(dir, 'left-out.json'), `${JSON.stringify(leftOut, null, 2)}\n`);
  }
  writeFileSync(join(dir, 'main.tf.json'), `${JSON.stringify(applied, null, 2)}\n`);
  const override = overrideFor(applied, { endpoint, statePath: 'terraform.tfstate' });
  writeFileSync(join(dir, 'parity_drill_override.tf.json'), `${JSON.stringify(override, null, 2)}\n`);
  const w = { env: env.name, dir, json: applied, ...(filter ? { filter } : {}) };
  ctx.created.workCopies.set(env.name, w);
  return w;
}

/**
 * On the emulator, a database that replicates goes without its subnet group (moto looks it up in
 * the source region); once an environment holds a replica there it keeps the adaptation, since a
 * later apply would only move it back.
 */
function withoutEmulatorReplicaSubnets(ctx: DrillContext, env: string, json: TerraformJson): TerraformJson {
  const { observed } = ctx;
  const replica = placedResources(json, 'aws_db_instance').some((d) => d.body.replicate_source_db !== undefined);
  if (!replica && !observed.withoutSubnetGroups.has(env)) return json;
  const a = withoutReplicaSubnetGroups(json);
  observed.withoutSubnetGroups.add(env);
  for (const x of a.adapted) if (!observed.replicaSubnetGroups.includes(`${env}: ${x}`)) observed.replicaSubnetGroups.push(`${env}: ${x}`);
  return a.json;
}

/**
 * On the emulator, what moto drops is not re-applied by a step that does not change it (each
 * would wait 80 s on the database: emulator.ts ignoringEmulatorDrift), measured against this
 * environment's last applied copy and the databases its state still links to a source. Each
 * attribute left alone is listed in the report (not exercised).
 */
function withoutEmulatorDrift(ctx: DrillContext, env: string, dir: string, json: TerraformJson): TerraformJson {
  const previous = ctx.created.workCopies.get(env)?.json;
  if (!previous) return json;
  const linked = new Set(
    stateResources(dir)
      .filter((r) => r.type === 'aws_db_instance' && r.values.replicate_source_db)
      .map((r) => r.address),
  );
  const drift = ignoringEmulatorDrift(json, previous, linked);
  const seen = ctx.observed.driftIgnored;
  for (const d of drift.ignored)
    if (!seen.some((x) => x.env === env && x.address === d.address && x.attribute === d.attribute)) seen.push({ env, ...d });
  return drift.json;
}

/** `terraform init` and `apply` of a work copy, inside a step; `replace`: addresses to recreate (`-replace`). */
export async function applyWorkCopy(ctx: DrillContext, w: WorkCopy, s: StepHandle, replace: readonly string[] = []): Promise<void> {
  s.update('terraform init');
  await ctx.terraform.init(w.dir, ctx.tfCtx(s.signal), w.env);
  s.update('terraform apply');
  const r = await ctx.terraform.apply(w.dir, ctx.tfCtx(s.signal), w.env, s.update, replace);
  const left = w.filter?.removed.length ?? 0;
  const replaced = replace.length ? `, ${replace.join(', ')} replaced (emulator)` : '';
  if (r.adopted.length) ctx.report.adopted = [...(ctx.report.adopted ?? []), ...r.adopted.map((a) => ({ env: w.env, ...a }))];
  const adopted = r.adopted.length ? `, ${r.adopted.map((a) => a.address).join(', ')} imported (emulator answer lost)` : '';
  s.note(`${r.created} resources applied${left ? `, ${left} left out (emulator)` : ''}${replaced}${adopted}; ${ctx.rel(w.dir)}`);
}
