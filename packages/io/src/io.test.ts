import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParityError } from '@parity/model';
import { describe, expect, it } from 'vitest';
import { freePort, portInUse, runProcess, tempPath, terraformVersion, writeDirAtomic, writeFileAtomic } from './index.js';

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
    expect(r).toEqual({ code: 3, stdout: 'out', stderr: 'err' });
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
