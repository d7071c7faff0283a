/**
 * Backup & restore: base backups and archived WAL shipped from a primary to the DR side at the
 * cadence the Terraform declares, scaled to the drill; a restore is the newest base backup on the
 * DR side plus every WAL segment shipped after it, replayed to the end (`restore_command`,
 * `recovery.signal`). The primary archives each finished WAL segment into its own region
 * (`archive_command`); `archive_timeout` closes a segment at the WAL cadence so a quiet primary
 * still ships. A shipment stops at the loss: what was archived in the lost region but not yet
 * shipped is lost with it, as is a base backup under way.
 *
 * DR side: `<work>/<to>/backups-of-<site>-<name>/{base/<n>-<time>/pgdata, wal/}`.
 */
import { cpSync, existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Cluster,
  type DataPlane,
  isWalSegment,
  lsnValue,
  newPlace,
  PG_USER,
  runPg,
  segmentStart,
  startCluster,
  until,
} from './cluster.js';
import { planeFailed } from './errors.js';
import { type Recovered, type RestoredFrom, untilPrimary } from './recovered.js';
import type { Writer, WriterLog } from './writer.js';

/** The Terraform's cadences, in drill seconds, and the scale that made them. */
export interface Cadence {
  /** A base backup (a snapshot) is taken and shipped every this many drill seconds. */
  readonly baseBackupEverySeconds: number;
  /** Archived WAL (transaction logs) is shipped every this many drill seconds; absent: only base backups are shipped. */
  readonly walEverySeconds?: number;
  /** Schedule seconds per drill second: 60 means one minute of the Terraform's schedule is one second of drill. */
  readonly scheduleSecondsPerDrillSecond: number;
}

