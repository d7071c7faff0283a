/**
 * Backup & restore. In peacetime nothing of the dr environment runs: only the backup plane (the
 * copy vault with its own key, the backups copied into the DR region, the state bucket). The
 * failover restores the dr environment from the newest copy there in one apply (failover.step
 * restore). The way back: reprotect (the dr environment's backups also copied into the primary
 * region), restore at a fenced moment (a snapshot of the dr database taken after the fence, copied
 * back, the production database re-created from it), then complete (both sections removed; the
 * dr environment goes again).
 */
import { failbackState, type Failback, namer, type NotExercised, recoveryPointMissing, refuseOne } from '@parity/model';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';
import type { FailbackApi } from '../failback/api.js';
import {
  applyCommands,
  failbackCommand,
  type FailbackProcedureStep,
  fenceCommand,
  fenceStep,
  liftCommand,
  liftProtection,
  next,
  stackOf,
  trafficBackStep,
} from '../failback/procedure.js';
import { describePoint } from '../failover/point.js';
import { databaseIn, databaseOf, names, reverseVault, switchoverSnapshotId } from '../names.js';
import type { Pair } from '../pair.js';
import { COMMON_TITLES, type DrillObservations, type DrillValues, type FailbackDrillSteps, type FailoverDrillSteps } from './drill-kit.js';
import { cloudCalls } from './lazy.js';
import { reprotectWhat, rolesWhat, wayBackNames } from './shared.js';
import type { DrStrategy, FailbackJson, FailbackReady, RecoverySearch, RunbookStep, Switchover } from './strategy.js';

export const backupRestore: DrStrategy = {
  failover: {
    steps: [
      {
        step: 'restore',
        changes: (p) => `creates ${p.dr.name} in ${p.dr.region}, its database restored from the recovery point, its cluster at full size`,
      },
    ],
    recoveryPoint: newestCopy,
  },
  failback: {
    steps: [
      {
        step: 'reprotect',
        from: (p) => `${p.dr.name} (${p.dr.region}), its backups copied into ${p.primary.region}`,
        what: reprotectWhat,
      },
      {
        step: 'restore',
        from: (p) => `snapshot of ${p.dr.name}'s database taken after the fence, copied into ${p.primary.region}`,
        what: (p) =>
          `restore — planned switchover back to ${p.primary.region}: ${p.primary.name} re-created from a snapshot of ${p.dr.name} taken with writes fenced in ${p.dr.region}`,
      },
      { step: 'complete', what: (p) => `complete — ${rolesWhat(p)}` },
    ],
    reverse: 'reverse copy',
    reverseFound: (p) => `newest copy of ${p.dr.name}'s database in ${p.primary.region}`,
    passesMidway: () => false,
    ready: reverseCopyFound,
    procedure: (p, step, json, ready) => PROCEDURES[step]?.(p, json, ready.snapshot) ?? [],
    switchover: snapshotAfterFence,
  },
  runbook: {
    peacetime: () =>
      'backup & restore: nothing runs in the DR region in peacetime but the backup plane (vault, keys, copied backups, state bucket); the failover creates the DR environment, its database restored from the newest copy',
    dataCheck: (p) => `Data: the newest backup copy in ${p.dr.region} is younger than the RPO (${p.dr.dr.rpoMinutes} min)`,
    failback: runbookWayBack,
  },
  drill: {
    failoverSteps: ['marker', 'produce', 'copy', 'loss', 'apply-dr', 'replay'],
    failbackSteps: ['reprotect', 'switchover', 'failback-complete', 'verify-failback'],
    titles: {
      ...COMMON_TITLES,
      copy: (_p, _d, _pr, dr) => `Copy the latest protected data into ${dr}`,
      'apply-dr': (_p, d, _pr, dr) => `Fail over: apply ${d} in ${dr}, restored from the copy (failover.step restore)`,
      reprotect: (p, d, pr) =>
        `Fail back, reprotect: ${d}'s backups also copied into ${pr}, where ${p} becomes its DR (failback.step reprotect)`,
      switchover: (p, d) =>
        `Fail back, switch over: fence ${d}'s writers, snapshot its database, copy it back, re-create ${p}'s database from it (failback.step restore)`,
      'failback-complete': (p, d) =>
        `Fail back, complete: the original roles, ${p}'s restored database kept, both sections removed (${d} goes)`,
    },
    failover: drillFailover,
    failback: drillFailback,
    replacedBecause: 're-created from the switchover snapshot',
    notExercised: (o) => [...restoreGaps(o), ...(o.failback && o.emulated ? failbackGaps(o) : [])],
    failbackNote: (p, emulated) =>
      emulated
        ? `Measured on an emulator: the time of the steps and the provider waiters, not of AWS (a snapshot, its cross-region copy and a restore take minutes to hours with the database's size). moto runs no backup or copy jobs, so no reverse copy reached ${p.primary.region}: re-protection within the RPO is not shown here. ${p.dr.name} is destroyed by the drill's teardown, as the procedure's last step would.`
        : `Cut-over back (DNS, smoke tests) is not part of the drill; ${p.dr.name} is destroyed by the drill's teardown, as the procedure's last step would.`,
  },
};

