/**
 * The load on a drill's primary: one connection committing marked, checksummed rows at a steady
 * rate, one row per transaction, each with a sequence number, the drill's marker, a random payload
 * and the payload's sha256. It records what it saw of every commit: acknowledged (COMMIT returned),
 * unanswered (sent, and the connection died before the answer: the loss came in between), or
 * refused (an error answer). Kept in memory and appended, a JSON line each, to a file in the work
 * folder as it happens. It stops when asked, or by itself when its connection is lost.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type Cluster, CONNECT_TIMEOUT_MS, type DataPlane } from './cluster.js';

/** The table every writer commits to (made by `prepareRows`). */
export const ROWS_TABLE = 'drill_rows';

/** One commit the writer made, as it saw it. */
export interface Commit {
  readonly seq: number;
  /** sha256 of the payload it sent (hex). */
  readonly checksum: string;
  /** When the INSERT was sent (epoch ms). */
  readonly sentAt: number;
  /**
   * The WAL position right after its row was written, inside its transaction (`pg_current_wal_insert_lsn()`): its
   * commit record comes later. Acknowledged commits only.
   */
  readonly lsn?: string;
  /** When the answer came (epoch ms); absent when none came. */
  readonly answeredAt?: number;
  readonly outcome: 'acknowledged' | 'unanswered' | 'refused';
  /** The error, for `unanswered` and `refused`. */
  readonly error?: string;
}

/** Everything a writer did, once it has stopped. */
export interface WriterLog {
  readonly marker: string;
  /** The cluster it wrote to (`<site>/<name>`). */
  readonly cluster: string;
  readonly ratePerSecond: number;
  readonly startedAt: number;
  readonly stoppedAt: number;
  readonly stoppedBy: 'stop' | 'connection-lost' | 'abort';
  /** The file holding the same commits, a JSON line each. */
  readonly file: string;
  /** Every commit, in sequence order. */
  readonly commits: readonly Commit[];
  /** The rate reached, in commits acknowledged per second of writing. */
  readonly achievedPerSecond: number;
}

export interface WriterOptions {
  /** Marks every row (`drill-<stamp>`, `failback-<stamp>`); one writer per marker. */
  readonly marker: string;
  /** @default 50 */
  readonly ratePerSecond?: number;
  /** Random bytes per payload, written as hex. @default 64 */
  readonly payloadBytes?: number;
}

export interface Writer {
  readonly marker: string;
  readonly file: string;
  /** Commits acknowledged so far. */
  readonly acknowledged: number;
  /** Resolves when the writer has stopped (asked to, or its connection lost). */
  readonly done: Promise<WriterLog>;
  /** Stop after the commit in flight; resolves with the log. */
  stop(): Promise<WriterLog>;
}

/** The rows table, made once on a primary (a standby or a backup made afterwards has it too). */
export async function prepareRows(cluster: Cluster): Promise<void> {
  await cluster.query(
    `CREATE TABLE IF NOT EXISTS ${ROWS_TABLE} (
      marker text NOT NULL,
      seq bigint NOT NULL,
      payload text NOT NULL,
      checksum text NOT NULL,
      written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (marker, seq)
    )`,
  );
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether an error means the connection is gone (the server died), rather than a refusal the server answered. */
function connectionLost(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) return err.code.startsWith('57P') || err.code.startsWith('08');
  return true;
}

/** One row, one transaction: the commit as the writer saw it. */
async function commitRow(client: pg.Client, marker: string, seq: number, bytes: number): Promise<Commit> {
  const payload = randomBytes(bytes).toString('hex');
  const checksum = sha256(payload);
  const sentAt = Date.now();
  try {
    const r = await client.query<{ lsn: string }>(
      `INSERT INTO ${ROWS_TABLE} (marker, seq, payload, checksum) VALUES ($1, $2, $3, $4) RETURNING pg_current_wal_insert_lsn()::text AS lsn`,
      [marker, seq, payload, checksum],
    );
    return { seq, checksum, sentAt, lsn: r.rows[0]!.lsn, answeredAt: Date.now(), outcome: 'acknowledged' };
  } catch (e) {
    const lost = connectionLost(e);
    const error = (e as Error).message;
    return lost
      ? { seq, checksum, sentAt, outcome: 'unanswered', error }
      : { seq, checksum, sentAt, answeredAt: Date.now(), outcome: 'refused', error };
  }
}

/** Start writing to `cluster` (its rows table made with `prepareRows`). */
export async function startWriter(plane: DataPlane, cluster: Cluster, opts: WriterOptions): Promise<Writer> {
  const rate = opts.ratePerSecond ?? 50;
  const bytes = opts.payloadBytes ?? 64;
  const file = join(plane.folder(cluster.site), `writer-${opts.marker}.jsonl`);
  const out = createWriteStream(file, { flags: 'a' });
  const client = new pg.Client({ ...cluster.connection(), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // the server's death is seen here first: the next row is not sent into a closed connection
  let gone = false;
  client.on('error', () => (gone = true));
  client.on('end', () => (gone = true));
  await client.connect();
  const commits: Commit[] = [];
  let acknowledged = 0;
  let stopping = false;
  let stoppedBy: WriterLog['stoppedBy'] = 'stop';
  const startedAt = Date.now();
  const record = (c: Commit) => {
    commits.push(c);
    if (c.outcome === 'acknowledged') acknowledged++;
    out.write(`${JSON.stringify({ marker: opts.marker, ...c })}\n`);
  };
  const onAbort = () => {
    stopping = true;
    stoppedBy = 'abort';
  };
  plane.signal?.addEventListener('abort', onAbort, { once: true });

  const loop = async (): Promise<WriterLog> => {
    for (let seq = 1; !stopping; seq++) {
      const due = startedAt + ((seq - 1) * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      if (stopping) break;
      if (gone) {
        stoppedBy = 'connection-lost';
        break;
      }
      const c = await commitRow(client, opts.marker, seq, bytes);
      record(c);
      if (c.outcome === 'unanswered') {
        stoppedBy = 'connection-lost';
        break;
      }
    }
    plane.signal?.removeEventListener('abort', onAbort);
    const stoppedAt = Date.now();
    await client.end().catch(() => undefined);
    await new Promise<void>((r) => out.end(r));
    const last = commits.filter((c) => c.outcome === 'acknowledged').at(-1);
    const span = ((last?.answeredAt ?? stoppedAt) - startedAt) / 1000;
    return {
      marker: opts.marker,
      cluster: cluster.id,
      ratePerSecond: rate,
      startedAt,
      stoppedAt,
      stoppedBy,
      file,
      commits,
      achievedPerSecond: span > 0 ? Math.round((acknowledged / span) * 10) / 10 : 0,
    };
  };
  const done = loop();
  const writer: Writer = {
    marker: opts.marker,
    file,
    get acknowledged() {
      return acknowledged;
    },
    done,
    stop() {
      stopping = true;
      return done;
    },
  };
  const forget = plane.track(writer);
  void done.then(forget);
  return writer;
}
