/**
 * Starting the emulator (a real moto_server): it is up only when *this* moto says it listens. A
 * port from `freePort()` is a guess: on a busy machine another server (another drill's moto) can
 * take it while moto loads, and answer every probe while this moto exits with "Address already in
 * use". A drill against someone else's emulator must never start.
 *
 * Needs moto_server (moto 5.2.1): skipped locally without it, FAILS under CI=true.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, processAlive } from '@parity/io';
import { ParityError } from '@parity/model';
import { portImpostors } from '@parity/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { answers, type Moto, motoCommand, startMoto } from './moto.js';
import { hasMoto as probeMoto } from './testing.js';

const CI = process.env.CI === 'true';
const hasMoto = await probeMoto();

const dirs: string[] = [];
const motos: Moto[] = [];
afterEach(async () => {
  await Promise.all(motos.splice(0).map((m) => m.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const impostor = portImpostors();

const logFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'parity-moto-start-'));
  dirs.push(d);
  return join(d, 'moto.log');
};

describe.skipIf(!hasMoto && !CI)('starting the emulator', () => {
  it('answers once its own moto listens, and stops it', async () => {
    if (!hasMoto) throw new Error(`${motoCommand()} is not on PATH: install moto 5.2.1 (pip install 'moto[server]==5.2.1')`);
    const moto = await startMoto({ log: logFile(), readyTimeoutMs: 120_000 });
    motos.push(moto);
    expect(processAlive(moto.pid)).toBe(true);
    expect(await answers(moto.url)).toBe(true);
    await moto.stop();
    expect(moto.hasExited).toBe(true);
    expect(await answers(moto.url, 1000)).toBe(false);
  });

  it('never takes a server that took the port while moto was starting for its own', async () => {
    if (!hasMoto) throw new Error(`${motoCommand()} is not on PATH: install moto 5.2.1 (pip install 'moto[server]==5.2.1')`);
    const port = await freePort();
    const log = logFile();
    const starting = startMoto({ log, port, readyTimeoutMs: 120_000 }).then(
      (m) => {
        motos.push(m);
        return m;
      },
      (x: unknown) => x,
    );
    // moto takes a second or more to import; the impostor binds first and answers every probe
    await impostor(port);
    const e = await starting;
    expect(e, 'startMoto returned an emulator that is not the one answering').toBeInstanceOf(ParityError);
    expect((e as ParityError).message).toMatch(/exited before it answered/);
    expect((e as ParityError).message).toContain(log);
  });
});