/** Nothing runs in the DR region until the failover restores it from the newest copy. */
async function drillFailover<V extends DrillValues>(s: FailoverDrillSteps<V>, primary: V['primary']): Promise<V['recovered']> {
  const marker = await s.writeMarker(primary); //   a snapshot with a known time and tag, a queue message
  const produced = await s.produceMessages(primary); // messages through the archived queues, a checkpoint after some
  const copy = await s.copyLatest(primary, marker); // before the loss: what the copy job had landed by the day, with a DR key
  const loss = await s.declareLoss(primary, marker); // the primary region fenced, its data plane killed; the clock starts
  const recovered = await s.restore(primary, marker, loss, copy); // failover.step restore, applied
  return s.replayMessages(recovered, produced); // pnpm failover --replay: what the consumers had not checkpointed
}

/** Back to the primary region as pnpm failback makes it: the database re-created from a snapshot taken after the fence. */
async function drillFailback<V extends DrillValues>(s: FailbackDrillSteps<V>, verified: V['verified']): Promise<void> {
  const reprotected = await s.reprotectWithBackupCopies(verified); // the dr environment's backups also copied into the primary region
  const switched = await s.switchOverBySnapshot(reprotected); //     within the RPO, fence, snapshot, copy back, restore
  const restored = await s.completeKeepingRestore(switched); //      both sections removed: the original roles
  await s.verifyFailback(restored); //                               the primary region through the API; the failback measured
}

/** The newest snapshot of the primary's database in the DR region: a vault recovery point or a copy. */
async function newestCopy(pair: Pair, search: RecoverySearch) {
  const { primary, dr } = pair;
  const source = databaseIn(search.primaryJson, primary.region);
  if (!source) refuseOne(recoveryPointMissing(dr.name, dr.region, `a database in ${primary.name}'s Terraform (it has none)`));
  const vault = literal(placedResources(search.primaryJson, 'aws_backup_vault').find((v) => v.region === dr.region)?.body.name);
  const { newestSnapshot } = await cloudCalls();
  const p = await newestSnapshot({ rds: search.clients.rds, backup: search.clients.backup, sourceDbIdentifier: source, vault });
  if (!p)
    refuseOne(
      recoveryPointMissing(dr.name, dr.region, `a snapshot of ${source}${vault ? ` (copies, or recovery points in ${vault})` : ''}`),
    );
  return p;
}

/** The reverse copy: shown at reprotect; before the restore, awaited within the RPO, and the switchover snapshot named. */
async function reverseCopyFound(
  api: FailbackApi,
  pair: Pair,
  step: Failback['step'],
  json: FailbackJson,
  at: Date,
): Promise<FailbackReady> {
  const rpo = pair.dr.dr.rpoMinutes;
  const target = { ...api.api, ...(api.log ? { log: api.log } : {}) };
  const { awaitReverseBackup, reverseBackup } = await cloudCalls();
  if (step === 'reprotect') {
    const point = await reverseBackup(target, pair, json.drBefore);
    const text = point
      ? describePoint(point, at, rpo)
      : `none yet in ${pair.primary.region} (this step's apply of ${pair.dr.name} creates the copy vault there)`;
    return { ...(point ? { point } : {}), text };
  }
  if (step !== 'restore') return {};
  // the old, diverged database is replaced: never without a snapshot of what it holds
  if (!databaseOf(json.primaryBefore)?.finalSnapshot) refuseOne(noFinalSnapshot(pair));
  const wait = { ...target, now: () => at, waitMs: api.waitMs, pollMs: api.pollMs, acceptNone: api.emulator };
  const point = await awaitReverseBackup(wait, pair, json.drBefore);
  const text = point
    ? describePoint(point, at, rpo)
    : `none in ${pair.primary.region}: the emulator runs no backup jobs, so re-protection within the RPO is not shown`;
  return { ...(point ? { point } : {}), text, snapshot: switchoverSnapshotId(databaseOf(json.drBefore)?.id ?? pair.dr.name, at) };
}

