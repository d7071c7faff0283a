/**
 * Temporary files of commands that were killed. Everything Parity writes goes to a temporary
 * file or folder named `<target>.tmp-<pid>` first and is renamed into place, so a killed command
 * never leaves a half-written file; it can leave its temporary one. Every command sweeps those
 * of processes that no longer run (a running command's own are left alone) when it loads the
 * workspace.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const TEMP = /\.tmp-(\d+)(-\d+)?$/;

/** Whether a process runs (EPERM: it runs, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sweepDir(dir: string, removed: string[]): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const m = TEMP.exec(e.name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      rmSync(join(dir, e.name), { recursive: true, force: true });
      removed.push(join(dir, e.name));
    }
  }
}

/** Remove the temporary files of dead processes under `environments/`, each environment (and its drill reports) and `schemas/`; returns what was removed. */
export function sweepStaleTemps(root: string): string[] {
  const removed: string[] = [];
  const envs = join(root, 'environments');
  sweepDir(envs, removed);
  if (existsSync(envs))
    for (const e of readdirSync(envs, { withFileTypes: true }))
      if (e.isDirectory()) {
        sweepDir(join(envs, e.name), removed);
        sweepDir(join(envs, e.name, 'drills'), removed);
      }
  sweepDir(join(root, 'schemas'), removed);
  return removed;
}
