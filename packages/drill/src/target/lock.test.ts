import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { groupAlive, processAlive } from '@parity/io';
import { ParityError } from '@parity/model';
import { acquireLock, readLock } from './lock.js';

const dirs: string[] = [];
const lockFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'parity-lock-'));
  dirs.push(d);
  return join(d, '.parity', 'drills', 'dr-usw2.lock');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('drill lock', () => {
  it('is taken, holds the pid, and is released', () => {
    const f = lockFile();
    const l = acquireLock(f, { command: 'drill dr-usw2' });
    expect(readLock(f)).toMatchObject({ pid: process.pid, host: hostname(), command: 'drill dr-usw2' });
    l.release();
    expect(existsSync(f)).toBe(false);
  });

  it('fails: a second drill is refused while the first runs, naming it', () => {
    const f = lockFile();
    const l = acquireLock(f);
    try {
      const e = (() => {
        try {
          acquireLock(f);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(ParityError);
      expect((e as ParityError).kinds).toEqual(['drill-locked']);
      expect((e as ParityError).issues[0]).toMatchObject({ file: f, value: process.pid });
      expect((e as ParityError).headline).toMatch(new RegExp(`already running \\(pid ${process.pid}`));
    } finally {
      l.release();
    }
  });

  it('takes over a stale lock whose process is gone', () => {
    const f = lockFile();
    const pid = deadPid();
    expect(processAlive(pid)).toBe(false);
    acquireLock(f).release();
    writeFileSync(f, JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', children: [] }));
    const l = acquireLock(f);
    expect(l.replaced?.info?.pid).toBe(pid);
    expect(readLock(f)?.pid).toBe(process.pid);
    l.release();
  });

  it('stops the emulator a killed drill left behind when it takes over its lock', async () => {
    const f = lockFile();
    // a stand-in for an orphaned moto_server, in its own process group
    const orphan = spawn('bash', ['-c', 'exec -a moto_server sleep 60'], { detached: true, stdio: 'ignore' });
    // bash execs the stand-in under that name; a busy machine may take a while
    const named = () => readFileSync(`/proc/${orphan.pid}/cmdline`, 'utf8').startsWith('moto_server');
    for (const until = Date.now() + 30_000; Date.now() < until && !named(); ) await new Promise((r) => setTimeout(r, 20));
    expect(named()).toBe(true);
    expect(groupAlive(orphan.pid!)).toBe(true);
    acquireLock(f).release();
    writeFileSync(
      f,
      JSON.stringify({
        pid: deadPid(),
        host: hostname(),
        startedAt: 'x',
        children: [{ pgid: orphan.pid, what: 'moto_server http://127.0.0.1:1' }],
      }),
    );
    const l = acquireLock(f);
    expect(l.replaced?.stopped).toEqual([{ pgid: orphan.pid, what: 'moto_server http://127.0.0.1:1' }]);
    await new Promise<void>((r) => (orphan.exitCode !== null || orphan.signalCode !== null ? r() : orphan.once('exit', () => r())));
    expect(groupAlive(orphan.pid!)).toBe(false);
    l.release();
  });

  it('never kills a recorded pid that now belongs to another program', async () => {
    const f = lockFile();
    const other = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    try {
      acquireLock(f).release();
      writeFileSync(
        f,
        JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'x', children: [{ pgid: other.pid, what: 'moto_server' }] }),
      );
      const l = acquireLock(f);
      expect(l.replaced?.stopped).toEqual([]);
      expect(processAlive(other.pid!)).toBe(true);
      l.release();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('refuses a lock held on another host (its pid cannot be checked from here)', () => {
    const f = lockFile();
    acquireLock(f).release();
    writeFileSync(f, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'x' }));
    expect(() => acquireLock(f)).toThrow(/pid 1 on elsewhere/);
  });

  it('records the process groups a drill starts, and release removes only its own lock', () => {
    const f = lockFile();
    const l = acquireLock(f);
    l.setChildren([{ pgid: 1234, what: 'moto_server' }]);
    expect(readLock(f)?.children).toEqual([{ pgid: 1234, what: 'moto_server' }]);
    writeFileSync(f, JSON.stringify({ pid: process.pid + 1, host: hostname(), startedAt: 'x' }));
    l.release();
    expect(JSON.parse(readFileSync(f, 'utf8')).pid).toBe(process.pid + 1);
  });
});
