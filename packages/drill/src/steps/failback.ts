/**
 * `pnpm drill --failback`: after the failover, the return to the primary region, step by step as
 * `pnpm failback` makes it (the same planning, manifest texts, procedure, fence and waits), each
 * manifest change applied in the drill's work folders and never written. The API steps the
 * procedure leaves to a person (lifting deletion protection on an instance to be replaced) are
 * made here through the SDK.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, ModifyDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { clients } from '@parity/dr';
import type { TerraformJson } from '@parity/model/terraform';
import { planFailback, switchover as fenceAndWait, type FailbackOptions, type FailbackPlan } from '@parity/dr';
import { databaseOf } from '@parity/dr';
import type { FailbackStep } from '@parity/dr';
import { describePoint } from '@parity/dr';
import type { FailbackRecord, Verification } from '@parity/model';
import type { DrillRun, StepHandle } from '../context.js';
import { changedBackupPlans, resizedNodeGroups } from './failover.js';
import { stateResources } from '../target/terraform.js';
import { verifyDr } from './verification.js';

/** The options `pnpm failback` would get, for this drill's target. */
export function optionsOf(run: DrillRun): FailbackOptions {
  return {
    root: run.root,
    drEnv: run.dr.name,
    target: run.opts.target.kind === 'aws' ? { kind: 'aws' } : { kind: 'endpoint', url: run.endpoint! },
    reason: `drill ${run.stamp}: ${run.primary.region} back`,
    declaredBy: 'pnpm drill --failback',
    now: run.now,
    // an emulator reports no lag, so nothing to wait for; on AWS the replica of a drill's empty database catches up in minutes
    waitMs: run.emulated ? 60_000 : 30 * 60_000,
    pollMs: run.emulated ? 1000 : 30_000,
    // the switchover snapshot carries the drill's marker, as the failover's copy does
    snapshotTags: { 'parity:drill-marker': run.markerId, 'parity:drill': run.dr.name },
  };
}

/** The texts and pair the failback starts from: the failover's, in memory. */
function current(run: DrillRun) {
  if (run.failedBack) return run.failedBack;
  const texts = { [run.dr.name]: run.failedOver!.text };
  return { pair: run.failedOver!.pair, texts };
}

/** Plan one failback step exactly as `pnpm failback` does, from the drill's in-memory manifests. */
export async function plan(run: DrillRun, s: StepHandle, expected: FailbackStep): Promise<FailbackPlan> {
  const { pair, texts } = current(run);
  s.update(`failback step ${expected}: manifest change, synth, plan`);
  const p = await planFailback(optionsOf(run), { runCheck: run.deps.runCheck, log: (l) => s.update(l) }, texts, pair);
  if (p.step !== expected) throw new Error(`the failback's next step is ${p.step}, not ${expected}`);
  const next = { ...texts };
  for (const f of p.change.files) next[f.env] = f.after;
  run.failedBack = { pair: p.change.pair, texts: next };
  return p;
}

/** What a procedure step names a person to do through the API, done here: deletion protection off. */
async function liftProtection(rds: RDSClient, id: string, signal: AbortSignal): Promise<void> {
  await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }), {
    abortSignal: signal,
  });
}

/** What applying one environment replaced: the database (`<env>: <address> (<id>)`) and the final snapshot its delete kept. */
export interface Applied {
  readonly replaced?: string;
  readonly finalSnapshot?: string;
}

/** Apply one environment of a failback step in its work folder: `-replace` the database where the procedure says so. */
export async function applyChange(run: DrillRun, s: StepHandle, p: FailbackPlan, env: string): Promise<Applied> {
  const f = [...p.change.files, ...p.change.alsoChanged].find((x) => x.env === env)!;
  const isPrimary = env === run.primary.name;
  const resolved = isPrimary ? run.primary : run.dr;
  const region = isPrimary ? run.primary.region : run.dr.region;
  const previous = run.prepared.get(env)!;
  // the procedure says which database a step replaces: its plan command for this environment carries -replace
  const replaceDb = p.procedure.some((x) => x.commands.some((c) => c.includes(`-chdir=environments/${env}/`) && c.includes(' -replace=')));
  const db = databaseOf(previous.json);
  // the name the delete gives the final snapshot is the state's: Terraform stamped it at the instance's creation
  const state = replaceDb ? stateResources(previous.dir).find((r) => r.type === 'aws_db_instance') : undefined;
  const finalSnapshot =
    state?.values.skip_final_snapshot === false ? (state.values.final_snapshot_identifier as string | undefined) : undefined;
  if (replaceDb && db?.id && p.procedure.some((x) => x.id === 'lift-protection')) {
    s.update(`${env}: deletion protection off on ${db.id} (ModifyDBInstance)`);
    const c = clients(region, run.endpoint);
    try {
      await liftProtection(c.rds, db.id, s.signal);
    } finally {
      c.destroy();
    }
  }
  const next = run.prepare(resolved, f.json as TerraformJson);
  if (isPrimary) run.primaryPrep = next;
  else run.drPrep = next;
  const resized = run.emulated ? resizedNodeGroups(previous.json, next.json) : [];
  if (resized.length) run.emulatorQuirks.push(`node groups resized by replacement (moto has no DescribeUpdate): ${resized.join(', ')}`);
  const replanned = run.emulated ? changedBackupPlans(previous.json, next.json) : [];
  if (replanned.length) keepBackupPlans(run, next.dir, replanned);
  await run.applyEnv(resolved, next, s, [...(replaceDb && db ? [db.address] : []), ...resized]);
  return replaceDb && db ? { replaced: `${env}: ${db.address} (${db.id})`, ...(finalSnapshot ? { finalSnapshot } : {}) } : {};
}