function noFinalSnapshot(pair: Pair) {
  return failbackState(
    pair.primary.name,
    'overrides.database.deletionProtection',
    false,
    `${pair.primary.name}'s database keeps no final snapshot when it is deleted, and failback step restore replaces it: what it took after the failover would be lost`,
    'true (deletion protection with a final snapshot, as the production tier sets)',
    `set database.deletionProtection: true for ${pair.primary.name} and apply it, or snapshot its database yourself (aws rds create-db-snapshot), then run pnpm failback again`,
  );
}

/** Step restore, once confirmed: fence the dr side's writers, then the switchover snapshot and its copy in the primary region. */
async function snapshotAfterFence(
  api: FailbackApi,
  pair: Pair,
  step: Failback['step'],
  json: FailbackJson,
  ready: FailbackReady,
): Promise<Switchover | undefined> {
  if (step !== 'restore' || !ready.snapshot) return undefined;
  const { fence, switchoverSnapshot } = await cloudCalls();
  const fenced = await fence(api, pair, json.drBefore);
  const target = { ...api.api, ...(api.log ? { log: api.log } : {}), ...(api.signal ? { signal: api.signal } : {}) };
  const tags = api.snapshotTags ?? { 'parity:failback': `${pair.dr.name} to ${pair.primary.name}` };
  const snapshot = await switchoverSnapshot(target, pair, json.drBefore, ready.snapshot, tags);
  return { fenced, atSwitchover: `snapshot ${snapshot.copy.DBSnapshotArn}, taken after the fence`, snapshot };
}

/** The procedure of each failback step. */
const PROCEDURES: Partial<Record<Failback['step'], (p: Pair, json: FailbackJson, snapshot?: string) => FailbackProcedureStep[]>> = {
  reprotect: (p, json) => reprotectProcedure(p, json.drAfter),
  restore: (p, json, snapshot) => restoreProcedure(p, json.primaryBefore, json.drBefore, snapshot),
  complete: (p, json) => completeProcedure(p, json.primaryAfter, json.drBefore),
};

const pointsCommand = (region: string, vault: string | undefined) =>
  `aws backup list-recovery-points-by-backup-vault --region ${region} --backup-vault-name ${vault ?? '<the copy vault>'} --by-resource-type RDS --query 'RecoveryPoints[?Status==\`COMPLETED\`]|sort_by(@,&CreationDate)[-1]'`;

/** reprotect: the dr environment's backups copied into the production region. */
function reprotectProcedure(pair: Pair, drAfter: TerraformJson): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const vault = reverseVault(pair, drAfter);
  return [
    {
      id: 'apply-dr',
      title: `Apply ${dr.name}: its backups are also copied into ${primary.region}`,
      changes: `adds a copy vault ${vault ?? ''} with a key of its own in ${primary.region}, copy actions to it in ${dr.name}'s backup plan, and ${dr.name}'s automated backups replicated there; ${primary.name} is not changed (its old, diverged database stays as it is until the switchover re-creates it, keeping a final snapshot)`,
      commands: applyCommands(dr.name, 'failback.tfplan'),
      by: 'terraform',
    },
    {
      id: 'wait',
      title: `Wait until a copy of ${dr.name}'s database in ${primary.region} is within the RPO, then switch over`,
      changes: `nothing yet: the next pnpm failback waits until the newest copy in ${primary.region} is within the ${dr.dr.rpoMinutes} min RPO (re-protected: ${dr.name} could be recovered from it), then fences ${dr.name}'s writers, snapshots its database, copies it into ${primary.region} and writes failback.step restore`,
      commands: [pointsCommand(primary.region, vault), failbackCommand(pair)],
      by: 'operator',
    },
  ];
}

