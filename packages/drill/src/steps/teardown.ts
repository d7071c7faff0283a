/**
 * The end of every drill, whatever happened: tear down what was applied (or keep it, `--keep`),
 * list what the drill did not exercise, write the report and release the lock.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { TerraformJson } from '@parity/checks';
import { join } from 'node:path';
import { clients, deleteSnapshot } from '@parity/dr';
import { MOTO_INERT, MOTO_UNSUPPORTED } from '../target/emulator.js';
import type { DrillReport, NotExercised } from '@parity/model';
import { writeReport } from '../report/report.js';
import { runbookText, writeRunbook } from '@parity/dr';
import { message, type DrillRun } from '../context.js';
import { stateResources } from '../target/terraform.js';
import { placedResources } from '@parity/model/terraform';

/** Tear down, list what was not exercised, write the report, release everything. */
export async function finish(run: DrillRun): Promise<DrillReport> {
  try {
    try {
      await tearDown(run);
    } catch (e) {
      const r = run.rec('teardown');
      r.status = 'failed';
      r.error = `teardown failed: ${message(e)}`;
      run.report.teardown = { action: r.error, ok: false };
      run.progress.fail(r.title, 0, r.error);
    }
    run.report.notExercised.push(...notExercised(run));
    run.report.finishedAt = run.now().toISOString();
    writeReport(run.root, run.report);
    await refreshRunbook(run);
  } finally {
    // never leave the emulator behind (--keep has detached it on purpose)
    await run.release();
  }
  return run.report;
}

/** The runbook shows the last drill's durations: written again from the model with this report in place. */
async function refreshRunbook(run: DrillRun): Promise<void> {
  if (!run.check) return;
  try {
    const out = await run.deps.synth([run.primary.name, run.dr.name], run.root);
    const jsonOf = (env: string) => {
      const file = out.find((o) => o.env === env)?.file;
      return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TerraformJson) : undefined;
    };
    const text = runbookText(run.ws, run.dr.name, run.check, jsonOf);
    if (text !== undefined) run.progress.info(`runbook: ${writeRunbook(run.root, run.dr.name, text)} (with this drill's durations)`);
  } catch (e) {
    run.progress.info(`runbook not written: ${message(e)}`);
  }
}

/** The environments applied so far, newest first (the DR environment before the primary). */
function appliedEnvs(run: DrillRun): string[] {
  return [run.dr.name, run.primary.name].filter((n) => run.prepared.has(n) && stateResources(run.prepared.get(n)!.dir).length > 0);
}

/** 10. Teardown: keep (--keep), stop the drill's own emulator, or destroy on a running endpoint / real AWS. */
export async function tearDown(run: DrillRun): Promise<void> {
  const r = run.rec('teardown');
  r.startedAt = run.now().toISOString();
  const t0 = performance.now();
  run.progress.start(r.title, run.report.steps.length, run.report.steps.length);
  const done = (ok: boolean, action: string): void => {
    run.report.teardown = { action, ok };
    r.status = ok ? 'passed' : 'failed';
    r.detail = action;
    r.durationSeconds = Math.round((performance.now() - t0) / 10) / 100;
    if (ok) run.progress.succeed(r.title, r.durationSeconds, action);
    else run.progress.fail(r.title, r.durationSeconds, action);
  };
  if (run.opts.keep) return done(true, keep(run));
  if (run.opts.target.kind === 'emulator') return done(true, await stopEmulator(run));
  const { ok, lines } = await destroyApplied(run);
  done(ok, lines.join('; '));
}

/** --keep: leave everything, and say how to remove it. */
function keep(run: DrillRun): string {
  const applied = appliedEnvs(run);
  const { moto, report } = run;
  if (moto) {
    moto.detach();
    report.target = { ...report.target, description: report.target.description.replace('stopped afterwards', 'left running (--keep)') };
    const state = `Terraform state in ${run.rel(run.work)}/<env>/terraform.tfstate`;
    return `kept (--keep): moto_server is still running at ${moto.url} (pid ${moto.pid}) with ${applied.join(' and ') || 'nothing applied'}; ${state}. Stop it with: kill -TERM -- -${moto.pid}`;
  }
  const snaps = [run.marker?.DBSnapshotIdentifier, run.copy?.DBSnapshotIdentifier].filter(Boolean);
  const how = applied.length ? `; destroy with: cd ${run.rel(run.work)}/<env> && terraform destroy` : '';
  return `kept (--keep): ${applied.length ? applied.join(' and ') : 'nothing was applied'}${how}${snaps.length ? `; drill snapshots ${snaps.join(', ')} kept` : ''}`;
}

