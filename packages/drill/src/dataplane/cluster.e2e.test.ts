/**
 * Starting a cluster of the data plane (real PostgreSQL): it is up only when *its* postmaster
 * answers. A port from `freePort()` is a guess: on a busy machine another drill's cluster, with the
 * same user and database, can take it first and answer every query, while this postmaster exits
 * ("could not bind"). A drill must never write its rows into, or count them from, someone else's.
 *
 * Needs PostgreSQL's server programs (Debian's postgresql package): skipped locally without them,
 * FAILS under CI=true.
 */
import { realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataPlane, initCluster, newPlace, startCluster } from './cluster.js';
import { startPrimary } from './primary.js';
import { hasPostgres, tempPlane } from './testing.js';

const CI = process.env.CI === 'true';
const runnable = await hasPostgres();

describe.skipIf(!runnable && !CI)('starting a cluster', () => {
  let plane: DataPlane;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ plane, close } = await tempPlane());
  });

  // stops everything, and fails if a process under the work folder is left
  afterAll(async () => await close?.());

  it('never takes another cluster that answers on its port for its own', async () => {
    const other = await startPrimary(plane, { site: 'prod-use1' });
    const place = newPlace(plane, 'dr-usw2', 'standby');
    await initCluster(plane, place);
    const e = await startCluster(plane, place, { port: other.port }).then(
      (c) => c,
      (x: unknown) => x,
    );
    expect(e, 'startCluster returned a cluster whose postmaster is not the one answering').toBeInstanceOf(Error);
    expect(String((e as Error).message)).toContain(
      `dr-usw2/standby exited while waiting for dr-usw2/standby accepting connections on port ${other.port}`,
    );
    // the other cluster is untouched and still answers as itself
    const [row] = await other.query<{ d: string }>("SELECT current_setting('data_directory') AS d");
    expect(realpathSync(row!.d)).toBe(realpathSync(other.pgdata));
    expect(other.hasExited).toBe(false);
  });

  it('names the cluster and the statement when a query fails', async () => {
    const c = await startPrimary(plane, { site: 'prod-euw1' });
    await c.stop();
    const e = await c.query('SELECT count(*) FROM rows').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(
      new RegExp(`^prod-euw1/primary on port ${c.port}, SELECT count\\(\\*\\) FROM rows: .*ECONNREFUSED`),
    );
  });
});
