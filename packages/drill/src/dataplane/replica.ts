/**
 * Replica strategies (pilot light, warm standby): an asynchronous streaming standby in the DR
 * site, as RDS and Cloud SQL cross-region replicas are (`pg_basebackup -R -X stream`; no
 * `synchronous_standby_names`). Its lag is read from PostgreSQL itself and checked against the
 * Terraform's ReplicaLag alarm threshold; after the loss it is promoted; on the way back, a
 * fenced switchover (writes stopped, lag 0, then the promotion) loses nothing.
 */
import { join } from 'node:path';
import { type Cluster, type DataPlane, newPlace, PG_USER, runPg, startCluster, until } from './cluster.js';
import { planeFailed } from './errors.js';
import type { Loss } from './primary.js';
import { type Recovered, untilPrimary } from './recovered.js';
import type { Writer, WriterLog } from './writer.js';

/** A streaming standby of a primary. */
export interface Standby {
  readonly cluster: Cluster;
  readonly primary: Cluster;
}

/**
 * Make a standby of `primary` in `site` (`dr-usw2`; on the way back, the primary region rebuilt):
 * a base backup streamed with its WAL, `-R` writing `primary_conninfo` and `standby.signal`; then
 * wait until the primary sees it streaming.
 */
export async function startStandby(plane: DataPlane, primary: Cluster, opts: { site: string; name?: string }): Promise<Standby> {
  const place = newPlace(plane, opts.site, opts.name ?? 'standby');
  const args = ['-h', '127.0.0.1', '-p', String(primary.port), '-U', PG_USER, '-D', join(place.dir, 'pgdata')];
  await runPg(plane, 'pg_basebackup', [...args, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], join(place.dir, 'basebackup.log'));
  const cluster = await startCluster(plane, place);
  await until(
    plane,
    `${cluster.id} streaming from ${primary.id}`,
    async () => (await replicationRow(primary, cluster))?.state === 'streaming',
    { cluster, timeoutMs: 120_000 },
  );
  return { cluster, primary };
}

interface ReplicationRow {
  state: string;
  lag_bytes: number | null;
  replay_lag: number | null;
  replay_lsn: string | null;
  primary_lsn: string;
}

/** The primary's row for `standby` in pg_stat_replication (its walreceiver names itself by cluster_name). */
async function replicationRow(primary: Cluster, standby: Cluster): Promise<ReplicationRow | undefined> {
  const rows = await primary.query<ReplicationRow>(
    `SELECT state,
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes,
            EXTRACT(epoch FROM replay_lag)::float8 AS replay_lag,
            replay_lsn::text AS replay_lsn,
            pg_current_wal_lsn()::text AS primary_lsn
       FROM pg_stat_replication WHERE application_name = $1`,
    [standby.id],
  );
  return rows[0];
}

/** A replica's lag, read from PostgreSQL on both sides, against the alarm's threshold. */
export interface ReplicaLag {
  /** When it was read (epoch ms). */
  readonly at: number;
  /** `pg_stat_replication.state` on the primary (`streaming`), or `absent` when the standby is not connected. */
  readonly state: string;
  /** The lag compared with the threshold (s): 0 when caught up, else the primary's `replay_lag`, else the standby's replay age. */
  readonly seconds: number;
  /** WAL the standby has not replayed yet (`pg_current_wal_lsn() - replay_lsn` on the primary). */
  readonly bytes?: number;
  /** `pg_stat_replication.replay_lag` on the primary (s); absent when idle. */
  readonly replayLagSeconds?: number;
  /** `now() - pg_last_xact_replay_timestamp()` on the standby (s): RDS's ReplicaLag for PostgreSQL reads the same. */
  readonly replayAgeSeconds?: number;
  /** The ReplicaLag alarm's threshold (s), from the Terraform. */
  readonly thresholdSeconds: number;
  readonly withinThreshold: boolean;
}

