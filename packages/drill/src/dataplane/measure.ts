/**
 * What came back: the writer's own record of every commit against the rows the recovered primary
 * holds. Missing acknowledged commits are the measured RPO, in rows and in seconds of writes (the
 * last acknowledged commit before the loss minus the last one recovered). A one-connection writer
 * commits in sequence and WAL is replayed in order, so what is missing must be the newest commits
 * only: a hole (a commit missing while a later one came back) is not an RPO but a defect. A row
 * present that the writer never saw acknowledged is explained only when its commit was in flight
 * at the loss (sent, the connection died before the answer: it reached the standby or the
 * archive first). Every recovered row's checksum is verified: sha256 of its payload, and the
 * checksum the writer sent.
 */
import { notIntact } from './errors.js';
import type { Recovered } from './recovered.js';
import { ROWS_TABLE, sha256, type Writer, type WriterLog } from './writer.js';

/** A row as the recovered primary holds it. */
export interface RecoveredRow {
  readonly seq: number;
  readonly payload: string;
  readonly checksum: string;
}

export interface DataLoss {
  readonly marker: string;
  readonly how: Recovered['how'];
  /** Commits the writer saw acknowledged. */
  readonly acknowledged: number;
  /** Rows of the marker the recovered primary holds. */
  readonly recovered: number;
  /** The measured RPO. */
  readonly rpo: {
    /** Acknowledged commits missing. */
    readonly rows: number;
    /** Seconds of writes lost: last acknowledged commit minus the last acknowledged commit recovered. */
    readonly seconds: number;
    readonly lastAcknowledgedSeq?: number;
    readonly lastRecoveredSeq?: number;
    /** A restore: the same loss in the Terraform schedule's time (seconds × the scale). */
    readonly scheduleSeconds?: number;
    readonly scale?: string;
  };
  /** The missing acknowledged commits: a range of sequence numbers, the newest ones when `newestOnly`. */
  readonly missing: { readonly firstSeq?: number; readonly lastSeq?: number; readonly newestOnly: boolean };
  /** Rows present that the writer never saw acknowledged: in flight at the loss (explained), or not (a defect). */
  readonly unacknowledged: { readonly inFlight: readonly number[]; readonly unexplained: readonly number[] };
  readonly checksums: { readonly verified: number; readonly failed: ReadonlyArray<{ readonly seq: number; readonly why: string }> };
  /** Nothing unexplained: no hole, no unexplained row, every checksum verified. */
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/** Verify each row's checksum: the payload's sha256, and the checksum the writer sent for that sequence number. */
function verifyChecksums(rows: readonly RecoveredRow[], sent: ReadonlyMap<number, string>): DataLoss['checksums'] {
  const failed: Array<{ seq: number; why: string }> = [];
  for (const r of rows) {
    if (sha256(r.payload) !== r.checksum) failed.push({ seq: r.seq, why: 'sha256 of the payload differs from the stored checksum' });
    else if (sent.has(r.seq) && sent.get(r.seq) !== r.checksum)
      failed.push({ seq: r.seq, why: 'the stored checksum differs from the one the writer sent' });
  }
  return { verified: rows.length - failed.length, failed };
}

const range = (seqs: readonly number[]) => (seqs.length ? `${seqs[0]}-${seqs.at(-1)}` : '');

/** Compare the writer's log with the recovered rows (pure). */
export function assess(log: WriterLog, rows: readonly RecoveredRow[], recovered: Pick<Recovered, 'how' | 'restoredFrom'>): DataLoss {
  const present = new Set(rows.map((r) => r.seq));
  const bySeq = new Map(log.commits.map((c) => [c.seq, c]));
  const acked = log.commits.filter((c) => c.outcome === 'acknowledged');
  const missing = acked.filter((c) => !present.has(c.seq)).map((c) => c.seq);
  const firstMissing = missing[0];
  const newestOnly = firstMissing === undefined || acked.every((c) => c.seq < firstMissing || !present.has(c.seq));
  const lastAcked = acked.at(-1);
  const lastRecovered = acked.filter((c) => present.has(c.seq)).at(-1);
  const seconds = !lastAcked ? 0 : ((lastAcked.answeredAt ?? 0) - (lastRecovered?.answeredAt ?? log.startedAt)) / 1000;
  const inFlight: number[] = [];
  const unexplained: number[] = [];
  for (const r of rows) {
    const c = bySeq.get(r.seq);
    if (c?.outcome === 'acknowledged') continue;
    (c?.outcome === 'unanswered' ? inFlight : unexplained).push(r.seq);
  }
  const checksums = verifyChecksums(rows, new Map(log.commits.map((c) => [c.seq, c.checksum])));
  const problems = [
    !newestOnly &&
      `acknowledged commits missing with later ones recovered (a hole, not an RPO): missing ${range(missing)}, last recovered ${lastRecovered?.seq}`,
    unexplained.length > 0 &&
      `${unexplained.length} row(s) present that the writer never had in flight or saw refused: ${unexplained.slice(0, 10).join(', ')}`,
    ...checksums.failed.slice(0, 10).map((f) => `row ${f.seq}: ${f.why}`),
  ].filter((p): p is string => typeof p === 'string');
  const rf = recovered.restoredFrom;
  return {
    marker: log.marker,
    how: recovered.how,
    acknowledged: acked.length,
    recovered: rows.length,
    rpo: {
      rows: missing.length,
      seconds: Math.round(seconds * 1000) / 1000,
      ...(lastAcked ? { lastAcknowledgedSeq: lastAcked.seq } : {}),
      ...(lastRecovered ? { lastRecoveredSeq: lastRecovered.seq } : {}),
      ...(rf ? { scheduleSeconds: Math.round(seconds * rf.scheduleSecondsPerDrillSecond), scale: rf.scale } : {}),
    },
    missing: { ...(missing.length ? { firstSeq: missing[0]!, lastSeq: missing.at(-1)! } : {}), newestOnly },
    unacknowledged: { inFlight, unexplained },
    checksums,
    ok: problems.length === 0,
    problems,
  };
}

/** Read the writer's marker's rows from the recovered primary and assess them (stops the writer first if it still runs). */
export async function measure(writer: Writer | WriterLog, recovered: Recovered): Promise<DataLoss> {
  const log = 'commits' in writer ? writer : await writer.stop();
  const rows = await recovered.cluster.query<{ seq: string; payload: string; checksum: string }>(
    `SELECT seq, payload, checksum FROM ${ROWS_TABLE} WHERE marker = $1 ORDER BY seq`,
    [log.marker],
  );
  return assess(
    log,
    rows.map((r) => ({ seq: Number(r.seq), payload: r.payload, checksum: r.checksum })),
    recovered,
  );
}

/** Fail (a `data-not-intact` refusal) unless the data is intact and at most `maxMissingRows` acknowledged commits are missing (0 after a fenced switchover). */
export function assertIntact(d: DataLoss, opts: { maxMissingRows?: number } = {}): void {
  const max = opts.maxMissingRows ?? Number.POSITIVE_INFINITY;
  const problems = [...d.problems, ...(d.rpo.rows > max ? [`${d.rpo.rows} acknowledged commit(s) missing, at most ${max} allowed`] : [])];
  if (problems.length)
    throw notIntact(d.marker, `the data of ${d.marker} that came back (${d.how}) is not intact: ${problems.join('; ')}`, problems);
}