/**
 * moto 5.2.1 has no UpdateBackupPlan, and keeps a deleted plan's name (so a replacement fails with
 * AlreadyExistsException): on the emulator the plan's rules stay as applied (a Terraform override
 * file in the work folder ignores them), and the report says which change was not applied.
 */
function keepBackupPlans(run: DrillRun, dir: string, addresses: readonly string[]): void {
  const plans = Object.fromEntries(addresses.map((a) => [a.split('.')[1]!, { lifecycle: { ignore_changes: ['rule'] } }]));
  writeFileSync(
    join(dir, 'zz_emulator_backup_plan_override.tf.json'),
    `${JSON.stringify({ resource: { aws_backup_plan: plans } }, null, 2)}\n`,
  );
  run.emulatorQuirks.push(`backup plan rules left as applied (moto 5.2.1 has no UpdateBackupPlan): ${addresses.join(', ')}`);
}

export function record(run: DrillRun): FailbackRecord {
  run.report.failback ??= { startedAt: run.now().toISOString(), steps: [] };
  return run.report.failback;
}

/** 1. reprotect: the old primary's database replaced by a replica of the dr environment's; compute at standby size. */
export async function reprotect(run: DrillRun): Promise<void> {
  await run.step('reprotect', async (s) => {
    const rec = record(run);
    const p = await plan(run, s, 'reprotect');
    const applied = await applyChange(run, s, p, run.primary.name);
    rec.replaced = applied.replaced ? [applied.replaced] : [];
    const replica = stateResources(run.primaryPrep!.dir).find((r) => r.type === 'aws_db_instance' && r.values.replicate_source_db);
    if (!replica) throw new Error(`${run.primary.name}'s state holds no read replica after failback step reprotect`);
    const final = applied.finalSnapshot;
    const kept = final ? await snapshotExists(run, run.primary.region, final) : undefined;
    const detail = `${String(replica.values.arn)} replicates ${String(replica.values.replicate_source_db)}${final ? `; the old instance's final snapshot ${final} ${kept ? 'kept' : 'NOT found'}` : ''}`;
    if (final && !kept) throw new Error(detail);
    rec.steps.push({ step: 'reprotect', detail });
    s.note(detail);
  });
}

export async function snapshotExists(run: DrillRun, region: string, id: string): Promise<boolean> {
  const c = clients(region, run.endpoint);
  try {
    const r = await c.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    return (r.DBSnapshots ?? []).length > 0;
  } catch {
    return false;
  } finally {
    c.destroy();
  }
}

/** 2. The switchover: reverse replica within the RPO, fence the dr side's writers, lag 0, then promote and scale up. */
export async function switchover(run: DrillRun): Promise<void> {
  await run.step('switchover', async (s) => {
    const rec = record(run);
    const p = await plan(run, s, 'promote');
    rec.beforeFence = p.reverseText;
    s.update(`fencing ${run.dr.name}'s writers`);
    const f = await fenceAndWait(optionsOf(run), { log: (l) => s.update(l) }, p, run.drPrep!.json, s.signal);
    rec.fenced = f.fenced;
    rec.atSwitchover = describePoint(f.atSwitchover, run.now(), run.dr.dr.rpoMinutes);
    await applyChange(run, s, p, run.primary.name);
    rec.steps.push({ step: 'promote', detail: `fenced ${f.fenced.join(', ') || 'nothing'}; promoted at ${rec.atSwitchover}` });
    s.note(`fenced ${f.fenced.length} node group(s); ${rec.atSwitchover}; promoted and scaled up`);
  });
}

/** 3. complete: the promoted database a full primary, in place. */
export async function completeFailback(run: DrillRun): Promise<void> {
  await run.step('failback-complete', async (s) => {
    const before = stateResources(run.primaryPrep!.dir).find((r) => r.type === 'aws_db_instance')?.values.arn;
    const p = await plan(run, s, 'complete');
    await applyChange(run, s, p, run.primary.name);
    const after = stateResources(run.primaryPrep!.dir).find((r) => r.type === 'aws_db_instance')?.values.arn;
    if (before !== after) throw new Error(`failback step complete replaced the database (${String(before)} → ${String(after)})`);
    record(run).steps.push({ step: 'complete', detail: `${String(after)} a full primary, modified in place` });
    s.note(`${String(after)} completed in place`);
  });
}

