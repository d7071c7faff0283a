/**
 * Starting the registry (real Verdaccio): it is up only when *its* Verdaccio listens. The port
 * `startRegistry` is given was free when checked, but on a busy machine another server can take it
 * while Verdaccio loads (a port from `freePort()` is only a guess); a ping answered by that server
 * must never pass for ours, whose Verdaccio has meanwhile exited with EADDRINUSE.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, processAlive } from '@parity/io';
import { ParityError } from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { portImpostors } from '@parity/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ping, type RunningRegistry, startRegistry } from './registry.js';

const dirs: string[] = [];
const registries: RunningRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
/** Something that answers a registry's ping on 127.0.0.1:`port`, and is not one. */
const impostor = portImpostors();

const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'parity-registry-start-'));
  dirs.push(d);
  return join(d, 'verdaccio');
};

describe('starting the registry', () => {
  it('answers once its own Verdaccio listens, and stops it', async () => {
    const port = await freePort();
    const reg = await startRegistry({ root: REPO_ROOT, port, stateDir: stateDir() });
    registries.push(reg);
    expect(reg.url).toBe(`http://127.0.0.1:${port}/`);
    expect(processAlive(reg.pid)).toBe(true);
    expect(await ping(reg.url)).toBe(true);
    await reg.stop();
    expect(processAlive(reg.pid)).toBe(false);
    expect(await ping(reg.url)).toBe(false);
  });

  it('refuses a port something already listens on, saying whether a registry answers there', async () => {
    const port = await freePort();
    await impostor(port);
    const e = await startRegistry({ root: REPO_ROOT, port, stateDir: stateDir() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ParityError);
    expect((e as ParityError).message).toContain(`127.0.0.1:${port} is in use (a registry already answers there)`);
  });

  it('never takes a server that took the port while Verdaccio was starting for its own', async () => {
    const port = await freePort();
    // the port is free when startRegistry checks it; the impostor takes it before Verdaccio has
    // loaded (a second or more), answers every ping, and Verdaccio's own listen fails
    const starting = startRegistry({ root: REPO_ROOT, port, stateDir: stateDir() }).then(
      (reg) => {
        registries.push(reg);
        return reg;
      },
      (x: unknown) => x,
    );
    await new Promise((r) => setTimeout(r, 30));
    await impostor(port);
    const e = await starting;
    expect(e, 'startRegistry returned a registry whose Verdaccio is not the one answering').toBeInstanceOf(ParityError);
    expect((e as ParityError).message).toContain(`127.0.0.1:${port} is in use`);
  });
});
