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

import type { ReplicaPoint, SnapshotPoint } from './point.js';

export { ageSeconds, describePoint, type RecoveryPoint, type ReplicaPoint, type SnapshotPoint } from './point.js';

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
