/**
 * Nothing half-written: every file and folder Parity writes is made under a temporary name that
 * carries this process's id (two concurrent runs never share one), then renamed into place.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, type WriteFileOptions } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary name for `target`: beside it (a rename never crosses a file system), hidden, with the pid. */
export function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
}

/**
 * For tests that SIGKILL a command at its most delicate point: with this variable naming a file or
 * a folder (its base name), writing it stops after the temporary one is complete and before the
 * rename, says so on stderr, and waits (at most a minute) to be killed.
 */
export const PAUSE_BEFORE_RENAME = 'PARITY_TEST_PAUSE_BEFORE_RENAME';

function pauseForKill(target: string, tmp: string): void {
  if (process.env[PAUSE_BEFORE_RENAME] !== basename(target)) return;
  // stderr on a pipe is synchronous on Linux and macOS: the line is out before the wait.
  process.stderr.write(`parity: paused before renaming ${tmp}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}

/** Write `content` to `path` through a temporary file and a rename; the folder is created if needed. */
export function writeFileAtomic(path: string, content: string | Uint8Array, options?: WriteFileOptions): void {
  const tmp = tempPath(path);
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(tmp, content, options);
    pauseForKill(path, tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface DirOptions {
  /** Remove an existing `target` first (otherwise an existing one makes the rename fail). @default false */
  readonly replace?: boolean;
}

/**
 * Move a finished temporary folder into place, replacing `target` if asked. The temporary folder
 * is gone afterwards either way.
 */
export function moveIntoPlace(tmp: string, target: string, options: DirOptions = {}): void {
  try {
    mkdirSync(dirname(target), { recursive: true });
    if (options.replace) replaceWith(tmp, target);
    else renameSync(tmp, target);
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
}

/** Tries before giving up when other writers keep putting their own folder in place. */
const REPLACE_ATTEMPTS = 10;

/**
 * Rename `tmp` over an existing folder `target`. A folder cannot be renamed over a non-empty one,
 * so the old one is first moved aside (under this process's temporary name) and removed; when
 * another process puts its own `target` in place between the two renames (two synths at once),
 * that one is moved aside in turn: the last writer wins, and nobody fails.
 */
function replaceWith(tmp: string, target: string): void {
  const aside = tempPath(`${target}.old`);
  for (let attempt = 1; ; attempt++) {
    try {
      renameSync(target, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    rmSync(aside, { recursive: true, force: true });
    try {
      renameSync(tmp, target);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= REPLACE_ATTEMPTS) throw e;
    }
  }
}

/** Fill a fresh temporary folder, then move it into place as `target`; on a failure nothing is left behind. */
export function writeDirAtomic(target: string, fill: (tmp: string) => void, options: DirOptions = {}): void {
  const tmp = tempPath(target);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp, { recursive: true });
    fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  pauseForKill(target, tmp);
  moveIntoPlace(tmp, target, options);
}
