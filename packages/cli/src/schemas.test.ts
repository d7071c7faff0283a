import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ParityError } from '@parity/model';
import { tempWorkspace } from '@parity/model/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { schemas } from './commands/schemas.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('pnpm schemas --check', () => {
  it('fails on missing schemas with one schemas-stale issue per file, and writes nothing', async () => {
    const t = tempWorkspace();
    cleanups.push(t.cleanup);
    const e = await schemas({ check: true }, t.root).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ParityError);
    const issues = (e as ParityError).issues;
    expect(issues.map((i) => [i.kind, i.file])).toEqual([
      ['schemas-stale', 'schemas/platform.schema.json'],
      ['schemas-stale', 'schemas/environment.schema.json'],
    ]);
    expect(issues[0]!.fix).toBe('run pnpm schemas and commit the result');
    expect(existsSync(join(t.root, 'schemas'))).toBe(false);
  });
});
