/**
 * What every failback step of a drill does first and last: the step planned exactly as `pnpm
 * failback` plans it, from the drill's in-memory manifests, and each changed environment applied
 * in its work folder (the API steps the procedure leaves to a person, such as lifting deletion
 * protection on an instance to be replaced, made here through the SDK).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeDBSnapshotsCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { databaseOf, type FailbackOptions, type FailbackPlan, type FailbackStep, planFailback } from '@parity/dr';
import { clients } from '@parity/dr/aws';
import { drillOutcome, type FailbackRecord, manifestFile, refuseOne } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import type { DrillContext, StepHandle } from '../../context.js';
import { changedBackupPlans, resizedNodeGroups } from '../../target/emulator.js';
import { stateResources } from '../../target/terraform.js';
import { applyWorkCopy, prepare } from '../../target/work-copy.js';
import type { WorkCopy } from '../../context.js';
import type { FailingBack as Back, Verified } from '../values.js';

/** Where a failback starts: the failover's manifests and work copies. */
export function startingPoint(v: Verified): Back {
  const { pair, text, dr } = v.failedOver;
  return { verified: v, pair, texts: { [pair.dr.name]: text }, primary: v.primary.primary, dr };
}

/** The options `pnpm failback` would get, for this drill's target. */
export function optionsOf(ctx: DrillContext, back: Back): FailbackOptions {
  const { primary, dr } = ctx.pair;
  const endpoint = back.verified.primary.endpoint;
  return {
    root: ctx.root,
    drEnv: dr.name,
    target: endpoint ? { kind: 'endpoint', url: endpoint } : { kind: 'aws' },
    reason: `drill ${ctx.stamp}: ${primary.region} back`,
    declaredBy: 'pnpm drill --failback',
    now: ctx.now,
    // an emulator reports no lag, so nothing to wait for; on AWS the replica of a drill's empty database catches up in minutes
    waitMs: ctx.emulated ? 60_000 : 30 * 60_000,
    pollMs: ctx.emulated ? 1000 : 30_000,
    // the switchover snapshot carries the drill's marker, as the failover's copy does
    snapshotTags: { 'parity:drill-marker': back.verified.marker.id, 'parity:drill': dr.name },
  };
}

/** Plan one failback step exactly as `pnpm failback` does, from the drill's in-memory manifests; the texts after it. */
export async function plan(
  ctx: DrillContext,
  s: StepHandle,
  back: Back,
  expected: FailbackStep,
): Promise<{ p: FailbackPlan; texts: Record<string, string> }> {
  s.update(`failback step ${expected}: manifest change, synth, plan`);
  const p = await planFailback(
    optionsOf(ctx, back),
    { runCheck: ctx.deps.runCheck, log: (l) => s.update(l) },
    { ...back.texts },
    back.pair,
  );
  if (p.step !== expected) {
    const file = manifestFile(ctx.pair.primary.name);
    const fix = `a drill starts from peacetime: remove the failback section from ${file}`;
    refuseOne(drillOutcome(file, `the failback's next step is ${p.step}, not ${expected}`, `failback.step ${expected} next`, fix));
  }
  const texts = { ...back.texts };
  for (const f of p.change.files) texts[f.env] = f.after;
  return { p, texts };
}

/** The report's record of the failback, started by its first step. */
export function record(ctx: DrillContext): FailbackRecord {
  ctx.report.failback ??= { startedAt: ctx.now().toISOString(), steps: [] };
  return ctx.report.failback;
}

/** What applying one environment replaced: the database (`<env>: <address> (<id>)`) and the final snapshot its delete kept. */
export interface Applied {
  readonly work: WorkCopy;
  readonly replaced?: string;
  readonly finalSnapshot?: string;
}

