/** For the data plane's tests: whether PostgreSQL is here, and a data plane in a temporary folder. */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataPlane, openDataPlane } from './cluster.js';
import { planeFailed } from './errors.js';
import { findPostgres } from './postgres.js';

/** Whether PostgreSQL's server programs are found (a test skips without them, but under CI=true). */
export const hasPostgres = (): Promise<boolean> =>
  findPostgres().then(
    () => true,
    () => false,
  );

/**
 * A data plane in a new temporary folder; `close()` stops everything in it, fails if any process
 * under the folder is left (a server, pg_basebackup's forked WAL receiver), and removes the folder.
 */
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
      const left = processesUnder(work);
      rmSync(work, { recursive: true, force: true });
      if (left.length) throw planeFailed(`left running under ${work}: ${left.join('; ')}`);
    },
  };
}

/** Processes whose command line names `work` (Linux: /proc), e.g. a pg_basebackup's orphaned WAL receiver. */
export function processesUnder(work: string): string[] {
  if (!existsSync('/proc/self/cmdline')) throw planeFailed('processesUnder reads /proc (Linux)');
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(work)) out.push(`${pid} ${cmd.slice(0, 160)}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
