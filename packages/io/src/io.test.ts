import { pbkdf2 } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParityError } from '@parity/model';
import { describe, expect, it } from 'vitest';
import {
  freePort,
  groupAlive,
  portInUse,
  ProcessGroups,
  processAlive,
  runChecked,
  runProcess,
  startProcess,
  tempPath,
  terraformInitArgs,
  terraformVersion,
  writeDirAtomic,
  writeFileAtomic,
} from './index.js';

const dir = () => mkdtempSync(join(tmpdir(), 'parity-io-'));

describe('atomic writes', () => {
  it('names the temporary file beside the target, hidden, with the pid', () => {
    expect(tempPath('/a/b/c.json')).toBe(`/a/b/.c.json.tmp-${process.pid}`);
  });

  it('writes a file through a rename and leaves nothing else behind', () => {
    const d = dir();
    writeFileAtomic(join(d, 'sub', 'f.txt'), 'one');
    writeFileAtomic(join(d, 'sub', 'f.txt'), 'two');
    expect(readFileSync(join(d, 'sub', 'f.txt'), 'utf8')).toBe('two');
    expect(readdirSync(join(d, 'sub'))).toEqual(['f.txt']);
  });

  it('fails to replace a folder without replace, and keeps the old one and no temporary folder', () => {
    const d = dir();
    const target = join(d, 'out');
    writeDirAtomic(target, (tmp) => writeFileSync(join(tmp, 'a'), '1'));
    expect(() => writeDirAtomic(target, (tmp) => writeFileSync(join(tmp, 'a'), '2'))).toThrow();
    expect(readFileSync(join(target, 'a'), 'utf8')).toBe('1');
    writeDirAtomic(target, (tmp) => writeFileSync(join(tmp, 'b'), '2'), { replace: true });
    expect(readdirSync(target)).toEqual(['b']);
    expect(readdirSync(d)).toEqual(['out']);
  });

  it('fails when filling throws, and writes nothing', () => {
    const d = dir();
    expect(() =>
      writeDirAtomic(join(d, 'out'), (tmp) => {
        writeFileSync(join(tmp, 'half'), 'x');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('processes', () => {
  it('captures output and the exit code', async () => {
    const r = await runProcess(process.execPath, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)'], {
      cwd: tmpdir(),
    });
    expect(r).toEqual({ code: 3, signal: null, stdout: 'out', stderr: 'err', bytes: Buffer.from('out'), aborted: false });
  });

  it('hands the program its input, and keeps multi-byte characters whole across chunks', async () => {
    const script =
      'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const b = Buffer.from(s); process.stdout.write(b.subarray(0, 1)); setTimeout(() => process.stdout.write(b.subarray(1)), 50); })';
    const lines: string[] = [];
    const r = await runProcess(process.execPath, ['-e', script], { cwd: tmpdir(), input: 'é\nü', onLine: (l) => lines.push(l) });
    expect(r.stdout).toBe('é\nü');
    expect(r.bytes.length).toBe(5);
    expect(lines).toEqual(['é', 'ü']);
  });

  it('streams lines as they come, to the callback, and to a log after a line naming the command', async () => {
    const log = join(dir(), 'run.log');
    const lines: string[] = [];
    const script = 'process.stdout.write("a\\nb"); setTimeout(() => { process.stdout.write("c\\n"); process.stderr.write("d"); }, 50)';
    const r = await runProcess(process.execPath, ['-e', script], { cwd: tmpdir(), log, onLine: (l) => lines.push(l) });
    expect(lines.sort()).toEqual(['a', 'bc', 'd']);
    expect(r.stdout).toBe('a\nbc\n');
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(/^\n\$ .*node.* -e /);
    expect(text).toContain('a\nbc\n');
  });

  it('resolves only once every line is in the log: a caller reads the file at once', async () => {
    const log = join(dir(), 'busy.log');
    // libuv's file-system threads busy for a while (a loaded machine): the log's writes wait behind them
    const busy = Array.from({ length: 8 }, () => new Promise((done) => pbkdf2('p', 's', 200_000, 64, 'sha512', done)));
    const r = await runProcess(process.execPath, ['-e', 'console.log("the last line")'], { cwd: tmpdir(), log });
    const text = readFileSync(log, 'utf8');
    await Promise.all(busy);
    expect(r.code).toBe(0);
    expect(text).toMatch(/the last line\n$/);
  });

  it('fails with the command line, the exit code and what it printed when a checked run exits non-zero', async () => {
    await expect(runChecked(process.execPath, ['-e', 'process.exit(0)'], { cwd: tmpdir() })).resolves.toBe('');
    const failed = runChecked(process.execPath, ['-e', 'console.error("nope"); process.exit(4)'], { cwd: tmpdir() });
    await expect(failed).rejects.toThrow(/-e .* failed with exit code 4:\nnope/);
    await expect(failed.catch((e: ParityError) => e.kinds)).resolves.toEqual(['command-failed']);
  });

  it('stops a whole process group on abort (a child the program started too), records it while it lives, and resolves aborted', async () => {
    const seen: number[][] = [];
    const tracked = new ProcessGroups((l) => seen.push(l.map((g) => g.pgid)));
    const ctl = new AbortController();
    // a program that ignores SIGINT and starts a grandchild in its group, then sleeps
    const script = `process.on('SIGINT', () => {}); const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000)`;
    let grandchild = 0;
    const run = runProcess(process.execPath, ['-e', script], {
      cwd: tmpdir(),
      group: true,
      groups: tracked,
      signal: ctl.signal,
      graceMs: 300,
      onLine: (l) => {
        grandchild = Number(l);
        ctl.abort();
      },
    });
    const r = await run;
    expect(r.aborted).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(grandchild).toBeGreaterThan(0);
    expect(processAlive(grandchild)).toBe(false);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toHaveLength(1);
    expect(groupAlive(seen[0]![0]!)).toBe(false);
    expect(seen[1]).toEqual([]);
    tracked.dispose();
  });

  it('resolves aborted at once, starting nothing, when the signal is already aborted', async () => {
    const r = await runProcess('parity-no-such-program', [], { cwd: tmpdir(), signal: AbortSignal.abort() });
    expect(r).toMatchObject({ aborted: true, stdout: '' });
  });

  it('starts a long-running program in its own group with its output in a log, and stops the group', async () => {
    const log = join(dir(), 'server.log');
    const groups = new ProcessGroups();
    const server = startProcess(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], {
      log,
      groups,
      what: 'server',
    });
    // node starts in well under a second, but a busy 2-core machine can take several
    for (const until = Date.now() + 30_000; Date.now() < until && !readFileSync(log, 'utf8').includes('up'); )
      await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(log, 'utf8')).toBe('up\n');
    expect(groups.list()).toEqual([{ pgid: server.pid, what: 'server' }]);
    expect(groupAlive(server.pid)).toBe(true);
    await server.stop(2000);
    expect(groupAlive(server.pid)).toBe(false);
    expect(server.hasExited).toBe(true);
    expect(groups.list()).toEqual([]);
    groups.dispose();
  });

  it('starts a long-running program in this process group when asked, and stops it alone', async () => {
    const log = join(dir(), 'alone.log');
    const server = startProcess(process.execPath, ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)'], { log, group: false });
    expect(groupAlive(server.pid)).toBe(false);
    for (const until = Date.now() + 30_000; Date.now() < until && !readFileSync(log, 'utf8').trim(); )
      await new Promise((r) => setTimeout(r, 50));
    expect(Number(readFileSync(log, 'utf8').trim())).toBe(server.pid);
    await server.stop(2000);
    expect(await server.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(processAlive(server.pid)).toBe(false);
  });

  it('fails to start a long-running program that is not on PATH with a tool-missing issue', async () => {
    const server = startProcess('parity-no-such-server', [], { log: join(dir(), 'x.log'), missingFix: 'install the server' });
    const e = await server.failed;
    expect((e as ParityError).kinds).toEqual(['tool-missing']);
    expect((e as ParityError).issues[0]).toMatchObject({ value: 'parity-no-such-server', fix: 'install the server' });
  });

  it('fails on a program that is not on PATH with a tool-missing issue that names the fix', async () => {
    const e = await runProcess('parity-no-such-program', [], { cwd: tmpdir(), missingFix: 'install it' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ParityError);
    expect((e as ParityError).kinds).toEqual(['tool-missing']);
    expect((e as ParityError).issues[0]).toMatchObject({ value: 'parity-no-such-program', fix: 'install it' });
  });

  it('reads the version of the terraform on PATH', async () => {
    expect(await terraformVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('terraform init', () => {
  it('never prompts, installs from the mirror when one is given, and leaves the backend out only when asked', () => {
    expect(terraformInitArgs()).toEqual(['init', '-input=false', '-no-color']);
    expect(terraformInitArgs({ pluginDir: '/opt/tf-plugins' })).toEqual([
      'init',
      '-input=false',
      '-no-color',
      '-plugin-dir=/opt/tf-plugins',
    ]);
    expect(terraformInitArgs({ backend: false, pluginDir: '/m' })).toEqual([
      'init',
      '-backend=false',
      '-input=false',
      '-no-color',
      '-plugin-dir=/m',
    ]);
  });
});

describe('ports', () => {
  it('finds a free port, and sees it in use once something listens there', async () => {
    const port = await freePort();
    expect(await portInUse(port)).toBe(false);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    try {
      expect(await portInUse(port)).toBe(true);
    } finally {
      srv.close();
    }
  });
});
