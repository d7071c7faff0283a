import { describe, expect, it } from 'vitest';
import { assertIntact, assess, type RecoveredRow } from './measure.js';
import type { Recovered } from './recovered.js';
import { type Commit, sha256, type WriterLog } from './writer.js';

const T0 = 1_800_000_000_000;
const payload = (seq: number) => `payload-${seq}`;

/** A writer that committed `acked` rows 20 ms apart, then had `tail` in flight or refused. */
function logOf(acked: number, tail: Array<Commit['outcome']> = []): WriterLog {
  const commit = (seq: number, outcome: Commit['outcome']): Commit => ({
    seq,
    checksum: sha256(payload(seq)),
    sentAt: T0 + seq * 20,
    ...(outcome === 'unanswered' ? {} : { answeredAt: T0 + seq * 20 + 5 }),
    outcome,
  });
  const commits = [
    ...Array.from({ length: acked }, (_, i) => commit(i + 1, 'acknowledged')),
    ...tail.map((o, i) => commit(acked + i + 1, o)),
  ];
  return {
    marker: 'm',
    cluster: 'prod-use1/primary',
    ratePerSecond: 50,
    startedAt: T0,
    stoppedAt: T0 + 60_000,
    stoppedBy: 'connection-lost',
    file: '/dev/null',
    commits,
    achievedPerSecond: 50,
  };
}

const rowsOf = (seqs: number[]): RecoveredRow[] => seqs.map((seq) => ({ seq, payload: payload(seq), checksum: sha256(payload(seq)) }));
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const promoted: Pick<Recovered, 'how'> = { how: 'promoted' };

describe('assess', () => {
  it('measures the RPO in rows and in seconds of writes between the last acknowledged and the last recovered', () => {
    const d = assess(logOf(100), rowsOf(upTo(90)), promoted);
    expect(d).toMatchObject({
      acknowledged: 100,
      recovered: 90,
      rpo: { rows: 10, seconds: 0.2, lastAcknowledgedSeq: 100, lastRecoveredSeq: 90 },
      missing: { firstSeq: 91, lastSeq: 100, newestOnly: true },
      checksums: { verified: 90, failed: [] },
      ok: true,
    });
  });

  it('counts nothing lost when everything came back', () => {
    expect(assess(logOf(50), rowsOf(upTo(50)), promoted)).toMatchObject({ rpo: { rows: 0, seconds: 0 }, ok: true });
  });

  it('counts every second of writing when nothing came back', () => {
    expect(assess(logOf(50), [], promoted).rpo).toMatchObject({ rows: 50, seconds: 1.005 });
  });

  it('explains a present row that was in flight at the loss, not one the server refused or the writer never sent', () => {
    const inFlight = assess(logOf(10, ['unanswered']), rowsOf(upTo(11)), promoted);
    expect(inFlight.unacknowledged).toEqual({ inFlight: [11], unexplained: [] });
    expect(inFlight.ok).toBe(true);
    const refused = assess(logOf(10, ['refused']), rowsOf(upTo(11)), promoted);
    expect(refused.unacknowledged.unexplained).toEqual([11]);
    expect(refused.ok).toBe(false);
    const never = assess(logOf(10), rowsOf([...upTo(10), 500]), promoted);
    expect(never.unacknowledged.unexplained).toEqual([500]);
    expect(() => assertIntact(never)).toThrow(/is not intact/);
  });

  it('fails on a hole: an acknowledged commit missing while a later one came back', () => {
    const d = assess(logOf(20), rowsOf(upTo(20).filter((s) => s !== 7)), promoted);
    expect(d.missing).toEqual({ firstSeq: 7, lastSeq: 7, newestOnly: false });
    expect(d.ok).toBe(false);
    expect(d.problems[0]).toMatch(/a hole, not an RPO/);
  });

  it("fails on a payload that does not match its checksum, and on a checksum that is not the writer's", () => {
    const rows = rowsOf(upTo(5));
    rows[1] = { ...rows[1]!, payload: 'tampered' };
    rows[3] = { seq: 4, payload: 'other', checksum: sha256('other') };
    const d = assess(logOf(5), rows, promoted);
    expect(d.checksums).toEqual({
      verified: 3,
      failed: [
        { seq: 2, why: 'sha256 of the payload differs from the stored checksum' },
        { seq: 4, why: 'the stored checksum differs from the one the writer sent' },
      ],
    });
    expect(d.ok).toBe(false);
  });

  it("states a restore's loss in the schedule's time too", () => {
    const restored: Pick<Recovered, 'how' | 'restoredFrom'> = {
      how: 'restored',
      restoredFrom: {
        baseBackup: '001',
        baseBackupAt: T0,
        walSegments: 3,
        scheduleSecondsPerDrillSecond: 60,
        scale: '1 min of schedule = 1 s of drill',
      },
    };
    expect(assess(logOf(100), rowsOf(upTo(50)), restored).rpo).toMatchObject({
      rows: 50,
      seconds: 1,
      scheduleSeconds: 60,
      scale: '1 min of schedule = 1 s of drill',
    });
  });

  it('allows no missing row when asked (a fenced switchover)', () => {
    const d = assess(logOf(10), rowsOf(upTo(9)), promoted);
    expect(() => assertIntact(d)).not.toThrow();
    expect(() => assertIntact(d, { maxMissingRows: 0 })).toThrow(/1 acknowledged commit\(s\) missing, at most 0 allowed/);
  });
});