/** restore: the switchover at a fenced moment, the production database re-created from the fenced snapshot. */
function restoreProcedure(
  pair: Pair,
  primaryBefore: TerraformJson,
  drJson: TerraformJson,
  snapshot: string | undefined,
): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const n = names(primaryBefore, drJson, pair);
  const old = databaseOf(primaryBefore);
  const ddb = databaseOf(drJson)?.id ?? `<${dr.name}'s database>`;
  const snap = snapshot ?? `${ddb}-failback-<time>`;
  const kept = old?.finalSnapshot ? `; Terraform's delete keeps a final snapshot of it, ${old.finalSnapshot}` : '';
  const why = `${primary.name}'s old database diverged at the failover and is re-created from the switchover snapshot${kept}`;
  return [
    fenceStep(pair, n),
    {
      id: 'snapshot',
      title: `Snapshot ${dr.name}'s database after the fence and copy it into ${primary.region}`,
      changes: `a manual snapshot ${snap} in ${dr.region}, holding every write made before the fence (zero data loss), copied into ${primary.region} with ${primary.name}'s database key; pnpm failback runs these and waits until the copy is available before it writes the manifest`,
      commands: [
        `aws rds create-db-snapshot --region ${dr.region} --db-instance-identifier ${ddb} --db-snapshot-identifier ${snap}`,
        `aws rds wait db-snapshot-available --region ${dr.region} --db-snapshot-identifier ${snap}`,
        `aws rds copy-db-snapshot --region ${primary.region} --source-region ${dr.region} --source-db-snapshot-identifier arn:aws:rds:${dr.region}:<account>:snapshot:${snap} --target-db-snapshot-identifier ${snap} --kms-key-id alias/${namer(primary.platform, primary.name)('aws.kmsAlias', 'database')} --copy-tags`,
        `aws rds wait db-snapshot-available --region ${primary.region} --db-snapshot-identifier ${snap}`,
      ],
      by: 'failback',
    },
    ...(old?.protected ? [liftProtection(primary.name, primary.region, old, why)] : []),
    {
      id: 'apply',
      title: `Apply ${primary.name} with failback.step restore, re-creating its database from ${snap}`,
      changes: `REPLACES ${old?.address ?? 'the database'}: the old ${old?.id ?? 'instance'} is deleted${kept} and a new one restored from ${snap} in its place (snapshot_identifier is read at creation only, hence -replace)`,
      commands: applyCommands(primary.name, 'failback.tfplan', old?.address),
      by: 'terraform',
    },
    trafficBackStep(pair, n, old?.id),
    next(pair, 'complete'),
  ];
}

/** complete: the original roles; the production database kept as restored, the dr environment gone again. */
function completeProcedure(pair: Pair, primaryAfter: TerraformJson, drBefore: TerraformJson): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const db = databaseOf(primaryAfter);
  const drDb = databaseOf(drBefore);
  const vault = reverseVault(pair, drBefore);
  return [
    {
      id: 'apply-primary',
      title: `Apply ${primary.name} without its failback section: its database stays`,
      changes: `the restore source leaves ${primary.name}'s Terraform; snapshot_identifier is read at creation only, so the restored ${db?.id ?? 'database'} is kept (the plan must show no replacement)`,
      commands: applyCommands(primary.name, 'complete.tfplan'),
      by: 'terraform',
    },
    {
      id: 'destroy',
      title: `Destroy ${dr.name} (backup & restore keeps only the backup plane in ${dr.region} in peacetime)`,
      changes: `deletes ${dr.name}'s restored database (its final snapshot kept), compute and the rest. The copy vault ${vault ?? ''} in ${primary.region} holds ${dr.name}'s recovery points under a vault lock: delete them when their retention allows, or remove the vault from the state first (terraform state rm) to keep them`,
      commands: [...(drDb?.protected ? [liftCommand(dr.region, drDb.id)] : []), ...destroyCommands(dr.name)],
      by: 'operator',
    },
    {
      id: 'verify',
      title: `Verify ${primary.name} and ${dr.name}`,
      changes: 'nothing: reads only',
      commands: [
        `pnpm check ${primary.name} ${dr.name}`,
        `terraform -chdir=${stackOf(primary.name)} plan -detailed-exitcode`,
        `aws rds describe-db-instances --region ${primary.region} --db-instance-identifier ${db?.id} --query 'DBInstances[0].[DBInstanceStatus,KmsKeyId,BackupRetentionPeriod]'`,
        `pnpm gen runbook ${dr.name} --check`,
      ],
      by: 'operator',
    },
  ];
}

