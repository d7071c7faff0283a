/** A cluster that took over as primary: promoted from a standby, restored from shipped backups, or switched over to. */
import { type Cluster, type DataPlane, recoveryEnd, until } from './cluster.js';

/** What was recovered from shipped backups, and the drill's scale of the schedule they follow. */
export interface RestoredFrom {
  /** The base backup restored (its folder name on the DR side). */
  readonly baseBackup: string;
  /** When that base backup finished (epoch ms). */
  readonly baseBackupAt: number;
  /** Archived WAL segments available on the DR side, replayed on top of it. */
  readonly walSegments: number;
  readonly newestSegment?: string;
  /** Schedule seconds per drill second (60: one minute of schedule is one second of drill). */
  readonly scheduleSecondsPerDrillSecond: number;
  /** The scale in words: "1 min of schedule = 1 s of drill". */
  readonly scale: string;
}

export interface Recovered {
  readonly how: 'promoted' | 'restored' | 'switched-over';
  /** The new primary. */
  readonly cluster: Cluster;
  /** When it accepted writes (epoch ms). */
  readonly at: number;
  /** In words: from what, to where. */
  readonly from: string;
  /** Where its recovery ended: the switch point of its new timeline (WAL after it was not recovered). */
  readonly end?: { readonly timeline: number; readonly lsn: string };
  /** A promotion: how old the newest replayed commit was at the loss (s): the replica's lag at the loss. */
  readonly lagAtLossSeconds?: number;
  /** A promotion: the primary's commit time of the newest transaction the standby replayed (epoch ms, `pg_last_xact_replay_timestamp()`). */
  readonly lastReplayedCommitAt?: number;
  /** A switchover: bytes of WAL the standby lacked when it was promoted (0: the fence held). */
  readonly lagAtSwitchBytes?: number;
  /** A restore: what it was restored from. */
  readonly restoredFrom?: RestoredFrom;
}

/** Wait until `cluster` has left recovery (accepts writes), then read where its recovery ended. */
export async function untilPrimary(plane: DataPlane, cluster: Cluster): Promise<Pick<Recovered, 'at' | 'end'>> {
  await until(
    plane,
    `${cluster.id} out of recovery`,
    async () => (await cluster.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r === false,
    { cluster, timeoutMs: 180_000 },
  );
  const end = recoveryEnd(cluster);
  return { at: Date.now(), ...(end ? { end } : {}) };
}