/** A base backup delivered to the DR side. */
export interface BaseBackup {
  readonly name: string;
  readonly dir: string;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** A shipment of one primary's backups and WAL to the DR side. */
export interface Shipping {
  readonly from: Cluster;
  /** The DR site it ships to. */
  readonly to: string;
  /** Its folder on the DR side. */
  readonly dir: string;
  readonly cadence: Cadence;
  /** "1 min of schedule = 1 s of drill". */
  readonly scale: string;
  /** What has reached the DR side so far, and what failed on the way (a base backup that could not be taken). */
  delivered(): {
    readonly baseBackups: readonly BaseBackup[];
    readonly walSegments: readonly string[];
    readonly failures: readonly string[];
  };
  /** Ship now, off the cadence: a base backup when `baseBackup`, and every archived WAL file (a fenced switchover's last shipment). */
  flush(opts?: { baseBackup?: boolean }): Promise<void>;
  /** Stop shipping (what is under way is abandoned). */
  stop(): Promise<void>;
}

/** The scale in words: `1 min of schedule = 1 s of drill`. */
export function scaleText(scheduleSecondsPerDrillSecond: number): string {
  const s = scheduleSecondsPerDrillSecond;
  const schedule = s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
  return `${schedule} of schedule = 1 s of drill`;
}

const WAL_FILE = /^[0-9A-F]{24}$|^[0-9A-F]{8}\.history$/;

/** Start shipping `from`'s base backups and archived WAL to site `to`; the first base backup is taken at once. */
export async function startShipping(plane: DataPlane, from: Cluster, to: string, cadence: Cadence): Promise<Shipping> {
  const folders = shipFolders(plane, from, to);
  if (cadence.walEverySeconds !== undefined) await closeSegmentsEvery(from, cadence.walEverySeconds);
  const got = { baseBackups: [] as BaseBackup[], walSegments: [] as string[], failures: [] as string[] };
  const stopped = new AbortController();
  const queues = jobQueues(stopped.signal, got.failures);
  const takeBase = () => takeBaseBackup(plane, from, to, folders, got.baseBackups, stopped.signal);
  const shipWal = async () => shipWalFiles(plane, from, folders.wal, got.walSegments, stopped.signal);
  const halt = startTimers(cadence, queues, takeBase, shipWal, stopped);
  plane.onLoss(from, halt);
  plane.signal?.addEventListener('abort', halt, { once: true });
  await queues.serial('base', takeBase);
  if (got.baseBackups.length === 0)
    throw planeFailed(`the first base backup of ${from.id} did not reach ${to}; see ${join(folders.dir, 'basebackup.log')}`);
  const shipping: Shipping = {
    from,
    to,
    dir: folders.dir,
    cadence,
    scale: scaleText(cadence.scheduleSecondsPerDrillSecond),
    delivered: () => ({ baseBackups: [...got.baseBackups], walSegments: [...got.walSegments], failures: [...got.failures] }),
    async flush(opts = {}) {
      if (opts.baseBackup) await queues.serial('base', takeBase);
      await queues.serial('wal', shipWal);
    },
    async stop() {
      halt();
      await queues.settled();
    },
  };
  const forget = plane.track(shipping);
  stopped.signal.addEventListener('abort', forget, { once: true });
  return shipping;
}

/** The shipment's folder on the DR side (`dir`, named `name`), with its `wal` and `base` folders. */
interface ShipFolders {
  readonly dir: string;
  readonly name: string;
  readonly wal: string;
  readonly base: string;
}

/** Makes the shipment's folders on the DR side. */
function shipFolders(plane: DataPlane, from: Cluster, to: string): ShipFolders {
  const dir = plane.folder(to, `backups-of-${from.site}-${from.id.split('/')[1]}`);
  const name = dir.split('/').at(-1)!;
  const wal = plane.folder(to, name, 'wal');
  const base = plane.folder(to, name, 'base');
  return { dir, name, wal, base };
}

/** With WAL shipping: a segment is closed (and archived) at least this often while there are writes. */
async function closeSegmentsEvery(from: Cluster, seconds: number): Promise<void> {
  await from.query(`ALTER SYSTEM SET archive_timeout = '${Math.max(1, Math.round(seconds))}s'`);
  await from.query('SELECT pg_reload_conf()');
}

type Queue = 'base' | 'wal';
type JobQueues = ReturnType<typeof jobQueues>;

/**
 * Two queues, as snapshots and log shipping are independent: one base backup at a time, one WAL
 * shipment at a time. A job that fails is recorded in `failures`; none starts once `signal` aborts.
 */
function jobQueues(signal: AbortSignal, failures: string[]) {
  const queues = { base: Promise.resolve(), wal: Promise.resolve() };
  const serial = (q: Queue, job: () => Promise<void>) => {
    queues[q] = queues[q]
      .then(() => (signal.aborted ? undefined : job()))
      .catch((e: unknown) => void failures.push(e instanceof Error ? e.message : String(e)));
    return queues[q];
  };
  // a tick that finds the last one still under way is skipped, as a backup window that overruns
  const busy = { base: false, wal: false };
  const tick = (q: Queue, job: () => Promise<void>) => () => {
    if (busy[q]) return;
    busy[q] = true;
    void serial(q, job).finally(() => (busy[q] = false));
  };
  return { serial, tick, settled: () => Promise.all([queues.base, queues.wal]) };
}

/** The cadence's timers; the function returned stops them and abandons what is under way. */
function startTimers(
  cadence: Cadence,
  queues: JobQueues,
  takeBase: () => Promise<void>,
  shipWal: () => Promise<void>,
  stopped: AbortController,
): () => void {
  const timers = [setInterval(queues.tick('base', takeBase), cadence.baseBackupEverySeconds * 1000)];
  if (cadence.walEverySeconds !== undefined) timers.push(setInterval(queues.tick('wal', shipWal), cadence.walEverySeconds * 1000));
  return () => {
    stopped.abort();
    for (const t of timers) clearInterval(t);
  };
}

/**
 * Copies each archived WAL file not shipped yet to the DR side (a temporary name, then renamed), in
 * order, owned by the servers' user: under root the copy is root's, mode 0600 as PostgreSQL archived
 * it, and a restore's `restore_command` (run as that user) could not read it, ending recovery at the
 * base backup (a drill measured 10 s of writes lost where one was shipped).
 */
function shipWalFiles(plane: DataPlane, from: Cluster, wal: string, walSegments: string[], signal: AbortSignal): void {
  for (const f of readdirSync(from.archive)
    .filter((n) => WAL_FILE.test(n))
    .sort()) {
    if (signal.aborted) return;
    if (walSegments.includes(f)) continue;
    cpSync(join(from.archive, f), join(wal, `.${f}.part`));
    plane.own(join(wal, `.${f}.part`));
    renameSync(join(wal, `.${f}.part`), join(wal, f));
    walSegments.push(f);
  }
}

/** pg_basebackup into a partial folder on the DR side, renamed into place when done; abandoned (and removed) on abort. */
async function takeBaseBackup(
  plane: DataPlane,
  from: Cluster,
  to: string,
  folders: ShipFolders,
  baseBackups: BaseBackup[],
  signal: AbortSignal,
): Promise<void> {
  const n = baseBackups.length + 1;
  const tmp = plane.folder(to, folders.name, 'base', `.partial-${n}`);
  const startedAt = Date.now();
  const args = ['-h', '127.0.0.1', '-p', String(from.port), '-U', PG_USER, '-D', join(tmp, 'pgdata'), '-X', 'stream', '-c', 'fast'];
  try {
    await runPg(plane, 'pg_basebackup', [...args, '--no-sync'], join(folders.dir, 'basebackup.log'), signal);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (signal.aborted) return;
    throw e;
  }
  if (signal.aborted) {
    rmSync(tmp, { recursive: true, force: true });
    return;
  }
  const name = `${String(n).padStart(3, '0')}-${new Date(startedAt).toISOString().replace(/[:.]/g, '')}`;
  renameSync(tmp, join(folders.base, name));
  baseBackups.push({ name, dir: join(folders.base, name), startedAt, finishedAt: Date.now() });
}

/**
 * Restore on the DR side: the newest base backup that reached it, then every WAL segment shipped
 * there replayed to its end (`restore_command` over the DR side's WAL, `recovery.signal`, no
 * target: recovery ends where the shipped WAL ends and the cluster is promoted).
 */
export async function restore(plane: DataPlane, shipping: Shipping, opts: { site?: string; name?: string } = {}): Promise<Recovered> {
  const { baseBackups, walSegments } = shipping.delivered();
  const newest = baseBackups.at(-1);
  if (!newest) throw planeFailed(`no base backup of ${shipping.from.id} reached ${shipping.to}: nothing to restore`);
  const place = newPlace(plane, opts.site ?? shipping.to, opts.name ?? 'restored');
  const pgdata = join(place.dir, 'pgdata');
  cpSync(join(newest.dir, 'pgdata'), pgdata, { recursive: true });
  const wal = join(shipping.dir, 'wal');
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `restore_command = 'cp "${wal}/%f" "%p"'\nrecovery_target_timeline = 'latest'\n`, {
    flag: 'a',
  });
  writeFileSync(join(pgdata, 'recovery.signal'), '');
  for (const f of ['standby.signal', 'postmaster.pid']) if (existsSync(join(pgdata, f))) rmSync(join(pgdata, f));
  plane.own(pgdata);
  const cluster = await startCluster(plane, place);
  const primary = await untilPrimary(plane, cluster);
  replayedAll(cluster, primary.end, walSegments, shipping.to, join(place.dir, 'postgres.log'));
  // the restored cluster keeps no restore_command: its own WAL is its own from now on
  await cluster.query('ALTER SYSTEM RESET restore_command');
  const s = shipping.cadence.scheduleSecondsPerDrillSecond;
  const restoredFrom: RestoredFrom = {
    baseBackup: newest.name,
    baseBackupAt: newest.finishedAt,
    walSegments: walSegments.length,
    ...(walSegments.length ? { newestSegment: walSegments.at(-1)! } : {}),
    scheduleSecondsPerDrillSecond: s,
    scale: shipping.scale,
  };
  return {
    how: 'restored',
    cluster,
    ...primary,
    from: `base backup ${newest.name} of ${shipping.from.id} and ${walSegments.length} WAL file(s) shipped to ${shipping.to}`,
    restoredFrom,
  };
}

