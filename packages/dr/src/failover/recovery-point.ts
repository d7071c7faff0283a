/**
 * What a failover recovers from, found through the cloud API in the DR region only (the primary
 * region is assumed gone): for backup & restore the newest copied snapshot (an AWS Backup
 * recovery point in the DR copy vault, or a snapshot copy), with the latest restorable time of the
 * replicated automated backups beside it; for pilot light and warm standby the read replica and
 * its lag. Each is shown with its age against the pair's RPO.
 */
import { ListRecoveryPointsByBackupVaultCommand, type BackupClient } from '@aws-sdk/client-backup';
import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';

/** The recovery point of a backup & restore failover. */
export interface SnapshotPoint {
  readonly kind: 'snapshot';
  /** What to restore from: the snapshot identifier (a copy in this region) or the recovery point's ARN. */
  readonly restoreFrom: string;
  readonly arn: string;
  /** When its data was taken (for a copy: the original snapshot's time). */
  readonly dataAt: Date;
  readonly source: 'backup-vault' | 'snapshot-copy';
  readonly kmsKeyId?: string;
  /** The latest restorable time of the automated backups replicated into the region, if any. */
  readonly automatedBackupsLatest?: Date;
}

/** The recovery point of a pilot light or warm standby failover. */
export interface ReplicaPoint {
  readonly kind: 'replica';
  readonly identifier: string;
  readonly arn: string;
  readonly status: string;
  /** What it replicates, as the API says (moto keeps saying so after a promotion). */
  readonly source?: string;
  /** Replication state (`replicating`, `error`, …) from the instance's status infos. */
  readonly replication?: string;
  /** The newest ReplicaLag datapoint of the last 10 minutes, if CloudWatch has one. */
  readonly lagSeconds?: number;
  /** When that datapoint was taken. */
  readonly lagAt?: Date;
  /** Why the lag is unknown, when the API that found the replica does not report it (Cloud SQL Admin). */
  readonly lagNote?: string;
}

export type RecoveryPoint = SnapshotPoint | ReplicaPoint;

export interface SnapshotLookup {
  readonly rds: RDSClient;
  readonly backup: BackupClient;
  /** The primary's database identifier (snapshots and copies keep it). */
  readonly sourceDbIdentifier: string;
  /** The primary's copy vault in the DR region, if its Terraform names one. */
  readonly vault?: string;
  readonly signal?: AbortSignal;
}

const time = (d: Date | string | undefined): Date | undefined => (d === undefined ? undefined : new Date(d));

/** Every page of DescribeDBSnapshots for one instance (manual snapshots include copies). */
async function snapshotsOf(rds: RDSClient, dbId: string, signal?: AbortSignal) {
  const out = [];
  let marker: string | undefined;
  do {
    const r = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: dbId, Marker: marker }), { abortSignal: signal });
    out.push(...(r.DBSnapshots ?? []));
    marker = r.Marker;
  } while (marker);
  return out;
}

/** Completed RDS recovery points in a vault, or none when the vault does not exist (or the API is not there). */
async function recoveryPoints(backup: BackupClient, vault: string, signal?: AbortSignal) {
  try {
    const r = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, ByResourceType: 'RDS' }), {
      abortSignal: signal,
    });
    return (r.RecoveryPoints ?? []).filter((p) => p.Status === 'COMPLETED' && p.RecoveryPointArn);
  } catch (e) {
    if (signal?.aborted) throw e;
    return [];
  }
}

async function automatedBackupsLatest(rds: RDSClient, dbId: string, signal?: AbortSignal): Promise<Date | undefined> {
  try {
    const r = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: dbId }), { abortSignal: signal });
    const latest = (r.DBInstanceAutomatedBackups ?? []).map((b) => time(b.RestoreWindow?.LatestTime)).filter((d): d is Date => !!d);
    return latest.sort((a, b) => b.getTime() - a.getTime())[0];
  } catch (e) {
    if (signal?.aborted) throw e;
    return undefined;
  }
}

