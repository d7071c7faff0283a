/**
 * Processes and process groups (POSIX): whether one is alive, signalling or stopping a whole
 * group, and `ProcessGroups`, the groups a command started, stopped for good when it exits.
 */

/** Whether a process exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether any process of the group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signal every process of the group `pgid`; false when there is none. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stop the group `pgid`: SIGTERM, SIGKILL to whatever is left after `graceMs`, then wait (up to
 * 3 s) for the group to be gone. Resolves with whether it is.
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<boolean> {
  if (!groupAlive(pgid)) return true;
  killGroup(pgid, 'SIGTERM');
  for (const until = Date.now() + graceMs; Date.now() < until && groupAlive(pgid); ) await pause(100);
  if (!groupAlive(pgid)) return true;
  killGroup(pgid, 'SIGKILL');
  for (const until = Date.now() + 3000; Date.now() < until && groupAlive(pgid); ) await pause(100);
  return !groupAlive(pgid);
}

/** A process group as `ProcessGroups` records it. */
export interface TrackedGroup {
  readonly pgid: number;
  readonly what: string;
}

/** Every live process group a command started; each is sent SIGKILL if this process exits first. */
export class ProcessGroups {
  private readonly live = new Map<number, string>();
  private readonly onChange?: (groups: TrackedGroup[]) => void;
  private readonly exitHook = () => this.killAll('SIGKILL');

  /** `onChange` hears the list after every change (the drill records it in its lock). */
  constructor(onChange?: (groups: TrackedGroup[]) => void) {
    this.onChange = onChange;
    process.on('exit', this.exitHook);
  }

  add(pgid: number, what: string): void {
    this.live.set(pgid, what);
    this.onChange?.(this.list());
  }

  remove(pgid: number): void {
    if (this.live.delete(pgid)) this.onChange?.(this.list());
  }

  list(): TrackedGroup[] {
    return [...this.live].map(([pgid, what]) => ({ pgid, what }));
  }

  /** Signal every group (synchronous: safe in an exit handler). */
  killAll(signal: NodeJS.Signals): void {
    for (const pgid of this.live.keys()) killGroup(pgid, signal);
  }

  /** Stop listening for this process's exit. */
  dispose(): void {
    process.off('exit', this.exitHook);
  }
}
