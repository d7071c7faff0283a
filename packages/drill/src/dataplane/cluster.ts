/**
 * A drill's data plane and its PostgreSQL clusters. `openDataPlane` finds the server programs and
 * makes the work folder; every cluster, writer and shipment started in it is stopped by its
 * `stop()` (and, if this process dies first, by the drill's process groups). A cluster is one
 * postmaster on a free loopback port, TCP only (no Unix socket: `unix_socket_directories = ''`,
 * so nothing is written outside the work folder and no socket path can be too long), trusting
 * the local `parity` user, in its own process group.
 *
 * Layout: `<work>/<site>/<cluster>/` holds `pgdata/`, `archive/` (the WAL it archived, in its own
 * region) and `postgres.log`. A site is a region's side of the pair (`prod-use1`, `dr-usw2`).
 */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, killGroup, ProcessGroups, runChecked, type Started, startProcess } from '@parity/io';
import pg from 'pg';
import { planeFailed } from './errors.js';
import { asUser, findPostgres, pgCommand, type Postgres, POSTGRES_FIX } from './postgres.js';

/** The superuser every cluster trusts on loopback. */
export const PG_USER = 'parity';
/** The database the drill's rows live in (initdb's own: nothing to create before the first connection). */
export const PG_DATABASE = 'postgres';

export interface DataPlaneOptions {
  /** The folder everything is made in (created). */
  readonly work: string;
  /** The drill's process groups: each server is recorded there while it lives. @default - a group list of its own */
  readonly groups?: ProcessGroups;
  /** Aborts waits, and stops everything the plane started (as `stop()`). */
  readonly signal?: AbortSignal;
  /** The server programs. @default - `findPostgres()` */
  readonly postgres?: Postgres;
}

/** Something started in the data plane that its `stop()` must stop (a writer, a shipment, a cluster). */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/** One drill's data plane: its folder, its server programs, everything it started. */
export interface DataPlane {
  readonly work: string;
  readonly postgres: Postgres;
  readonly groups: ProcessGroups;
  readonly signal?: AbortSignal;
  /** Record something to stop with the plane; returns the function that forgets it. */
  track(s: Stoppable): () => void;
  /** Make a folder (and its parents) owned by the servers' user. */
  folder(...parts: string[]): string;
  /** Give a file or folder tree to the servers' user (under root; a no-op otherwise). */
  own(path: string): void;
  /** Run `hook` at the loss of `cluster`, before it is killed (a shipment stops: nothing leaves a lost region). */
  onLoss(cluster: Cluster, hook: () => void): void;
  /** The hooks of `cluster`'s loss, run once. */
  lossHooks(cluster: Cluster): Array<() => void>;
  /** Stop every writer, shipment and server started in the plane, newest first. */
  stop(): Promise<void>;
}

/** Open a data plane in `opts.work`: finds PostgreSQL (refused with `tool-missing` when it is not installed). */
export async function openDataPlane(opts: DataPlaneOptions): Promise<DataPlane> {
  const postgres = opts.postgres ?? (await findPostgres());
  const groups = opts.groups ?? new ProcessGroups();
  const live: Stoppable[] = [];
  const hooks = new Map<Cluster, Array<() => void>>();
  let stopping: Promise<void> | undefined;
  const own = (path: string) => {
    const u = postgres.runAs;
    if (!u) return;
    chownSync(path, u.uid, u.gid);
    if (lstatSync(path).isDirectory()) for (const e of readdirSync(path)) own(join(path, e));
  };
  mkdirSync(opts.work, { recursive: true });
  const plane: DataPlane = {
    work: opts.work,
    postgres,
    groups,
    signal: opts.signal,
    track(s) {
      live.push(s);
      return () => {
        const i = live.indexOf(s);
        if (i >= 0) live.splice(i, 1);
      };
    },
    folder(...parts) {
      // the servers' user creates files here: every folder from the plane's down is its own
      let dir = opts.work;
      for (const p of ['', ...parts]) {
        dir = join(dir, p);
        mkdirSync(dir, { recursive: true });
        if (postgres.runAs) chownSync(dir, postgres.runAs.uid, postgres.runAs.gid);
      }
      return dir;
    },
    own,
    onLoss(cluster, hook) {
      hooks.set(cluster, [...(hooks.get(cluster) ?? []), hook]);
    },
    lossHooks(cluster) {
      const list = hooks.get(cluster) ?? [];
      hooks.delete(cluster);
      return list;
    },
    stop() {
      // one stop at a time; what is started while it runs is stopped too
      stopping ??= (async () => {
        // one that hangs must not keep the others running: each has a minute, the servers' own SIGKILL comes sooner
        for (let s = live.pop(); s; s = live.pop()) await Promise.race([s.stop().catch(() => undefined), sleep(60_000)]);
      })().finally(() => (stopping = undefined));
      return stopping;
    },
  };
  // an aborted drill stops everything the data plane started
  opts.signal?.addEventListener('abort', () => void plane.stop(), { once: true });
  await reachable(plane);
  return plane;
}