/** The newest snapshot of the primary's database in the DR region: a vault recovery point or a copy. */
export async function newestSnapshot(l: SnapshotLookup): Promise<SnapshotPoint | undefined> {
  const candidates: SnapshotPoint[] = [];
  for (const s of await snapshotsOf(l.rds, l.sourceDbIdentifier, l.signal)) {
    const dataAt = time(s.OriginalSnapshotCreateTime ?? s.SnapshotCreateTime);
    if (s.Status !== 'available' || !dataAt || !s.DBSnapshotIdentifier) continue;
    candidates.push({
      kind: 'snapshot',
      restoreFrom: s.DBSnapshotIdentifier,
      arn: s.DBSnapshotArn ?? s.DBSnapshotIdentifier,
      dataAt,
      source: 'snapshot-copy',
      kmsKeyId: s.KmsKeyId,
    });
  }
  for (const p of l.vault ? await recoveryPoints(l.backup, l.vault, l.signal) : []) {
    const dataAt = time(p.CreationDate);
    if (!dataAt || !p.ResourceArn?.endsWith(`:db:${l.sourceDbIdentifier}`)) continue;
    candidates.push({
      kind: 'snapshot',
      restoreFrom: p.RecoveryPointArn!,
      arn: p.RecoveryPointArn!,
      dataAt,
      source: 'backup-vault',
      kmsKeyId: p.EncryptionKeyArn,
    });
  }
  const newest = candidates.sort((a, b) => b.dataAt.getTime() - a.dataAt.getTime())[0];
  if (!newest) return undefined;
  const latest = await automatedBackupsLatest(l.rds, l.sourceDbIdentifier, l.signal);
  return latest ? { ...newest, automatedBackupsLatest: latest } : newest;
}

/** The read replica in the DR region, its replication state and its lag. */
export async function replicaOf(
  rds: RDSClient,
  cloudwatch: CloudWatchClient,
  identifier: string,
  now: Date,
  signal?: AbortSignal,
): Promise<ReplicaPoint | undefined> {
  let inst: DBInstance | undefined;
  try {
    inst = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }), { abortSignal: signal })).DBInstances?.[0];
  } catch (e) {
    if ((e as { name?: string }).name === 'DBInstanceNotFoundFault') return undefined;
    throw e;
  }
  if (!inst) return undefined;
  const stats = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/RDS',
      MetricName: 'ReplicaLag',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: identifier }],
      StartTime: new Date(now.getTime() - 10 * 60_000),
      EndTime: now,
      Period: 60,
      Statistics: ['Maximum'],
    }),
    { abortSignal: signal },
  );
  const newest = (stats.Datapoints ?? [])
    .filter((d) => d.Timestamp && d.Maximum !== undefined)
    .sort((a, b) => time(b.Timestamp)!.getTime() - time(a.Timestamp)!.getTime())[0];
  return {
    kind: 'replica',
    identifier,
    arn: inst.DBInstanceArn ?? identifier,
    status: inst.DBInstanceStatus ?? 'unknown',
    source: inst.ReadReplicaSourceDBInstanceIdentifier,
    replication: inst.StatusInfos?.find((s) => s.StatusType === 'read replication')?.Status,
    lagSeconds: newest?.Maximum,
    ...(newest?.Timestamp ? { lagAt: time(newest.Timestamp) } : {}),
  };
}

/** How old the data of a recovery point is at `now`, in whole seconds (a replica: its lag). */
export function ageSeconds(p: RecoveryPoint, now: Date): number | undefined {
  if (p.kind === 'replica') return p.lagSeconds;
  return Math.max(0, Math.round((now.getTime() - p.dataAt.getTime()) / 1000));
}

/** One line for people: what, how old, against the RPO. */
export function describePoint(p: RecoveryPoint, now: Date, rpoMinutes: number): string {
  const age = ageSeconds(p, now);
  const within =
    age === undefined ? '' : age <= rpoMinutes * 60 ? ` — within the ${rpoMinutes} min RPO` : ` — OLDER than the ${rpoMinutes} min RPO`;
  const ago = (s: number) => (s < 120 ? `${s} s` : `${Math.round(s / 60)} min`);
  if (p.kind === 'replica') {
    const unknown = p.lagNote ?? 'lag unknown (no ReplicaLag datapoint in the last 10 min)';
    const lag = p.lagSeconds === undefined ? unknown : `lag ${ago(p.lagSeconds)}`;
    return `read replica ${p.identifier} (${p.status}${p.replication ? `, replication ${p.replication}` : ''}), ${lag}${within}`;
  }
  const from = p.source === 'backup-vault' ? 'recovery point' : 'snapshot';
  const pitr = p.automatedBackupsLatest ? `; replicated automated backups restorable to ${p.automatedBackupsLatest.toISOString()}` : '';
  return `${from} ${p.restoreFrom}, data of ${p.dataAt.toISOString()} (${ago(age!)} old${within})${pitr}`;
}
