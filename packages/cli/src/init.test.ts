import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  describe('on a workspace adopted as globex', () => {
    const root = mkdtempSync(join(tmpdir(), 'parity-adopted-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: root });
    mkdirSync(join(root, 'environments/prod-use1'), { recursive: true });
    mkdirSync(join(root, 'packages/model'), { recursive: true });
    writeFileSync(join(root, 'environments/platform.yaml'), 'platform: globex\nstate:\n  aws: { bucket: globex-tfstate-{region} }\n');
    writeFileSync(join(root, 'environments/prod-use1/README.md'), 'globex-prod-use1-db\n');
    writeFileSync(join(root, 'packages/model/package.json'), '{ "name": "@gx/model" }\n');
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'globex');

    it('fails to rename it without --force, saying which files and environments would change, and writes nothing', async () => {
      const e = await init({ platform: 'initech', scope: '@gx', install: false }, root).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ParityError);
      expect((e as ParityError).kinds).toEqual(['init-rename']);
      const [problem] = (e as ParityError).issues;
      expect(problem!.message).toMatch(
        /adopted as globex \(@gx\); init would rename it to initech \(@gx\), rewriting 2 files: environments\/platform\.yaml, environments\/prod-use1\/README\.md/,
      );
      expect(problem!.message).toMatch(/its 1 environment \(prod-use1\) and the state buckets globex-tfstate-<region> would change/);
      expect(problem!.fix).toMatch(/--force/);
      expect(readFileSync(join(root, 'environments/platform.yaml'), 'utf8')).toMatch(/^platform: globex$/m);
    });

    it('fails on a dirty tree, naming the paths', async () => {
      writeFileSync(join(root, 'scratch.txt'), 'work in progress');
      try {
        const e = await init({ platform: 'globex', scope: '@gx', install: false }, root).catch((x: unknown) => x);
        expect((e as ParityError).kinds).toEqual(['init-dirty']);
        expect((e as ParityError).issues[0]!.message).toMatch(/uncommitted changes in 1 path \(scratch\.txt\)/);
      } finally {
        rmSync(join(root, 'scratch.txt'));
      }
    });
  });
});