/** Under root: the servers' user must be able to reach and write the work folder (a 0700 parent stops it). */
async function reachable(plane: DataPlane): Promise<void> {
  if (!plane.postgres.runAs) return;
  plane.folder();
  const probe = asUser(plane.postgres, 'test', ['-w', plane.work, '-a', '-x', plane.work]);
  try {
    await runChecked(probe.cmd, probe.args, { cwd: '/' });
  } catch {
    throw planeFailed(
      `the ${plane.postgres.runAs.user} user (PostgreSQL refuses to run as root) cannot reach ${plane.work}: give every folder above it o+x, or choose a work folder under one it can reach`,
    );
  }
}

/** Settings of every cluster, in postgresql.conf: small, durable, WAL kept for standbys, 1 MiB segments (initdb). */
const BASE_SETTINGS: Record<string, string> = {
  max_connections: '30',
  shared_buffers: "'16MB'",
  wal_level: 'replica',
  max_wal_senders: '10',
  wal_keep_size: "'256MB'",
  hot_standby: 'on',
  fsync: 'on',
  synchronous_commit: 'on',
  // the data plane's lag must be the replica's, not a checkpoint's flood of full-page images
  checkpoint_timeout: "'5min'",
  log_line_prefix: "'%m [%p] '",
  log_checkpoints: 'off',
  // a replica's lag is read from pg_stat_replication; the feedback keeps replay_lag current
  wal_receiver_status_interval: "'1s'",
};

/** One PostgreSQL cluster of a data plane: a postmaster on a loopback port. */
export interface Cluster {
  /** `<site>/<name>`, as messages name it. */
  readonly id: string;
  readonly site: string;
  readonly dir: string;
  readonly pgdata: string;
  /** The WAL it archived (in its own region). */
  readonly archive: string;
  readonly log: string;
  readonly port: number;
  /** The postmaster (and its process group). */
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly hasExited: boolean;
  /** How a client connects (`pg`). */
  connection(): pg.ClientConfig;
  /** One statement on a connection of its own. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** A clean, fast shutdown (SIGINT: clients are disconnected, the WAL is flushed and sent to standbys). */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and every process of its group at once: a crash, as a region's loss. */
  crash(): Promise<void>;
}

/** Where a cluster lives: its site (a region's side) and its own folder there. */
export interface Place {
  readonly site: string;
  readonly name: string;
  readonly dir: string;
}

/** A new cluster's place under its site: `<work>/<site>/<name>`, else `<name>-2`, … */
export function newPlace(plane: DataPlane, site: string, name: string): Place {
  let unique = name;
  for (let n = 2; existsSync(join(plane.work, site, unique)); n++) unique = `${name}-${n}`;
  return { site, name: unique, dir: plane.folder(site, unique) };
}

