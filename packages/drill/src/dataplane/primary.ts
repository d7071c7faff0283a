/**
 * The primary region's data plane and its loss: a new cluster with the rows table, and the
 * SIGKILL of its whole process group (postmaster, backends, walsenders, archiver) at once, as a
 * region's loss takes every process with it. Whatever ships data out of it (a standby's stream,
 * a shipment of backups and WAL) stops at that moment.
 */
import { type Cluster, type DataPlane, initCluster, newPlace, startCluster } from './cluster.js';
import { prepareRows } from './writer.js';

/** Start the primary of `site` (`prod-use1`): initdb, the server, the rows table. */
export async function startPrimary(plane: DataPlane, opts: { site: string; name?: string }): Promise<Cluster> {
  const place = newPlace(plane, opts.site, opts.name ?? 'primary');
  await initCluster(plane, place);
  const cluster = await startCluster(plane, place);
  await prepareRows(cluster);
  return cluster;
}

/** The loss of a primary, as `kill` made it. */
export interface Loss {
  /** The cluster lost (`<site>/<name>`). */
  readonly cluster: string;
  readonly site: string;
  /** When it was killed (epoch ms): shipping had stopped just before. */
  readonly at: number;
  /** The WAL position the primary had written when last asked, just before the kill. */
  readonly lastKnownLsn?: string;
}

/** Lose the primary: stop what ships data out of it, then SIGKILL its process group. */
export async function kill(plane: DataPlane, primary: Cluster): Promise<Loss> {
  const lsn = await primary
    .query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
    .then((r) => r[0]?.lsn)
    .catch(() => undefined);
  for (const hook of plane.lossHooks(primary)) hook();
  const at = Date.now();
  await primary.crash();
  return { cluster: primary.id, site: primary.site, at, ...(lsn ? { lastKnownLsn: lsn } : {}) };
}