/** The drill's own emulator: stopping it removes everything the drill created. */
async function stopEmulator(run: DrillRun): Promise<string> {
  const { moto } = run;
  if (!moto) return 'nothing to tear down: the emulator never started';
  const applied = appliedEnvs(run);
  const died = moto.hasExited && !moto.stopping && !run.forced;
  await moto.stop();
  if (run.forced) {
    return `stopped at once on a second interrupt: the emulator (moto_server pid ${moto.pid}) and every terraform process were killed; nothing the drill created outlives the emulator`;
  }
  if (died)
    return `the emulator had already exited; nothing the drill created outlives it (${applied.join(' and ') || 'nothing'} applied there); no process left`;
  const what = applied.length ? `${applied.join(' and ')}, ` : '';
  return `stopped the emulator the drill started (moto_server pid ${moto.pid}): ${what}the drill's snapshots and queue message went with it; terraform destroy was not needed`;
}

/** A running emulator or real AWS: destroy what was applied, newest first, then the drill's snapshots. */
async function destroyApplied(run: DrillRun): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  const ctx = run.tfCtx(run.teardownCtl.signal);
  for (const name of appliedEnvs(run)) {
    const p = run.prepared.get(name)!;
    const onProgress = (t: string) => run.progress.update(`${name}: ${t}`);
    try {
      const protectedDbs = placedResources(p.json, 'aws_db_instance').filter((d) => d.body.deletion_protection === true);
      if (protectedDbs.length) {
        onProgress('lifting deletion protection');
        const lift = Object.fromEntries(
          protectedDbs.map((d) => [d.name, { deletion_protection: false, skip_final_snapshot: true, delete_automated_backups: true }]),
        );
        writeFileSync(join(p.dir, 'zz_teardown_override.tf.json'), `${JSON.stringify({ resource: { aws_db_instance: lift } }, null, 2)}\n`);
        await run.terraform.apply(p.dir, ctx, `${name} teardown`, onProgress);
      }
      const d = await run.terraform.destroy(p.dir, ctx, name, onProgress);
      lines.push(
        `terraform destroy ${name}: ${d.destroyed} resources destroyed${protectedDbs.length ? ' (deletion protection lifted first)' : ''}`,
      );
    } catch (e) {
      ok = false;
      lines.push(`terraform destroy ${name} FAILED: ${message(e)}; state kept in ${run.rel(p.dir)}/terraform.tfstate`);
    }
  }
  for (const [region, snap] of [
    [run.primary.region, run.marker],
    [run.dr.region, run.copy],
    [run.dr.region, run.failbackSnapshots?.source],
    [run.primary.region, run.failbackSnapshots?.copy],
  ] as const) {
    if (!snap?.DBSnapshotIdentifier) continue;
    const c = clients(region, run.endpoint);
    try {
      const deleted = await deleteSnapshot(c.rds, snap.DBSnapshotIdentifier);
      lines.push(`snapshot ${snap.DBSnapshotIdentifier} in ${region}: ${deleted ? 'deleted' : 'already gone'}`);
    } catch (e) {
      ok = false;
      lines.push(`snapshot ${snap.DBSnapshotIdentifier} in ${region}: NOT deleted (${message(e)})`);
    } finally {
      c.destroy();
    }
  }
  if (lines.length === 0) lines.push('nothing was applied');
  return { ok, lines };
}