/** The archive_command of a cluster: each finished segment (or history file) copied into its archive, whole or not at all. */
function archiveCommand(archive: string): string {
  const to = (f: string) => `'${archive}/${f}'`;
  return `test ! -f ${to('%f')} && cp %p ${to('%f.part')} && mv ${to('%f.part')} ${to('%f')}`;
}

/** Run a server program to completion (initdb, pg_basebackup, pg_ctl), as the servers' user. */
export async function runPg(
  plane: DataPlane,
  program: string,
  args: readonly string[],
  log: string,
  signal: AbortSignal | undefined = plane.signal,
): Promise<string> {
  const c = pgCommand(plane.postgres, program, args);
  // a group of its own: pg_basebackup -X stream forks its WAL receiver, which an abort must stop too
  const o = { cwd: plane.work, log, signal, groups: plane.groups, what: `${program} (data plane)`, missingFix: POSTGRES_FIX };
  return runChecked(c.cmd, c.args, o);
}

/** initdb a new cluster's data folder: trust on loopback, 1 MiB WAL segments, the base settings. */
export async function initCluster(plane: DataPlane, { dir }: Place): Promise<void> {
  const pgdata = join(dir, 'pgdata');
  await runPg(
    plane,
    'initdb',
    ['-D', pgdata, '-U', PG_USER, '--auth=trust', '--wal-segsize=1', '-E', 'UTF8', '--locale=C', '--no-sync'],
    join(dir, 'initdb.log'),
  );
  const conf = join(pgdata, 'postgresql.conf');
  const lines = Object.entries(BASE_SETTINGS).map(([k, v]) => `${k} = ${v}`);
  writeFileSync(conf, `${readFileSync(conf, 'utf8')}\n# parity drill data plane\n${lines.join('\n')}\n`);
}

/**
 * How long a connection to a data-plane server may take. On loopback it is instant, but the drill's
 * worker shares two cores with everything else in CI (load 20 and more), and there a connection once
 * outlasted 10 s and failed a drill ("timeout expired"). A dead server is refused at once anyway.
 */
export const CONNECT_TIMEOUT_MS = 60_000;

/** Start the postmaster of the cluster in `dir` (its pgdata already made) and wait until it accepts connections. */
export async function startCluster(plane: DataPlane, place: Place, opts: { port?: number } = {}): Promise<Cluster> {
  const { site, dir } = place;
  const pgdata = join(dir, 'pgdata');
  const archive = plane.folder(site, place.name, 'archive');
  chmodSync(pgdata, 0o700);
  const port = opts.port ?? (await freePort());
  const log = join(dir, 'postgres.log');
  const settings = {
    port: String(port),
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    // a standby's walreceiver names itself by it: its row in the primary's pg_stat_replication
    cluster_name: `${site}/${place.name}`,
    archive_mode: 'on',
    archive_command: archiveCommand(archive),
  };
  const c = pgCommand(plane.postgres, 'postgres', ['-D', pgdata, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]);
  const server = startProcess(c.cmd, c.args, {
    cwd: dir,
    log,
    groups: plane.groups,
    what: `postgres ${site} ${dir}`,
    missingFix: POSTGRES_FIX,
  });
  const cluster = makeCluster({ site, name: place.name, dir, pgdata, archive, log, port, server });
  const forget = plane.track(cluster);
  void cluster.exited.then(forget);
  await untilAccepting(plane, cluster, server);
  return cluster;
}

