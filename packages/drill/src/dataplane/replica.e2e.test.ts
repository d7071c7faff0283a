/**
 * The replica strategies' data plane on a real PostgreSQL: a primary under write load, an
 * asynchronous streaming standby in the DR site, its lag read from PostgreSQL and checked against
 * the alarm's threshold, the primary killed (SIGKILL), the standby promoted, and what came back
 * measured; a corrupted or deleted row fails the verification; the failback (the primary region
 * rebuilt as a standby of the promoted side, a fenced switchover at lag 0) loses nothing.
 *
 * Needs PostgreSQL's server programs (Debian's postgresql package): skipped locally without them,
 * FAILS under CI=true.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupAlive } from '@parity/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertIntact,
  type Cluster,
  type DataLoss,
  type DataPlane,
  kill,
  measure,
  promote,
  type Recovered,
  replicaLag,
  type Standby,
  startPrimary,
  startShipping,
  startStandby,
  startWriter,
  switchover,
  until,
  type WriterLog,
} from './index.js';
import { hasPostgres, processesUnder, tempPlane } from './testing.js';

const CI = process.env.CI === 'true';
const runnable = await hasPostgres();

describe.skipIf(!runnable && !CI)('a streaming standby under write load, lost and promoted, then failed back', () => {
  let work: string;
  let plane: DataPlane;
  let primary: Cluster;
  let standby: Standby;
  let log: WriterLog;
  let recovered: Recovered;
  let loss: DataLoss;
  const servers: number[] = [];

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ plane, work, close } = await tempPlane());
  });

  // stops everything, and fails if a process under the work folder is left
  afterAll(async () => await close?.());

  it('keeps the lag read from PostgreSQL within the alarm threshold under load, then loses a few rows at most at the kill, every checksum verified', async () => {
    primary = await startPrimary(plane, { site: 'prod-use1' });
    standby = await startStandby(plane, primary, { site: 'dr-usw2' });
    servers.push(primary.pid, standby.cluster.pid);
    const writer = await startWriter(plane, primary, { marker: 'drill-replica', ratePerSecond: 50 });
    await until(plane, '200 commits', async () => writer.acknowledged >= 200);

    const lag = await replicaLag(standby, 60);
    expect(lag).toMatchObject({ state: 'streaming', thresholdSeconds: 60, withinThreshold: true });
    expect(lag.seconds).toBeLessThanOrEqual(60);
    expect(lag.bytes).toBeGreaterThanOrEqual(0);
    // the same reading against a threshold it cannot meet while it lags at all
    const strict = await replicaLag(standby, -1);
    expect(strict.withinThreshold).toBe(false);

    const lost = await kill(plane, primary);
    expect(primary.hasExited).toBe(true);
    log = await writer.done;
    expect(log.stoppedBy).toBe('connection-lost');

    recovered = await promote(plane, standby, lost);
    expect(recovered).toMatchObject({ how: 'promoted', end: { timeline: 2 } });
    expect(recovered.lagAtLossSeconds).toBeGreaterThanOrEqual(0);

    loss = await measure(log, recovered);
    expect(loss.ok, loss.problems.join('; ')).toBe(true);
    expect(loss.acknowledged).toBeGreaterThanOrEqual(200);
    expect(loss.checksums).toEqual({ verified: loss.recovered, failed: [] });
    expect(loss.missing.newestOnly).toBe(true);
    expect(loss.unacknowledged.unexplained).toEqual([]);
    // rows present but unacknowledged can only be the one in flight at the kill
    expect(loss.unacknowledged.inFlight.length).toBeLessThanOrEqual(1);
    expect(loss.recovered).toBe(loss.acknowledged - loss.rpo.rows + loss.unacknowledged.inFlight.length);
    // the writer's clock and PostgreSQL's agree on the line between recovered and lost: every recovered row was sent
    // before the standby's newest replayed commit, every lost one acknowledged after it (1 ms: Date.now() is in ms)
    const line = recovered.lastReplayedCommitAt!;
    const present = new Set((await recovered.cluster.query<{ seq: string }>('SELECT seq FROM drill_rows')).map((r) => Number(r.seq)));
    const acked = log.commits.filter((c) => c.outcome === 'acknowledged');
    for (const c of acked.filter((a) => present.has(a.seq))) expect(c.sentAt).toBeLessThanOrEqual(line + 1);
    for (const c of acked.filter((a) => !present.has(a.seq))) expect(c.answeredAt!).toBeGreaterThanOrEqual(line - 1);
    // the writer's file holds what it saw, a line per commit
    expect(readFileSync(log.file, 'utf8').trim().split('\n')).toHaveLength(log.commits.length);
    console.info(
      `replica: ${loss.acknowledged} acknowledged at ${log.achievedPerSecond}/s, ${loss.rpo.rows} lost (${loss.rpo.seconds} s of writes), lag at the loss ${recovered.lagAtLossSeconds} s, ${loss.checksums.verified} checksums verified, ${loss.unacknowledged.inFlight.length} in flight`,
    );
  });

  it('fails the verification of a corrupted row, and of a row deleted from the middle (a hole, not an RPO)', async () => {
    const tampered = log.commits.find((c) => c.outcome === 'acknowledged' && c.seq > 10)!.seq;
    await recovered.cluster.query("UPDATE drill_rows SET payload = 'tampered' WHERE marker = $1 AND seq = $2", ['drill-replica', tampered]);
    const corrupted = await measure(log, recovered);
    expect(corrupted.ok).toBe(false);
    expect(corrupted.checksums.failed).toEqual([{ seq: tampered, why: 'sha256 of the payload differs from the stored checksum' }]);
    expect(() => assertIntact(corrupted)).toThrow(/is not intact/);

    await recovered.cluster.query('DELETE FROM drill_rows WHERE marker = $1 AND seq = $2', ['drill-replica', tampered]);
    const holed = await measure(log, recovered);
    expect(holed.missing.newestOnly).toBe(false);
    expect(holed.problems.join('\n')).toMatch(/a hole, not an RPO/);
    expect(() => assertIntact(holed)).toThrow(/is not intact/);
  });

  it('fails back: the primary region rebuilt as a standby of the promoted side, a fenced switchover at lag 0 loses nothing', async () => {
    const back = await startWriter(plane, recovered.cluster, { marker: 'failback-replica', ratePerSecond: 50 });
    const rebuilt = await startStandby(plane, recovered.cluster, { site: 'prod-use1', name: 'rebuilt' });
    servers.push(rebuilt.cluster.pid);
    expect(rebuilt.cluster.dir).toBe(join(work, 'prod-use1', 'rebuilt'));
    await until(plane, '150 commits on the DR side', async () => back.acknowledged >= 150);
    expect((await replicaLag(rebuilt, 60)).withinThreshold).toBe(true);

    const { recovered: home, log: backLog } = await switchover(plane, rebuilt, back);
    expect(home).toMatchObject({ how: 'switched-over', lagAtSwitchBytes: 0, end: { timeline: 3 } });
    expect(recovered.cluster.hasExited).toBe(true);
    const failback = await measure(backLog, home);
    expect(failback.ok, failback.problems.join('; ')).toBe(true);
    expect(failback.rpo).toMatchObject({ rows: 0, seconds: 0 });
    expect(failback.recovered).toBe(failback.acknowledged);
    expect(() => assertIntact(failback, { maxMissingRows: 0 })).not.toThrow();
    // and the rows recovered at the failover are still there (but for the one tampered with above)
    const before = await measure(log, home);
    expect(before.recovered).toBe(loss.recovered - 1);
    // the new primary takes writes
    await home.cluster.query("INSERT INTO drill_rows (marker, seq, payload, checksum) VALUES ('after', 1, 'x', 'y')");
    console.info(`failback (replica): ${failback.acknowledged} acknowledged on the DR side, ${failback.rpo.rows} lost`);
  });

  it('stops every server it started', async () => {
    await plane.stop();
    for (const pid of servers) expect(groupAlive(pid)).toBe(false);
    expect(processesUnder(work)).toEqual([]);
    expect(existsSync(join(work, 'prod-use1', 'primary', 'postgres.log'))).toBe(true);
  });
});

describe.skipIf(!runnable && !CI)('an aborted drill', () => {
  it('stops every server, writer and shipment of its data plane', async () => {
    const ctl = new AbortController();
    const { plane, work, close } = await tempPlane(ctl.signal);
    try {
      const primary = await startPrimary(plane, { site: 'prod-use1' });
      const standby = await startStandby(plane, primary, { site: 'dr-usw2' });
      const shipping = await startShipping(plane, primary, 'dr-usw2', {
        baseBackupEverySeconds: 1,
        walEverySeconds: 1,
        scheduleSecondsPerDrillSecond: 60,
      });
      const writer = await startWriter(plane, primary, { marker: 'aborted' });
      await until(plane, '50 commits', async () => writer.acknowledged >= 50);
      ctl.abort(new Error('interrupted by SIGINT'));
      expect((await writer.done).stoppedBy).toBe('abort');
      await plane.stop();
      expect(groupAlive(primary.pid)).toBe(false);
      expect(groupAlive(standby.cluster.pid)).toBe(false);
      // pg_basebackup's WAL receiver (a forked child) too
      expect(processesUnder(work)).toEqual([]);
      const shipped = shipping.delivered();
      await new Promise((r) => setTimeout(r, 1500));
      expect(shipping.delivered()).toEqual(shipped);
      await expect(until(plane, 'anything', async () => false)).rejects.toThrow('interrupted by SIGINT');
    } finally {
      await close();
    }
  });
});
