/**
 * One drill per DR environment at a time: `.parity/drills/<dr-env>.lock` holds the pid of the
 * drill that runs (and the process groups it started, so that a drill killed outright can have
 * its leftovers stopped by the next one). A lock whose process is gone is stale and taken over.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { killGroup, processAlive, writeFileAtomic } from '@parity/io';
import { drillLocked, refuseOne } from '@parity/model';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly command?: string;
  /** Process groups started by the drill (emulator, terraform), to stop if it dies. */
  readonly children?: ReadonlyArray<{ readonly pgid: number; readonly what: string }>;
}

export function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof v.pid === 'number'
      ? { pid: v.pid, host: v.host ?? '', startedAt: v.startedAt ?? '', command: v.command, children: v.children ?? [] }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface StaleLock {
  readonly info?: LockInfo;
  /** Leftover process groups of the dead drill that were stopped. */
  readonly stopped: ReadonlyArray<{ readonly pgid: number; readonly what: string }>;
}

export interface Lock {
  readonly file: string;
  /** A stale lock this one replaced, if any. */
  readonly replaced?: StaleLock;
  /** Record the process groups started, so a later drill can stop them if this one is killed. */
  setChildren(children: ReadonlyArray<{ pgid: number; what: string }>): void;
  release(): void;
}

/** The command line of a process (Linux), to make sure a recorded pid was not reused by another program. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

function stopLeftovers(info: LockInfo | undefined): Array<{ pgid: number; what: string }> {
  const stopped: Array<{ pgid: number; what: string }> = [];
  for (const c of info?.children ?? []) {
    const cmd = commandOf(c.pgid);
    if (!cmd || !processAlive(c.pgid)) continue;
    // only what the dead drill started: a moto_server or terraform whose pid was recorded
    if (!/moto_server|terraform|pyenv/.test(cmd)) continue;
    if (killGroup(c.pgid, 'SIGKILL')) stopped.push(c);
  }
  return stopped;
}

/**
 * Take the lock, or refuse (`drill-locked`) naming the drill that holds it. A lock held by a
 * process that no longer exists on this host (or an unreadable lock older than a minute) is stale:
 * the leftovers it recorded are stopped and the lock is taken over.
 */
export function acquireLock(file: string, opts: { command?: string; now?: () => Date } = {}): Lock {
  mkdirSync(dirname(file), { recursive: true });
  const me: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: (opts.now?.() ?? new Date()).toISOString(),
    command: opts.command,
    children: [],
  };
  let replaced: StaleLock | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${JSON.stringify(me, null, 2)}\n`);
      } finally {
        closeSync(fd);
      }
      return makeLock(file, me, replaced);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(file);
    if (holder) {
      const sameHost = holder.host === '' || holder.host === hostname();
      if (!sameHost || processAlive(holder.pid)) refuseOne(drillLocked(file, holder));
    } else {
      // being written this instant, or left half-written by a crash
      let age = 0;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (age < 60_000) refuseOne(drillLocked(file, { pid: 0, host: hostname(), startedAt: 'moments ago (the lock is being written)' }));
    }
    replaced = { info: holder, stopped: stopLeftovers(holder) };
    // take over: move the stale lock aside atomically so two drills cannot both remove it
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
      rmSync(aside, { force: true });
    } catch {
      /* another drill took it over first; try again */
    }
  }
  const holder = readLock(file);
  return refuseOne(drillLocked(file, holder ?? { pid: 0, host: hostname(), startedAt: 'unknown' }));
}

function makeLock(file: string, me: LockInfo, replaced: StaleLock | undefined): Lock {
  let current = me;
  let released = false;
  return {
    file,
    replaced,
    setChildren(children) {
      if (released) return;
      current = { ...current, children: [...children] };
      writeFileAtomic(file, `${JSON.stringify(current, null, 2)}\n`);
    },
    release() {
      if (released) return;
      released = true;
      // only remove our own lock
      if (existsSync(file) && readLock(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
