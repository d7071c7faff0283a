/**
 * A recovery point as people read it: what it is, and how old its data is against the RPO. No
 * cloud call here (the runbook, `check` and `gen` load this without any SDK); finding one is
 * recovery-point.ts's.
 */

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