/** What a backup & restore drill replaces: the copy job, and (on AWS) the point-in-time restore. */
function restoreGaps(run: DrillRun, noBackupJob: boolean): NotExercised[] {
  const { dr, primary } = run;
  const out: NotExercised[] = [
    {
      what: 'AWS Backup copy job (copy_action to the DR vault)',
      why: run.emulated
        ? `${noBackupJob ? 'the emulator runs no backup job: ' : ''}the drill took the snapshot itself and copied it into ${dr.region} with CopyDBSnapshot after declaring the loss. In the cloud the copy job lands the copy before the loss, and a lost region could not be read; the RPO (snapshot creation time) is unaffected, the RTO includes the copy.`
        : `the drill takes its own snapshot and copies it into ${dr.region} (CopyDBSnapshot) instead of waiting for the next scheduled backup job and its copy.`,
    },
  ];
  if (
    !run.emulated &&
    placedResources(run.prepared.get(primary.name)?.json ?? {}, 'aws_db_instance_automated_backups_replication').length
  ) {
    out.push({
      what: 'point-in-time restore from the replicated automated backups',
      why: `the drill restores from the snapshot copy; restoring ${dr.name} to a point in time from the backups replicated into ${dr.region} is not exercised`,
    });
  }
  return out;
}

/** What a replica drill cannot show on the emulator: replication itself, its lag, and a promotion seen through the API. */
function replicaGaps(run: DrillRun): NotExercised[] {
  if (!run.emulated) return [];
  const { dr, primary } = run;
  const out: NotExercised[] = [
    {
      what: 'replication and its lag',
      why: `moto copies the primary's settings into the replica but replicates no data and reports no ReplicaLag, so the replica's lag at the loss (the RPO of ${run.strategy}) cannot be measured here; the marker written into ${primary.name} after the replica was created never reaches it`,
    },
    {
      what: 'the promotion, seen through the API',
      why: `after PromoteReadReplica moto still names ${primary.name}'s database as the source (ReadReplicaSourceDBInstanceIdentifier) and the primary still lists the replica, so the drill cannot check through the API that ${dr.name}'s database stopped replicating`,
    },
  ];
  if (run.replicaSubnetGroups.length) {
    out.push({
      what: `the replica's DB subnet group (${run.replicaSubnetGroups.join(', ')})`,
      why: `moto 5.2.1 looks a cross-region replica's subnet group up in the source region (DBSubnetGroupNotFoundFault), so on the emulator ${dr.name}'s database is applied without db_subnet_group_name; its placement in ${dr.name}'s private subnets is not exercised`,
    });
  }
  const resized = run.emulatorQuirks.find((q) => q.startsWith('node groups resized'));
  if (resized) {
    out.push({
      what: 'scaling node groups in place',
      why: `${resized}; on AWS the failover's apply updates them in place (UpdateNodegroupConfig) and waits for the update`,
    });
  }
  if (run.pendingAfterFailover?.length) {
    const db = run.pendingAfterFailover.filter((p) => p.address.startsWith('aws_db_instance.')).map((p) => p.address);
    const residue = (run.pendingBeforeFailover ?? []).map((p) => `${p.address} ${p.action} (${p.attributes.join(', ')})`).join('; ');
    out.push({
      what: 'a clean plan after the failover',
      why: `the AWS provider reads replicate_source_db back from ReadReplicaSourceDBInstanceIdentifier, which moto keeps after the promotion, so ${db.join(', ') || 'the database'} still shows a change to null after the last apply and every later apply calls PromoteReadReplica again (a no-op on moto); on AWS the field is empty after the promotion. moto also leaves changes pending right after an apply, because it does not keep some attributes (${residue || 'none'}): the drill checks that the failover leaves nothing pending beyond those`,
    });
  }
  return out;
}

/** What a failback on the emulator cannot show: the reverse replication, its lag, the fence's effect, a real copy's time. */
function failbackGaps(run: DrillRun): NotExercised[] {
  const { dr, primary } = run;
  if (run.strategy === 'backup-restore') return backupFailbackGaps(run);
  return [
    {
      what: `replication back into ${primary.region} and its lag`,
      why: `moto replicates no data and reports no ReplicaLag, so the wait until ${primary.name}'s new replica was within the RPO, and the wait for lag 0 after the fence, accepted an unknown lag (pnpm failback --aws waits for a datapoint and refuses at its timeout without one): zero data loss at the switchover is not shown here`,
    },
    {
      what: `the fence of ${dr.name}'s writers`,
      why: `the drill scaled ${dr.name}'s node groups to zero through UpdateNodegroupConfig, but moto runs no pods: that no writer reached the database after the fence is not shown`,
    },
    {
      what: 'the time of the re-protection',
      why: `moto deletes the diverged instances (their final snapshots are checked) and creates the replicas at once; on AWS a new cross-region replica first copies the whole database, so the failback's measured time is the steps' and the provider waiters', not AWS's`,
    },
  ];
}

