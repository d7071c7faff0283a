/** For the data plane's tests: whether PostgreSQL is here, and a data plane in a temporary folder. */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataPlane, openDataPlane } from './cluster.js';
import { findPostgres } from './postgres.js';

/** Whether PostgreSQL's server programs are found (a test skips without them, but under CI=true). */
export const hasPostgres = (): Promise<boolean> =>
  findPostgres().then(
    () => true,
    () => false,
  );

/** A data plane in a new temporary folder; `close()` stops everything in it and removes the folder. */
export async function tempPlane(signal?: AbortSignal): Promise<{ plane: DataPlane; work: string; close(): Promise<void> }> {
  // under CI a missing PostgreSQL fails here, with the tool-missing refusal naming the fix
  await findPostgres();
  const work = mkdtempSync(join(tmpdir(), 'parity-dataplane-'));
  // under root the servers run as postgres, which must reach the folder
  chmodSync(work, 0o755);
  const plane = await openDataPlane({ work, ...(signal ? { signal } : {}) });
  return {
    plane,
    work,
    async close() {
      await plane.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
