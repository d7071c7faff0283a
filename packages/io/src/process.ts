/**
 * Running programs: to completion with their output captured (`runProcess`, `runChecked`), or
 * long-running (`startProcess`: a server such as moto). A program can run in its own process
 * group, so that it and whatever it starts (terraform's provider plugins) are stopped together:
 * on abort, after it exits, and, through `ProcessGroups`, when this process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { commandFailed, refuse, refuseOne, toolMissing } from '@parity/model';
import { killGroup, type ProcessGroups, stopGroup } from './groups.js';

export interface ProcessResult {
  /** The exit code (1 when the program was ended by a signal). */
  readonly code: number;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as the bytes the program wrote (`git cat-file --batch` counts in bytes). */
  readonly bytes: Buffer;
  /** Whether `signal` (the option) aborted the run. */
  readonly aborted: boolean;
}

export interface ProcessOptions {
  readonly cwd: string;
  /** The whole environment of the child. @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Stops the program: SIGINT first (terraform then stops gracefully and saves its state), SIGKILL
   * after `graceMs`. The run then resolves with `aborted: true`; it never rejects for an abort.
   */
  readonly signal?: AbortSignal;
  /** Grace between SIGINT and SIGKILL after an abort. @default 5000 */
  readonly graceMs?: number;
  /** How to install the program, said when it is not on PATH. @default - `install <cmd>` */
  readonly missingFix?: string;
  /**
   * Run in a process group of its own (POSIX): an abort signals the whole group, and whatever is
   * left of the group once the program exits is stopped. @default false
   */
  readonly group?: boolean;
  /** Where the group is recorded while it lives (implies `group`). */
  readonly groups?: ProcessGroups;
  /** What the group is, as `groups` records it. @default - the command */
  readonly what?: string;
  /** A file appended to with a header naming the command, then stdout and stderr as they come. */
  readonly log?: string;
  /** Called with each line of stdout and stderr as it comes. */
  readonly onLine?: (line: string) => void;
  /** Pass stdout and stderr through to this process's own as they come (and capture them). @default false */
  readonly echo?: boolean;
  /** Written to the program's stdin, which is then closed. @default - no stdin */
  readonly input?: string;
}

/** Windows runs npm and pnpm through their `.cmd` shims. */
const SHELL = process.platform === 'win32';

/** A program that is not on PATH: the `tool-missing` refusal naming the fix. */
function missing(cmd: string, fix: string | undefined): unknown {
  try {
    return refuse(`cannot run ${cmd}`, toolMissing(cmd, fix ?? `install ${cmd}`));
  } catch (refusal) {
    return refusal;
  }
}

/** Splits chunks of output into lines for `onLine`, carrying a partial last line over. */
function lineSplitter(onLine: ((line: string) => void) | undefined): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      if (!onLine) return;
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) onLine(l);
    },
    end() {
      if (onLine && rest) onLine(rest);
      rest = '';
    },
  };
}

/** One output stream of a child: its bytes kept, and decoded as they come for the log, the echo and the line callback. */
function collector(o: ProcessOptions, log: WriteStream | undefined, echo: NodeJS.WriteStream) {
  const chunks: Buffer[] = [];
  const decoder = new StringDecoder('utf8');
  const lines = lineSplitter(o.onLine);
  const text = (s: string) => {
    if (!s) return;
    log?.write(s);
    if (o.echo) echo.write(s);
    lines.push(s);
  };
  return {
    data(d: Buffer) {
      chunks.push(d);
      text(decoder.write(d));
    },
    end() {
      text(decoder.end());
      lines.end();
    },
    bytes: () => Buffer.concat(chunks),
  };
}

/**
 * Run `cmd` to completion and resolve with its exit code and output (never rejects on a non-zero
 * exit or an abort). A program that is not on PATH is refused with a `tool-missing` issue naming
 * the fix.
 */
