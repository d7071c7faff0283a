import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FLEET_NAMES, fleetKey, STALE_FLEET_MS } from './fleet.js';

const INDEX = fileURLToPath(new URL('./fleet.ts', import.meta.url));
// each child its own system temporary folder: the shared fleet starts absent
const tmp = mkdtempSync(join(tmpdir(), 'parity-fleet-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A test process asking for the fleet: prints the environments folder it was given. */
function child(): Promise<{ code: number | null; out: string }> {
  const code = `const f = await import(${JSON.stringify(INDEX)}); const dir = await f.fleetEnvironmentsAsync(); console.log(f.fleetStampedHere() ? 'stamped' : 'waited', dir);`;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => p.on('close', (c) => resolve({ code: c, out: out.trim() })));
}

describe('the tests’ fleet, shared by every test process of the tree', () => {
  it('is stamped once for processes that ask at the same time, and each gets the same folder', async () => {
    const runs = await Promise.all([child(), child(), child()]);
    for (const r of runs) expect(r.code, r.out).toBe(0);
    const first = join(tmp, 'parity-test-fleets', fleetKey(), 'environments');
    expect(runs.map((r) => r.out).sort()).toEqual([`stamped ${first}`, `waited ${first}`, `waited ${first}`]);
    expect(FLEET_NAMES.filter((n) => existsSync(join(first, n, 'environment.yaml')))).toEqual(FLEET_NAMES);
    expect(existsSync(join(first, 'dr-usw2', 'RUNBOOK.md'))).toBe(true);
    // no lock left, nothing half-published
    expect(readdirSync(join(tmp, 'parity-test-fleets'))).toEqual([fleetKey()]);
  });

  it('takes over the lock of a process that died while stamping', async () => {
    rmSync(join(tmp, 'parity-test-fleets'), { recursive: true, force: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const lock = join(tmp, 'parity-test-fleets', `${fleetKey()}.lock`);
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'pid'), String(dead));
    // fleets of other tree states: one unused for longer than a day, one used within it, and a temporary left behind
    const aged = (name: string, ms: number) => {
      const dir = join(tmp, 'parity-test-fleets', name);
      mkdirSync(join(dir, 'environments'), { recursive: true });
      const then = new Date(Date.now() - ms);
      utimesSync(dir, then, then);
    };
    aged('0000000000000old', STALE_FLEET_MS + 60_000);
    aged('0000000000recent', STALE_FLEET_MS - 3_600_000);
    aged('0000000000000old.tmp-1', STALE_FLEET_MS + 60_000);
    const r = await child();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toBe(`stamped ${join(tmp, 'parity-test-fleets', fleetKey(), 'environments')}`);
    // the stale fleet and the temporary removed when the new fleet was published; no lock left
    expect(readdirSync(join(tmp, 'parity-test-fleets')).sort()).toEqual(['0000000000recent', fleetKey()].sort());
  });

  it('marks a fleet as used each time a process is given it', async () => {
    const dir = join(tmp, 'parity-test-fleets', fleetKey());
    const then = new Date(Date.now() - STALE_FLEET_MS - 60_000);
    utimesSync(dir, then, then);
    const r = await child();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toBe(`waited ${join(dir, 'environments')}`);
    expect(Date.now() - statSync(dir).mtimeMs).toBeLessThan(STALE_FLEET_MS);
  });
});