function backupNote(run: DrillRun): string {
  return run.emulated
    ? `Measured on an emulator: the time of the steps and the provider waiters, not of AWS (a snapshot, its cross-region copy and a restore take minutes to hours with the database's size). moto runs no backup or copy jobs, so no reverse copy reached ${run.primary.region}: re-protection within the RPO is not shown here. ${run.dr.name} is destroyed by the drill's teardown, as the procedure's last step would.`
    : `Cut-over back (DNS, smoke tests) is not part of the drill; ${run.dr.name} is destroyed by the drill's teardown, as the procedure's last step would.`;
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

/** 4. The original roles: both sections removed, the dr database a replica of the primary's again (replaced). */
export async function restoreRoles(run: DrillRun): Promise<void> {
  await run.step('restore-roles', async (s) => {
    const rec = record(run);
    const p = await plan(run, s, 'restore');
    const { replaced } = await applyChange(run, s, p, run.dr.name);
    if (replaced) rec.replaced = [...(rec.replaced ?? []), replaced];
    const primaryChange = p.change.files.find((f) => f.env === run.primary.name)!;
    const d = primaryChange.diff;
    if (d.added.length + d.changed.length + d.removed.length > 0)
      throw new Error(`${run.primary.name}'s Terraform changes when its failback section goes: ${JSON.stringify(d)}`);
    s.update(`terraform plan ${run.primary.name}: nothing pending`);
    const pending = await run.terraform.pendingChanges(run.primaryPrep!.dir, run.tfCtx(s.signal), run.primary.name);
    const originals = Object.fromEntries(p.change.files.map((f) => [f.env, run.ws.manifests.get(f.env)!.file]));
    rec.manifestsRestored = p.change.files.every((f) => restoredExactly(readFileSync(join(run.root, originals[f.env]!), 'utf8'), f.after));
    if (!rec.manifestsRestored) throw new Error('the manifests are not as before the failover, apart from the history comment');
    const detail = `${replaced ?? run.dr.name} replaced by a replica of ${run.primary.name}'s database; ${run.primary.name}'s Terraform unchanged (no difference by address; ${pending.length ? `terraform plan against ${run.emulated ? 'the emulator' : 'AWS'} still lists ${pending.map((x) => x.address).join(', ')}, not checked against a baseline` : 'terraform plan: nothing pending'}); manifests as before the failover, apart from the history comment`;
    rec.steps.push({ step: 'restore', detail });
    s.note(detail);
  });
}

/** The dr database: a replica of the primary's again, through the API of the dr region. */
async function verifyReplicaAgain(run: DrillRun): Promise<Verification> {
  const id = databaseOf(run.drPrep!.json)?.id;
  const source = databaseOf(run.primaryPrep!.json)?.id;
  const c = clients(run.dr.region, run.endpoint);
  try {
    const inst = (await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    const src = inst?.ReadReplicaSourceDBInstanceIdentifier;
    const ok = !!src && src.endsWith(`:db:${source}`) && src.split(':')[3] === run.primary.region;
    return {
      what: `database ${id} in ${run.dr.region}: a read replica of ${source} again`,
      ok,
      detail: ok ? `${inst?.DBInstanceStatus}, replicates ${src}` : `replicates ${src ?? 'nothing'}`,
    };
  } finally {
    c.destroy();
  }
}

/** 5. Both regions in their original roles, through the API; the failback measured. */
export async function verifyFailback(run: DrillRun): Promise<void> {
  await run.step('verify-failback', async (s) => {
    const rec = record(run);
    const c = clients(run.primary.region, run.endpoint);
    let checks: Verification[];
    const copy = run.failbackSnapshots?.copy;
    try {
      const v = { json: run.primaryPrep!.json, region: run.primary.region, clients: c, sourceStaysAfterPromotion: run.emulated };
      const dr = await verifyDr({ ...v, ...(copy ? { copy } : {}), markerId: run.markerId, signal: s.signal });
      // backup & restore: the dr environment is not a replica; it goes with the procedure's destroy (the drill's teardown)
      checks = run.strategy === 'backup-restore' ? dr : [...dr, await verifyReplicaAgain(run)];
    } finally {
      c.destroy();
    }
    run.report.verification.push(...checks.map((x) => ({ ...x, what: `failback: ${x.what}` })));
    const failed = checks.filter((x) => !x.ok);
    if (failed.length)
      throw new Error(`${failed.length} of ${checks.length} checks failed: ${failed.map((f) => `${f.what}: ${f.detail}`).join('; ')}`);
    const at = run.now();
    rec.verifiedAt = at.toISOString();
    rec.durationSeconds = Math.round((at.getTime() - new Date(rec.startedAt).getTime()) / 10) / 100;
    rec.note =
      run.strategy === 'backup-restore'
        ? backupNote(run)
        : run.emulated
          ? 'Measured on an emulator: the time of the steps and the provider waiters, not of AWS (a new cross-region replica copies the whole database first). The lag before the fence and at the switchover cannot be read on moto (no ReplicaLag): zero data loss is not shown here.'
          : 'Cut-over back (DNS, smoke tests) is not part of the drill.';
    s.note(`${checks.length} checks passed; failback took ${rec.durationSeconds} s`);
  });
}