export function runProcess(cmd: string, args: readonly string[], o: ProcessOptions): Promise<ProcessResult> {
  if (o.signal?.aborted) return Promise.resolve({ code: 1, signal: null, stdout: '', stderr: '', bytes: Buffer.alloc(0), aborted: true });
  const grouped = !!(o.group || o.groups);
  return new Promise((done, fail) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd, [...args], {
        cwd: o.cwd,
        env: o.env ?? process.env,
        stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        detached: grouped,
        shell: SHELL,
      });
    } catch (e) {
      fail(e);
      return;
    }
    // a program that exits without reading all of its input must not fail the run (EPIPE)
    child.stdin?.on('error', () => undefined).end(o.input);
    const log = o.log ? createWriteStream(o.log, { flags: 'a' }) : undefined;
    log?.write(`\n$ ${cmd} ${args.join(' ')}   (${new Date().toISOString()})\n`);
    const out = collector(o, log, process.stdout);
    const err = collector(o, log, process.stderr);
    child.stdout!.on('data', out.data);
    child.stderr!.on('data', err.data);
    const pid = child.pid;
    if (pid && grouped) o.groups?.add(pid, o.what ?? cmd);
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (sig: NodeJS.Signals) => (pid ? (grouped ? killGroup(pid, sig) : child.kill(sig)) : false);
    const onAbort = () => {
      aborted = true;
      kill('SIGINT');
      killTimer = setTimeout(() => kill('SIGKILL'), o.graceMs ?? 5000);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    /** Stop listening for the abort; end the log, resolving once what was written is in the file. */
    let settled: Promise<void> | undefined;
    const settle = (): Promise<void> => {
      o.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      settled ??= log
        ? new Promise((closed) => {
            log.once('close', () => closed());
            log.end();
          })
        : Promise.resolve();
      return settled;
    };
    child.on('error', async (e: NodeJS.ErrnoException) => {
      await settle();
      if (pid && grouped) o.groups?.remove(pid);
      fail(e.code === 'ENOENT' ? missing(cmd, o.missingFix) : e);
    });
    child.on('close', async (code, signal) => {
      out.end();
      err.end();
      // a caller reads the log as soon as this resolves: its last lines must be in the file
      await settle();
      if (pid && grouped) {
        // what the program started (provider plugins) must not outlive it
        await stopGroup(pid, 2000);
        o.groups?.remove(pid);
      }
      const bytes = out.bytes();
      done({ code: code ?? 1, signal, stdout: bytes.toString('utf8'), stderr: err.bytes().toString('utf8'), bytes, aborted });
    });
  });
}

/**
 * Run `cmd` to completion and resolve with its stdout; fail, naming the command line, the folder,
 * the exit code and what it printed, when it exits non-zero.
 */
export async function runChecked(cmd: string, args: readonly string[], o: ProcessOptions): Promise<string> {
  const r = await runProcess(cmd, args, o);
  if (r.code === 0) return r.stdout;
  return refuseOne(commandFailed(`${cmd} ${args.join(' ')}`, o.cwd, r.signal ?? `exit code ${r.code}`, r.stderr || r.stdout));
}

/** A long-running program started by `startProcess`. */
export interface Started {
  readonly pid: number;
  /** Resolves when the program exits, for whatever reason (also when it could not start). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the error when the program could not start (a missing program: the `tool-missing` refusal). */
  readonly failed: Promise<unknown>;
  readonly hasExited: boolean;
  /** Stop the program (and its whole group, if it has one): SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Let it outlive this process: no longer recorded in `groups`, not waited for. */
  detach(): void;
}

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr go to this file (appended). @default - this process's own (a terminal) */
  readonly log?: string;
  /**
   * In a process group of its own, stopped whole (a server that starts workers). Without one it
   * stays in this process's group, so a terminal's Ctrl-C reaches it too. @default true
   */
  readonly group?: boolean;
  /** Where its process group is recorded while it lives. */
  readonly groups?: ProcessGroups;
  /** What it is, as `groups` records it. @default - the command */
  readonly what?: string;
  /** How to install the program, said when it is not on PATH. */
  readonly missingFix?: string;
  /**
   * Messages the program sends on a Node IPC channel (`process.send`): given, the program (a Node
   * script) gets one. Servers such as Verdaccio say there that they listen, which a probe of the port
   * cannot prove: another server may have taken the port first.
   */
  readonly onMessage?: (message: unknown) => void;
}

/** Start a long-running program (a server), by default in a process group of its own, its output going to a log file. */
export function startProcess(cmd: string, args: readonly string[], o: StartOptions): Started {
  const grouped = o.group ?? true;
  const fd = o.log ? openSync(o.log, 'a') : undefined;
  let child: ChildProcess;
  try {
    const stdio = fd === undefined ? (['ignore', 'inherit', 'inherit'] as const) : (['ignore', fd, fd] as const);
    const ipc = o.onMessage ? (['ipc'] as const) : [];
    child = spawn(cmd, [...args], { cwd: o.cwd, env: o.env ?? process.env, stdio: [...stdio, ...ipc], detached: grouped, shell: SHELL });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (o.onMessage) {
    child.on('message', o.onMessage);
    // the channel alone must not keep this process alive (the program itself decides that)
    child.channel?.unref();
  }
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    });
    child.on('error', () => {
      hasExited = true;
      resolve({ code: null, signal: null });
    });
  });
  const failed = new Promise<unknown>((resolve) =>
    child.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? missing(cmd, o.missingFix) : e)),
  );
  const pid = child.pid ?? 0;
  if (pid && grouped) o.groups?.add(pid, o.what ?? cmd);
  let detached = false;
  const stopAlone = async (graceMs: number) => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    pid,
    exited,
    failed,
    get hasExited() {
      return hasExited;
    },
    async stop(graceMs = 5000) {
      if (!pid || detached) return;
      if (grouped) await stopGroup(pid, graceMs);
      else await stopAlone(graceMs);
      o.groups?.remove(pid);
    },
    detach() {
      detached = true;
      if (child.connected) child.disconnect();
      child.unref();
      if (pid) o.groups?.remove(pid);
    },
  };
}