/** Apply one environment of a failback step in its work folder: `-replace` the database where the procedure says so. */
export async function applyChange(ctx: DrillContext, s: StepHandle, p: FailbackPlan, back: Back, env: string): Promise<Applied> {
  const isPrimary = env === ctx.pair.primary.name;
  const resolved = isPrimary ? ctx.pair.primary : ctx.pair.dr;
  const previous = isPrimary ? back.primary : back.dr;
  const json = [...p.change.files, ...p.change.alsoChanged].find((x) => x.env === env)?.json ?? previous.json;
  // the procedure says which database a step replaces: its plan command for this environment carries -replace
  const replaceDb = p.procedure.some((x) => x.commands.some((c) => c.includes(`-chdir=environments/${env}/`) && c.includes(' -replace=')));
  const db = databaseOf(previous.json);
  // the name the delete gives the final snapshot is the state's: Terraform stamped it at the instance's creation
  const state = replaceDb ? stateResources(previous.dir).find((r) => r.type === 'aws_db_instance') : undefined;
  const finalSnapshot =
    state?.values.skip_final_snapshot === false ? (state.values.final_snapshot_identifier as string | undefined) : undefined;
  if (replaceDb && db?.id && p.procedure.some((x) => x.id === 'lift-protection')) {
    s.update(`${env}: deletion protection off on ${db.id} (ModifyDBInstance)`);
    await liftProtection(resolved.region, back.verified.primary.endpoint, db.id, s.signal);
  }
  const next = prepare(ctx, back.verified.primary.endpoint, resolved, json as TerraformJson);
  const resized = ctx.emulated ? resizedNodeGroups(previous.json, next.json) : [];
  if (resized.length)
    ctx.observed.emulatorQuirks.push(`node groups resized by replacement (moto has no DescribeUpdate): ${resized.join(', ')}`);
  const replanned = ctx.emulated ? changedBackupPlans(previous.json, next.json) : [];
  if (replanned.length) keepBackupPlans(ctx, next.dir, replanned);
  await applyWorkCopy(ctx, next, s, [...(replaceDb && db ? [db.address] : []), ...resized]);
  if (!replaceDb || !db) return { work: next };
  return { work: next, replaced: `${env}: ${db.address} (${db.id})`, ...(finalSnapshot ? { finalSnapshot } : {}) };
}

/** What a procedure step names a person to do through the API, done here: deletion protection off. */
async function liftProtection(region: string, endpoint: string | undefined, id: string, signal: AbortSignal): Promise<void> {
  const c = clients(region, endpoint);
  try {
    await c.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }), {
      abortSignal: signal,
    });
  } finally {
    c.destroy();
  }
}

/**
 * moto 5.2.1 has no UpdateBackupPlan, and keeps a deleted plan's name (so a replacement fails with
 * AlreadyExistsException): on the emulator the plan's rules stay as applied (a Terraform override
 * file in the work folder ignores them), and the report says which change was not applied.
 */
function keepBackupPlans(ctx: DrillContext, dir: string, addresses: readonly string[]): void {
  const plans = Object.fromEntries(addresses.map((a) => [a.split('.')[1] ?? a, { lifecycle: { ignore_changes: ['rule'] } }]));
  writeFileSync(
    join(dir, 'zz_emulator_backup_plan_override.tf.json'),
    `${JSON.stringify({ resource: { aws_backup_plan: plans } }, null, 2)}\n`,
  );
  ctx.observed.emulatorQuirks.push(`backup plan rules left as applied (moto 5.2.1 has no UpdateBackupPlan): ${addresses.join(', ')}`);
}

/** Lines of `after` that are neither in `before` nor comments: what the history comment does not explain. */
export function restoredExactly(before: string, after: string): boolean {
  const added = new Set(after.split('\n').filter((l) => !before.split('\n').includes(l)));
  if ([...added].some((l) => !l.startsWith('#'))) return false;
  return (
    after
      .split('\n')
      .filter((l) => !added.has(l))
      .join('\n') === before
  );
}

/** Both manifests as before the failover, apart from the history comment (recorded); refused otherwise. */
export function checkManifestsRestored(ctx: DrillContext, p: FailbackPlan, rec: FailbackRecord): void {
  const changed = p.change.files.filter((f) => !restoredExactly(readFileSync(join(ctx.root, f.file), 'utf8'), f.after));
  rec.manifestsRestored = changed.length === 0;
  if (rec.manifestsRestored) return;
  const files = changed.map((f) => f.file).join(', ');
  const fix = 'the failback must remove exactly what the failover added: compare each manifest with git diff';
  refuseOne(drillOutcome(files, 'the manifests are not as before the failover, apart from the history comment', 'the committed text', fix));
}

/** Whether a snapshot exists in a region (a final snapshot the delete of a replaced database kept). */
export async function snapshotExists(region: string, endpoint: string | undefined, id: string): Promise<boolean> {
  const c = clients(region, endpoint);
  try {
    const r = await c.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    return (r.DBSnapshots ?? []).length > 0;
  } catch {
    return false;
  } finally {
    c.destroy();
  }
}