/** The runbook's way back: reprotect (backups copied back), restore at a fenced moment, complete. */
function runbookWayBack(p: Pair, primaryJson: TerraformJson, drJson: TerraformJson): RunbookStep[] {
  const { primary, dr } = p;
  const { run, pdb, ddb, n, by } = wayBackNames(p, primaryJson, drJson);
  return [
    {
      title: `Re-protect: ${dr.name}'s backups copied into ${primary.region} (failback.step reprotect)`,
      by,
      changes: `writes \`failback: step: reprotect\` into environments/${primary.name}/environment.yaml and shows the newest copy of ${dr.name}'s database found in ${primary.region}. The apply of ${dr.name} adds a copy vault with its own key in ${primary.region}, copy actions to it and replicated automated backups; ${primary.name} is not changed`,
      commands: [run, ...applyCommands(dr.name, 'failback.tfplan')],
    },
    {
      title: 'Switch over at a fenced moment (failback.step restore)',
      by,
      changes: `waits until a copy in ${primary.region} is within the RPO (${dr.dr.rpoMinutes} min), fences ${dr.name}'s writers (its node groups to zero), snapshots ${ddb?.id ?? 'its database'} after the fence (nothing written before it is lost), copies it into ${primary.region} with ${primary.name}'s database key, then writes \`failback.step: restore\` naming the copy. The apply REPLACES ${primary.name}'s old, diverged database with one restored from it${pdb?.finalSnapshot ? ` (Terraform's delete keeps a final snapshot, ${pdb.finalSnapshot})` : ''}. Then point traffic back at ${primary.region}`,
      commands: [
        run,
        ...n.drNodeGroups.map((g) => `# the fence it runs: ${fenceCommand(dr.region, n.drCluster, g)}`),
        ...(pdb?.protected ? [liftCommand(primary.region, pdb.id)] : []),
        ...applyCommands(primary.name, 'failback.tfplan', pdb?.address),
      ],
    },
    {
      title: 'Restore the original roles (complete)',
      by,
      changes: `removes \`failback:\` from ${primary.name}'s manifest and \`failover:\` from ${dr.name}'s (their comments stay as the history): both exactly as before the failover. ${primary.name}'s restored database is kept (snapshot_identifier is read at creation only); ${dr.name} is destroyed again (backup & restore keeps only the backup plane in ${dr.region})${ddb?.finalSnapshot ? `, its database's final snapshot kept (${ddb.finalSnapshot})` : ''}`,
      commands: [
        run,
        ...applyCommands(primary.name, 'failback.tfplan'),
        ...(ddb?.protected ? [liftCommand(dr.region, ddb.id)] : []),
        ...destroyCommands(dr.name),
        `pnpm check ${primary.name} ${dr.name}`,
        `pnpm gen runbook ${dr.name}`,
      ],
    },
  ];
}

/** The dr environment destroyed again: backup & restore keeps only the backup plane in peacetime. */
function destroyCommands(env: string): string[] {
  return [
    `pnpm synth ${env}`,
    `terraform -chdir=${stackOf(env)} init -input=false`,
    `terraform -chdir=${stackOf(env)} plan -destroy -out=destroy.tfplan`,
    `terraform -chdir=${stackOf(env)} apply destroy.tfplan`,
  ];
}

/** What a backup & restore drill stands in for: the copy job, and (on AWS) the point-in-time restore. */
function restoreGaps(o: DrillObservations): NotExercised[] {
  const { dr } = o.pair;
  const noBackupJob = o.leftOutTypes.has('aws_backup_selection');
  const out: NotExercised[] = [
    {
      what: 'AWS Backup copy job (copy_action to the DR vault)',
      why: o.emulated
        ? `${noBackupJob ? 'the emulator runs no backup job: ' : ''}the drill took the snapshot itself and copied it into ${dr.region} with CopyDBSnapshot before declaring the loss, as the copy job lands it on schedule (after the loss the fence refuses the copy's source, presigned for the lost region). The data's RPO is measured on the data plane (base backups and WAL shipped at the declared cadence, scaled), not from this snapshot.`
        : `the drill takes its own snapshot and copies it into ${dr.region} (CopyDBSnapshot) instead of waiting for the next scheduled backup job and its copy.`,
    },
  ];
  if (!o.emulated && placedResources(o.primaryJson ?? {}, 'aws_db_instance_automated_backups_replication').length) {
    out.push({
      what: 'point-in-time restore from the replicated automated backups',
      why: `the drill restores from the snapshot copy; restoring ${dr.name} to a point in time from the backups replicated into ${dr.region} is not exercised`,
    });
  }
  return out;
}

/** What a backup & restore failback on the emulator cannot show: the reverse backups and their copies, the fence, real times. */
function failbackGaps(o: DrillObservations): NotExercised[] {
  const { dr, primary } = o.pair;
  const replanned = o.emulatorQuirks.find((q) => q.startsWith('backup plan rules left as applied'));
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
      why: `the drill scaled ${dr.name}'s node groups to zero through UpdateNodegroupConfig before the switchover snapshot, but moto runs no pods and no PostgreSQL: on RDS, that no write reached the database after the fence and that every earlier write is in the snapshot is not shown beyond the snapshot's identity, tags and key; zero data loss is shown on the drill's data plane instead (writes stopped, the last WAL shipped, restored in ${primary.region}, every acknowledged row counted)`,
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