/**
 * Refuses a restore whose recovery ended before the newest WAL segment shipped: a file it could not
 * read (its owner, its mode) ends recovery early and silently, and the drill would report the
 * shipped writes as lost.
 */
function replayedAll(cluster: Cluster, end: Recovered['end'], walSegments: readonly string[], to: string, log: string): void {
  const newest = walSegments.filter(isWalSegment).at(-1);
  if (!newest || !end || lsnValue(end.lsn) >= segmentStart(newest)) return;
  throw planeFailed(
    `${cluster.id}'s recovery ended at ${end.lsn}, before WAL segment ${newest}: not every WAL file shipped to ${to} was replayed (the server could not read one?); see ${log}`,
  );
}

/**
 * The fenced switchover of a backup & restore failback: stop the writer (writes fenced), close
 * the WAL segment holding its last commit and wait until it is archived, ship a last base backup
 * and every archived WAL file now (lag 0), stop the source cleanly, and restore on the other side.
 */
export async function switchoverByRestore(
  plane: DataPlane,
  shipping: Shipping,
  writer: Writer,
  opts: { site?: string; name?: string } = {},
): Promise<{ recovered: Recovered; log: WriterLog }> {
  const log = await writer.stop();
  const { from } = shipping;
  const [last] = await from.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal');
  await until(plane, `${from.id} archiving ${last!.wal}`, async () => existsSync(join(from.archive, last!.wal)), {
    cluster: from,
    timeoutMs: 120_000,
  });
  await shipping.flush({ baseBackup: true });
  await shipping.stop();
  await from.stop();
  const recovered = await restore(plane, shipping, opts);
  return {
    recovered: {
      ...recovered,
      how: 'switched-over',
      from: `${recovered.from}, at lag 0 (writes fenced, last segment ${last!.wal} shipped)`,
    },
    log,
  };
}
