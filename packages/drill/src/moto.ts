/**
 * A moto server for one drill: started on a free loopback port in its own process group, with
 * AWS's managed IAM policies loaded (the bundles attach them), watched so that its death aborts
 * the drill at once, and stopped with its whole group afterwards.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { freePort } from '@parity/io';
import { groupAlive, killGroup, type Children } from './proc.js';

/** The emulator the unsupported-resource table was established with. */
export const MOTO_VERSION = '5.2.1';

/** The moto_server command: `$PARITY_MOTO_SERVER`, else `moto_server` on PATH. */
export function motoCommand(): string {
  return process.env.PARITY_MOTO_SERVER || 'moto_server';
}

export interface Moto {
  readonly url: string;
  readonly pid: number;
  readonly log: string;
  /** Resolves when the server exits, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether `stop()` was called (an exit before that is a death). */
  readonly stopping: boolean;
  /** Whether the server has exited. */
  readonly hasExited: boolean;
  /** Stop the server and everything in its process group. */
  stop(): Promise<void>;
  /** Leave it running after the drill (`--keep`). */
  detach(): void;
}

/** Whether the emulator answers on `url` (moto's own API, or any HTTP answer from an endpoint). */
export async function answers(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/moto-api/`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

export class MotoNotFoundError extends Error {
  constructor(cmd: string) {
    super(
      `${cmd} was not found on PATH. The drill's default target is a local moto server (moto ${MOTO_VERSION}). ` +
        `Fix: install it (pip install 'moto[server]==${MOTO_VERSION}'), set PARITY_MOTO_SERVER to its path, ` +
        `point the drill at a running one with --endpoint <url>, or use --aws for real AWS.`,
    );
    this.name = 'MotoNotFoundError';
  }
}

export async function startMoto(opts: { log: string; children?: Children; signal?: AbortSignal; readyTimeoutMs?: number }): Promise<Moto> {
  const cmd = motoCommand();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fd = openSync(opts.log, 'a');
  const child = spawn(cmd, ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', PYTHONUNBUFFERED: '1' },
  });
  closeSync(fd);
  let stopping = false;
  let detached = false;
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    });
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  const pid = child.pid;
  if (pid) opts.children?.add(pid, `moto_server ${url}`);

  const stop = async () => {
    stopping = true;
    if (!pid || detached) return;
    if (groupAlive(pid)) {
      killGroup(pid, 'SIGTERM');
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!gone) killGroup(pid, 'SIGKILL');
      for (let i = 0; i < 30 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
    }
    opts.children?.remove(pid);
  };

  // wait until it answers, it dies, or the drill is aborted
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    const failed = await Promise.race([
      spawnError.then((e) => ((e as NodeJS.ErrnoException).code === 'ENOENT' ? new MotoNotFoundError(cmd) : e)),
      exited.then((x) => new Error(`moto_server exited before it answered (${x.signal ?? `code ${x.code}`}); see ${opts.log}`)),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 200)),
    ]);
    if (failed) {
      await stop();
      throw failed;
    }
    if (opts.signal?.aborted) {
      await stop();
      throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
    }
    if (await answers(url, 1000)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `moto_server did not answer on ${url} within ${Math.round((opts.readyTimeoutMs ?? 30_000) / 1000)} s; see ${opts.log}`,
      );
    }
  }
  return {
    url,
    pid: pid!,
    log: opts.log,
    exited,
    get stopping() {
      return stopping;
    },
    get hasExited() {
      return hasExited;
    },
    stop,
    detach() {
      detached = true;
      stopping = true;
      child.unref();
      if (pid) opts.children?.remove(pid);
    },
  };
}