function makeCluster(c: {
  site: string;
  name: string;
  dir: string;
  pgdata: string;
  archive: string;
  log: string;
  port: number;
  server: Started;
}): Cluster {
  const { server } = c;
  const connection = (): pg.ClientConfig => ({ host: '127.0.0.1', port: c.port, user: PG_USER, database: PG_DATABASE });
  return {
    id: `${c.site}/${c.name}`,
    site: c.site,
    dir: c.dir,
    pgdata: c.pgdata,
    archive: c.archive,
    log: c.log,
    port: c.port,
    pid: server.pid,
    exited: server.exited,
    get hasExited() {
      return server.hasExited;
    },
    connection,
    async query(sql, params) {
      const client = new pg.Client({ ...connection(), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      try {
        await client.connect();
        return (await client.query(sql, params)).rows;
      } catch (e) {
        // which server and which statement: pg's own message ("timeout expired") names neither
        if (e instanceof Error) e.message = `${c.site}/${c.name} on port ${c.port}, ${sql.replace(/\s+/g, ' ').slice(0, 80)}: ${e.message}`;
        throw e;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stop() {
      if (server.hasExited) return;
      process.kill(server.pid, 'SIGINT');
      const timer = setTimeout(() => void server.stop(0), 20_000);
      await server.exited;
      clearTimeout(timer);
      await server.stop(1000);
    },
    async crash() {
      killGroup(server.pid, 'SIGKILL');
      await server.exited;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

const reasonOf = (signal: AbortSignal) => (signal.reason instanceof Error ? signal.reason : planeFailed('aborted'));

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(reasonOf(signal));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(reasonOf(signal));
      },
      { once: true },
    );
  });

/** Poll `check` until it holds; fail naming `what` after `timeoutMs`, on abort, or when the cluster exits. */
export async function until(
  plane: DataPlane,
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; cluster?: Cluster; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (plane.signal?.aborted) throw reasonOf(plane.signal);
    if (opts.cluster?.hasExited) throw planeFailed(`${opts.cluster.id} exited while waiting for ${what}; see ${opts.cluster.log}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw planeFailed(`${what} did not happen within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s`);
    await pause(opts.everyMs ?? 100, plane.signal);
  }
}

async function untilAccepting(plane: DataPlane, cluster: Cluster, server: Started): Promise<void> {
  const failed = await Promise.race([server.failed, pause(50).then(() => undefined)]);
  if (failed) throw failed;
  try {
    await until(
      plane,
      `${cluster.id} accepting connections on port ${cluster.port}`,
      // Its own postmaster, not one that took the free port first (another drill's cluster, with the
      // same user and database): that one answers too, while this one exits ("could not bind").
      async () => {
        const [row] = await cluster.query<{ d: string }>("SELECT current_setting('data_directory') AS d");
        return !!row && realpathSync(row.d) === realpathSync(cluster.pgdata);
      },
      { cluster, timeoutMs: 180_000, everyMs: 200 },
    );
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

/** The newest timeline history file's switch point: where a promoted or restored cluster's recovery ended. */
export function recoveryEnd(cluster: Cluster): { timeline: number; lsn: string } | undefined {
  const wal = join(cluster.pgdata, 'pg_wal');
  const newest = readdirSync(wal)
    .filter((f) => /^[0-9A-F]{8}\.history$/.test(f))
    .sort()
    .at(-1);
  if (!newest) return undefined;
  const last = readFileSync(join(wal, newest), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .at(-1);
  const lsn = last?.split(/\s+/)[1];
  return lsn ? { timeline: Number.parseInt(newest.slice(0, 8), 16), lsn } : undefined;
}

/** The WAL segment size `initCluster` gives every cluster of the plane (`--wal-segsize=1`). */
export const WAL_SEGMENT_BYTES = 1n << 20n;

/** A WAL segment file's name (`000000010000000000000082`: timeline, log, segment), not a history file's. */
export const isWalSegment = (file: string): boolean => /^[0-9A-F]{24}$/.test(file);

/** Where a WAL segment file begins, as `lsnValue` counts. */
export function segmentStart(file: string): bigint {
  if (!isWalSegment(file)) throw planeFailed(`not a WAL segment file name: ${file}`);
  return (BigInt(`0x${file.slice(8, 16)}`) << 32n) + BigInt(`0x${file.slice(16, 24)}`) * WAL_SEGMENT_BYTES;
}

/** A WAL position (`16/B374D848`) as a number, to compare two. */
export function lsnValue(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}
