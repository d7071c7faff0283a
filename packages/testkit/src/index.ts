/**
 * The tests' own fleet, and the command line as users run it.
 *
 * Parity's tests exercise a known fleet: staging, two AWS production regions with their dr
 * environments and a GCP pair, under the three DR policies. It is not the repository's
 * environments/ (a fork replaces those with `pnpm parity init --examples drop`): this package
 * carries its definition (`fleet/platform.yaml`) and the drill reports that are its evidence, and
 * stamps the environments with the real generator (`pnpm gen env`, `pnpm gen runbook` through the
 * launcher), once for every test process of the tree (see `fleetKey`); every workspace a test gets
 * is a copy of that one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, expect } from 'vitest';
import { ParityError } from '@parity/model';
import { type TempWorkspaceOptions, tempWorkspace } from '@parity/model/testing';
import { fleetEnvironments, fleetEnvironmentsAsync, STAMP_TIMEOUT } from './fleet.js';

export * from './fleet.js';
export * from './google.js';
export * from './recorded.js';

/**
 * A throwaway workspace holding the tests' fleet (see `tempWorkspace` for `copyBundles` and
 * `sources`), whatever the repository's environments/ holds.
 */
export function fleetWorkspace(opts: Omit<TempWorkspaceOptions, 'environments'> = {}): { root: string; cleanup: () => void } {
  return tempWorkspace({ ...opts, environments: fleetEnvironments() });
}

/**
 * Fleet workspaces removed after each test: call at the top of a test file, then `temp()` in a
 * test gives a fresh one. The fleet is stamped before the first test, under its own timeout.
 */
export function tempFleets(): (opts?: Omit<TempWorkspaceOptions, 'environments'>) => string {
  const cleanups: Array<() => void> = [];
  beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
  });
  return (opts) => {
    const t = fleetWorkspace(opts);
    cleanups.push(t.cleanup);
    return t.root;
  };
}

/**
 * HTTP servers on 127.0.0.1 closed after each test: call at the top of a test file, then
 * `serve(handler)` listens (on `port`, or one the system picks) and gives the server and its URL.
 */
export function loopbackServers(): (handler: RequestListener, port?: number) => Promise<{ server: Server; url: string }> {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((s) => {
        s.closeAllConnections();
        return new Promise((r) => s.close(r));
      }),
    );
  });
  return (handler, port = 0) => {
    const server = createServer(handler);
    servers.push(server);
    return new Promise((r) =>
      server.listen(port, '127.0.0.1', () => r({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })),
    );
  };
}

/**
 * Impostors closed after each test: call at the top of a test file, then `impostor(port)` listens on
 * 127.0.0.1:`port` and answers every request 200 `{}`, as any probe of a server Parity starts would
 * like to hear (a registry's ping, moto's API), without being that server.
 */
export function portImpostors(): (port: number) => Promise<Server> {
  const serve = loopbackServers();
  return async (port) => {
    const { server } = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    }, port);
    return server;
  };
}

/** The platform name of the workspace at `root` (its definition's `platform`). */
export function platformOf(root: string): string {
  const m = /^platform: *(\S+)/m.exec(readFileSync(join(root, 'environments', 'platform.yaml'), 'utf8'));
  if (!m) throw new Error(`${root}/environments/platform.yaml names no platform`);
  return m[1]!;
}

/** Replace `from` with `to` in one file of a workspace; the test fails when `from` is not there. */
export function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  expect(next, `${file}: ${String(from)} not found`).not.toBe(text);
  writeFileSync(path, next);
}

/** The ParityError a promise is refused with; any other error is rethrown, and a promise that resolves fails the test. */
export async function refusal(p: Promise<unknown>): Promise<ParityError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ParityError) return e;
    throw e;
  }
  throw new Error('not refused');
}

/** `git <args>` in `root` as a test's author (commits unsigned), returning what it printed; fails on a non-zero exit. */
export function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

export { repositoryCopy, type RepositoryCopyOptions, runIn } from './repository.js';