/** Read the standby's lag from PostgreSQL and check it against `thresholdSeconds` (the Terraform's ReplicaLag alarm). */
export async function replicaLag(standby: Standby, thresholdSeconds: number): Promise<ReplicaLag> {
  const row = await replicationRow(standby.primary, standby.cluster);
  const [mine] = await standby.cluster.query<{ age: number | null }>(
    'SELECT EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS age',
  );
  const at = Date.now();
  const replayAgeSeconds = mine?.age ?? undefined;
  if (!row)
    return {
      at,
      state: 'absent',
      seconds: Number.POSITIVE_INFINITY,
      thresholdSeconds,
      withinThreshold: false,
      ...(replayAgeSeconds !== undefined ? { replayAgeSeconds } : {}),
    };
  const bytes = row.lag_bytes ?? undefined;
  const seconds = bytes === 0 ? 0 : (row.replay_lag ?? replayAgeSeconds ?? Number.POSITIVE_INFINITY);
  return {
    at,
    state: row.state,
    seconds,
    ...(bytes !== undefined ? { bytes } : {}),
    ...(row.replay_lag !== null ? { replayLagSeconds: row.replay_lag } : {}),
    ...(replayAgeSeconds !== undefined ? { replayAgeSeconds } : {}),
    thresholdSeconds,
    withinThreshold: row.state === 'streaming' && seconds <= thresholdSeconds,
  };
}

/** Promote the standby after the loss of its primary; the replica's lag at the loss is how old its newest replayed commit was then. */
export async function promote(plane: DataPlane, standby: Standby, loss: Loss): Promise<Recovered> {
  const { cluster } = standby;
  const [seen] = await cluster.query<{ ts: Date | null }>('SELECT pg_last_xact_replay_timestamp() AS ts');
  const [done] = await cluster.query<{ ok: boolean }>('SELECT pg_promote(true, 120) AS ok');
  if (!done?.ok) throw planeFailed(`${cluster.id} was not promoted within 120 s; see ${cluster.log}`);
  const primary = await untilPrimary(plane, cluster);
  const newest = seen?.ts ? new Date(seen.ts).getTime() : undefined;
  return {
    how: 'promoted',
    cluster,
    ...primary,
    from: `streaming standby ${cluster.id} of ${loss.cluster}, promoted after the loss`,
    ...(newest !== undefined ? { lagAtLossSeconds: Math.max(0, (loss.at - newest) / 1000), lastReplayedCommitAt: newest } : {}),
  };
}

/**
 * The fenced switchover of a failback: stop the writer (writes fenced), wait until the standby
 * has replayed everything the primary wrote (lag 0), stop the primary cleanly, promote the
 * standby. Returns the new primary and the writer's log.
 */
export async function switchover(plane: DataPlane, standby: Standby, writer: Writer): Promise<{ recovered: Recovered; log: WriterLog }> {
  const log = await writer.stop();
  const { primary, cluster } = standby;
  const [target] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  await until(
    plane,
    `${cluster.id} replaying ${primary.id}'s WAL up to ${target!.lsn}`,
    async () => {
      const [r] = await cluster.query<{ behind: number }>(
        'SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::float8 AS behind',
        [target!.lsn],
      );
      return r !== undefined && r.behind <= 0;
    },
    { cluster, timeoutMs: 120_000 },
  );
  await primary.stop();
  const [done] = await cluster.query<{ ok: boolean }>('SELECT pg_promote(true, 120) AS ok');
  if (!done?.ok) throw planeFailed(`${cluster.id} was not promoted within 120 s; see ${cluster.log}`);
  const after = await untilPrimary(plane, cluster);
  return {
    recovered: {
      how: 'switched-over',
      cluster,
      ...after,
      from: `standby ${cluster.id} of ${primary.id}, switched over at lag 0`,
      lagAtSwitchBytes: 0,
    },
    log,
  };
}
