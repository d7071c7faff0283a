import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParityError } from '@parity/model';
import { init } from './commands/init.js';

const dir = mkdtempSync(join(tmpdir(), 'parity-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error kinds init fails with. */
async function kinds(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ParityError);
  return (e as ParityError).kinds;
}

describe('parity init refusals (the whole flow is in adopt.e2e.test.ts)', () => {
  it('fails without --platform and --scope when nobody is at a terminal to ask', async () => {
    expect(process.stdin.isTTY).not.toBe(true);
    expect(await kinds(init({}, dir))).toEqual(['init-flag', 'init-flag']);
  });

  it('fails on bad flags, every one at once, before touching anything', async () => {
    expect(await kinds(init({ platform: 'Globex', scope: 'globex', regions: 'us-east-9' }, dir))).toEqual([
      'init-flag',
      'init-flag',
      'init-flag',
    ]);
  });

  it('fails outside a git repository: its changes could not be shown or undone', async () => {
    expect(await kinds(init({ platform: 'globex', scope: '@globex' }, dir))).toEqual(['init-dirty']);
  });
});