/** What a backup & restore failback on the emulator cannot show: the reverse backups and their copies, the fence, real times. */
function backupFailbackGaps(run: DrillRun): NotExercised[] {
  const { dr, primary } = run;
  const replanned = run.emulatorQuirks.find((q) => q.startsWith('backup plan rules left as applied'));
  return [
    ...(replanned
      ? [
          {
            what: `the copy action of ${dr.name}'s backup plan to the vault in ${primary.region}`,
            why: `${replanned}, and a replaced plan meets its own deleted name (AlreadyExistsException): the copy action was synthesized (and is checked by the bundle's tests and terraform validate) but not applied on the emulator; on AWS the reprotect apply adds it in place (UpdateBackupPlan)`,
          },
        ]
      : []),
    {
      what: `${dr.name}'s backups copied into ${primary.region} (the reverse copy)`,
      why: `the copy vault, its key and lock in ${primary.region} were applied, but moto runs no backup job and no copy job (it has no backup selections), so no recovery point of ${dr.name}'s database ever reached ${primary.region}: the wait until the reverse copy was within the ${dr.dr.rpoMinutes} min RPO accepted none (pnpm failback --aws waits for one and refuses at its timeout without one). The drill does not stand one in: re-protection within the RPO is not shown here`,
    },
    {
      what: `the fence of ${dr.name}'s writers`,
      why: `the drill scaled ${dr.name}'s node groups to zero through UpdateNodegroupConfig before the switchover snapshot, but moto runs no pods and no PostgreSQL: that no write reached the database after the fence, and that every earlier write is in the snapshot (zero data loss), is not shown beyond the snapshot's identity, tags and key`,
    },
    {
      what: 'a clean plan after each failback apply',
      why: `moto does not keep some attributes (the EKS cluster's access config and the node group's remote access among them), so every re-apply of ${dr.name} and ${primary.name} on the emulator replaces their cluster and node groups and leaves changes pending; on AWS they stay. The drill checks only that ${primary.name}'s database is never replaced when the restore source goes`,
    },
    {
      what: 'the time of the switchover',
      why: `moto creates and copies snapshots and restores instances at once; on AWS the snapshot, its cross-region copy and the restore each take minutes to hours with the database's size, so the failback's measured time is the steps' and the provider waiters', not AWS's`,
    },
  ];
}

/** What the drill did not exercise: resources left out for the emulator, inert ones, and the steps it replaced. */
export function notExercised(run: DrillRun): NotExercised[] {
  const out: NotExercised[] = [];
  const seen = new Set<string>();
  for (const [env, p] of run.prepared) {
    for (const rm of p.filter?.removed ?? []) {
      const type = rm.address.split('.')[0]!;
      const u = MOTO_UNSUPPORTED[type];
      out.push({
        what: rm.address,
        env,
        why: u ? `left out of the apply: ${u.reason}. Not exercised: ${u.consequence}` : `left out of the apply: ${rm.reason}`,
      });
      if (u) seen.add(type);
    }
    if (!run.emulated) continue;
    for (const [type, why] of Object.entries(MOTO_INERT)) {
      for (const r of placedResources(p.json, type)) out.push({ what: r.address, env, why });
    }
  }
  if (run.strategy === 'backup-restore') out.push(...restoreGaps(run, seen.has('aws_backup_selection')));
  else out.push(...replicaGaps(run));
  if (run.report.failback && run.emulated) out.push(...failbackGaps(run));
  out.push({
    what: 'cut-over',
    why: 'DNS, traffic and application smoke tests are outside the drill; the measured RTO stops when the infrastructure is verified',
  });
  return out;
}
