import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusal } from '@parity/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { asUser, findPostgres, pgCommand, type Postgres } from './postgres.js';
import { scaleText } from './backup.js';

describe('findPostgres', () => {
  const saved = process.env.PARITY_PG_BINDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.PARITY_PG_BINDIR;
    else process.env.PARITY_PG_BINDIR = saved;
  });

  it('fails with tool-missing, naming the package to install, when the server programs are not where it is told', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'parity-no-pg-'));
    try {
      process.env.PARITY_PG_BINDIR = empty;
      const e = await refusal(findPostgres());
      expect(e.issues.map((i) => i.kind)).toEqual(['tool-missing']);
      expect(e.issues[0]?.fix).toMatch(/postgresql package/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('commands', () => {
  const pg: Postgres = { bindir: '/usr/lib/postgresql/15/bin', version: '15.10', major: 15 };

  it('runs a server program itself, or through setpriv as its unprivileged user under root', () => {
    expect(pgCommand(pg, 'initdb', ['-D', 'x'])).toEqual({ cmd: '/usr/lib/postgresql/15/bin/initdb', args: ['-D', 'x'] });
    const root = { ...pg, runAs: { user: 'postgres', uid: 101, gid: 104 } };
    expect(asUser(root, 'test', ['-w', '/w'])).toEqual({
      cmd: 'setpriv',
      args: ['--reuid=101', '--regid=104', '--clear-groups', '--', 'test', '-w', '/w'],
    });
  });

  it('states the drill scale in the schedule’s unit', () => {
    expect(scaleText(60)).toBe('1 min of schedule = 1 s of drill');
    expect(scaleText(3600)).toBe('1 h of schedule = 1 s of drill');
    expect(scaleText(90)).toBe('90 s of schedule = 1 s of drill');
  });
});
