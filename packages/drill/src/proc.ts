/**
 * Child processes of a drill (the emulator, terraform and its provider plugins), each started in
 * its own process group so that the whole group can be stopped: on a step's failure, on Ctrl-C,
 * and, as a last resort, when the drill's own process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface Tracked {
  readonly pgid: number;
  readonly what: string;
}

/** Every live process group a drill started; stopped for good when the process exits. */
export class Children {
  private readonly live = new Map<number, string>();
  private readonly onChange?: (children: Tracked[]) => void;
  private readonly exitHook = () => this.killAll('SIGKILL');

  constructor(onChange?: (children: Tracked[]) => void) {
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

  list(): Tracked[] {
    return [...this.live].map(([pgid, what]) => ({ pgid, what }));
  }

  /** Signal every group (synchronous: safe in an exit handler). */
  killAll(signal: NodeJS.Signals): void {
    for (const pgid of this.live.keys()) killGroup(pgid, signal);
  }

  dispose(): void {
    process.off('exit', this.exitHook);
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Appended to (stdout and stderr, as they come). */
  readonly log?: string;
  readonly onLine?: (line: string) => void;
  /** After an abort: the first signal, then SIGKILL to the group after `graceMs`. */
  readonly graceMs?: number;
  readonly children?: Children;
  readonly what?: string;
}

export interface RunOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly aborted: boolean;
}

/**
 * Run a command in its own process group. On abort the group gets SIGINT (terraform stops
 * gracefully and saves its state), then SIGKILL after `graceMs`. Resolves when the process
 * has exited and its whole group is gone.
 */
export function run(cmd: string, args: readonly string[], o: RunOptions): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', aborted: true });
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      reject(e);
      return;
    }
    const log: WriteStream | undefined = o.log ? createWriteStream(o.log, { flags: 'a' }) : undefined;
    log?.write(`\n$ ${cmd} ${args.join(' ')}   (${new Date().toISOString()})\n`);
    let stdout = '';
    let stderr = '';
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const pgid = child.pid;
    if (pgid) o.children?.add(pgid, o.what ?? cmd);
    const lines = (chunk: string, carry: { rest: string }) => {
      const text = carry.rest + chunk;
      const parts = text.split('\n');
      carry.rest = parts.pop() ?? '';
      for (const l of parts) o.onLine?.(l);
    };
    const outCarry = { rest: '' };
    const errCarry = { rest: '' };
    child.stdout!.on('data', (d: Buffer) => {
      const s = d.toString();
      stdout += s;
      log?.write(s);
      lines(s, outCarry);
    });
    child.stderr!.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      log?.write(s);
      lines(s, errCarry);
    });
    const onAbort = () => {
      aborted = true;
      if (!pgid) return;
      killGroup(pgid, 'SIGINT');
      killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), o.graceMs ?? 5000);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (pgid) o.children?.remove(pgid);
      log?.end();
      reject(e.code === 'ENOENT' ? Object.assign(new Error(`${cmd} is not on PATH`), { code: 'ENOENT' }) : e);
    });
    child.on('close', async (code, signal) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (pgid) {
        // provider plugins are in the group too: make sure none outlives terraform
        if (groupAlive(pgid)) {
          killGroup(pgid, 'SIGTERM');
          for (let i = 0; i < 20 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
          killGroup(pgid, 'SIGKILL');
        }
        o.children?.remove(pgid);
      }
      if (outCarry.rest) o.onLine?.(outCarry.rest);
      if (errCarry.rest) o.onLine?.(errCarry.rest);
      log?.end();
      resolve({ code, signal, stdout, stderr, aborted });
    });
  });
}
