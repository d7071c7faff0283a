/**
 * A moto server for one drill: started on a free loopback port in its own process group, with
 * AWS's managed IAM policies loaded (the bundles attach them), watched so that its death aborts
 * the drill at once, and stopped with its whole group afterwards.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { freePort, type ProcessGroups, runProcess, type Started, startProcess } from '@parity/io';
import { emulatorNotUp, type Issue, interruption, ParityError, refuseOne } from '@parity/model';

/** An issue as the error it is thrown as. */
const problem = (i: Issue) => new ParityError([i], i.message);

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

/** The version of the moto python3 imports, or undefined when it cannot be read (the report says unknown). */
export async function motoVersion(): Promise<string | undefined> {
  const r = await runProcess('python3', ['-c', 'import moto; print(moto.__version__)'], {
    cwd: process.cwd(),
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  return r?.code === 0 && !r.aborted ? r.stdout.trim() || undefined : undefined;
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

/** How long moto may take to say it listens and answer (seconds when idle; a loaded 2-core machine is far slower). */
const READY_TIMEOUT_MS = 120_000;

/** How to get the emulator, said when it is missing. */
export const MOTO_FIX =
  `install it (pip install 'moto[server]==${MOTO_VERSION}'), set PARITY_MOTO_SERVER to its path, ` +
  'point the drill at a running one with --endpoint <url>, or use --aws for real AWS';

export async function startMoto(opts: {
  log: string;
  children?: ProcessGroups;
  signal?: AbortSignal;
  readyTimeoutMs?: number;
  /** The loopback port to listen on. @default a free one */
  port?: number;
}): Promise<Moto> {
  const cmd = motoCommand();
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // what moto writes from here on (the log may hold an earlier run's)
  const from = existsSync(opts.log) ? statSync(opts.log).size : 0;
  const server = startProcess(cmd, ['-H', '127.0.0.1', '-p', String(port)], {
    log: opts.log,
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', PYTHONUNBUFFERED: '1' },
    groups: opts.children,
    what: `moto_server ${url}`,
    missingFix: MOTO_FIX,
  });
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await server.stop(5000);
  };
  await untilAnswering(url, server, opts, stop, () => listensOn(opts.log, from, port));
  return {
    url,
    pid: server.pid,
    log: opts.log,
    exited: server.exited,
    get stopping() {
      return stopping;
    },
    get hasExited() {
      return server.hasExited;
    },
    stop,
    detach() {
      stopping = true;
      server.detach();
    },
  };
}

/**
 * Whether moto says (after `from` in its log) that it listens on `port`: werkzeug prints
 * " * Running on http://127.0.0.1:<port>" once its socket is bound. An answer on the port alone
 * proves nothing: another server (another drill's moto) may have taken the free port first, and
 * this moto then exits with "Address already in use".
 */
function listensOn(log: string, from: number, port: number): boolean {
  if (!existsSync(log)) return false;
  const said = readFileSync(log).subarray(from).toString('utf8');
  return new RegExp(`Running on http://127\\.0\\.0\\.1:${port}\\b`).test(said);
}

/** Wait until the server answers; stop it and throw if it cannot start, dies, the drill is aborted or time runs out. */
async function untilAnswering(
  url: string,
  server: Started,
  opts: { log: string; signal?: AbortSignal; readyTimeoutMs?: number },
  stop: () => Promise<void>,
  listening: () => boolean,
): Promise<void> {
  const timeoutMs = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = await Promise.race([
      server.failed,
      server.exited.then((x) => problem(emulatorNotUp(url, `exited before it answered (${x.signal ?? `code ${x.code}`})`, opts.log))),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 200)),
    ]);
    if (failed) {
      await stop();
      throw failed;
    }
    if (opts.signal?.aborted) {
      await stop();
      throw opts.signal.reason instanceof Error ? opts.signal.reason : interruption('abort');
    }
    if (listening() && (await answers(url, 1000))) return;
    if (Date.now() > deadline) {
      await stop();
      refuseOne(emulatorNotUp(url, `did not answer on ${url} within ${Math.round(timeoutMs / 1000)} s`, opts.log));
    }
  }
}
