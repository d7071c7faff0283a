/**
 * Adopting the template as a new team would, in a temporary copy of the repository (a git
 * repository of its own, its own node_modules installed from the pnpm store): `parity init` with a
 * new platform and scope, the example fleet dropped and a first fleet stamped; `gen bundle` for a
 * new unit (and a stateful one); then typecheck and tests of the new bundles, synth, real
 * `terraform validate`, check, schemas; finally a release to a throwaway Verdaccio under the new
 * scope. Minutes of work on a busy machine: the timeouts are wide on purpose.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@parity/model/testing';
import { currentNames, TEMPLATE_NAMES } from '@parity/generator';
import { freePort } from '@parity/io';
import { addUser, publishedVersions, startRegistry, type RunningRegistry } from '@parity/release';
import { repositoryCopy, runIn } from '@parity/testkit';

// 20 minutes a step: in \`pnpm test\` the drills run beside this file on CI's 2 cores, and a fresh-clone
// run took the new bundles' typecheck, tests, synth and validate past 10.
const STEP_TIMEOUT = 1_200_000;
/** The repository's names now: the template's, or a fork's after its own `parity init`. */
const FROM = currentNames(REPO_ROOT);
/** The names this test adopts: never the repository's own, which `init` would have nothing to rewrite to. */
const TO = FROM.platform === 'globex' ? { platform: 'initech', scope: '@initech' } : { platform: 'globex', scope: '@globex' };
/** Everything that still names the repository's platform or scope. */
const OLD_NAMES = new RegExp(`(?<![a-z0-9])${FROM.platform}(?![a-z0-9])|${FROM.scope}(?![a-z0-9._-])`);
/** Two bundle names the repository does not have yet (`gen bundle cache` may have made one). */
const [PLAIN, STATEFUL] = ['cache', 'ledger', 'stash', 'journal'].filter((b) => !existsSync(join(REPO_ROOT, 'bundles', b))) as [
  string,
  string,
];
let root: string;
let state: string;
let reg: RunningRegistry | undefined;
let port: number;

/** Run a command in the copy, with this test's npm settings only; its output on failure. */
function run(cmd: string, args: string[], cwd = root, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return runIn(cwd, cmd, args, { npm_config_userconfig: join(state, 'npmrc'), ...env });
}

const parity = (...args: string[]) => run(process.execPath, [join(root, 'packages/cli/bin/parity.js'), ...args]);
const git = (...args: string[]) => run('git', ['-c', 'user.name=adopt-test', '-c', 'user.email=adopt@example.com', ...args]);

/** Every file of the copy (tracked or new, not ignored) that still says `needle`. */
async function leftovers(needle: RegExp): Promise<string[]> {
  const files = (await git('ls-files', '-co', '--exclude-standard', '-z')).split('\0');
  return files.filter((f) => f && existsSync(join(root, f)) && needle.test(readFileSync(join(root, f), 'utf8')));
}

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'parity-adopt-state-'));
  writeFileSync(join(state, 'npmrc'), '');
  root = repositoryCopy({ prefix: 'parity-adopt-' });
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-qm', 'the template');
  await run('pnpm', ['install', '--prefer-offline', '--frozen-lockfile']);
}, STEP_TIMEOUT);

const savedUserconfig = process.env.npm_config_userconfig;

afterAll(async () => {
  await reg?.stop();
  if (savedUserconfig === undefined) delete process.env.npm_config_userconfig;
  else process.env.npm_config_userconfig = savedUserconfig;
  if (root) rmSync(root, { recursive: true, force: true });
  if (state) rmSync(state, { recursive: true, force: true });
});

describe('adopting the template: init, a first fleet, a new bundle, a release', () => {
  it(
    'init rewrites every name, drops the examples and stamps a fleet chosen by jurisdiction',
    async () => {
      port = await freePort();
      const out = await parity(
        'init',
        '--platform',
        TO.platform,
        '--scope',
        TO.scope,
        '--registry',
        `http://127.0.0.1:${port}/`,
        '--examples',
        'drop',
        '--regions',
        'us-east-1,eu-west-1',
        // a fork adopted already (its names are not the template's) is renamed only when asked
        ...(FROM.platform !== TEMPLATE_NAMES.platform || FROM.scope !== TEMPLATE_NAMES.scope ? ['--force'] : []),
      );
      expect(out).toContain(`${FROM.platform} → ${TO.platform}, ${FROM.scope} → ${TO.scope}`);
      expect(out).toMatch(/Next steps:[\s\S]*Bootstrap[\s\S]*First release[\s\S]*CI/);
      expect(await leftovers(OLD_NAMES)).toEqual([]);
      // pnpm lint (part of pnpm test) passes on what was rewritten: names of another length move lines
      await run(join(root, 'node_modules/.bin/biome'), ['check', '--error-on-warnings', '.']);
      // every package resolves its workspace dependencies under the new scope
      expect(existsSync(join(root, `packages/generator/node_modules/${TO.scope}/model/package.json`))).toBe(true);
      expect(existsSync(join(root, `packages/generator/node_modules/${FROM.scope}`))).toBe(false);
      // the schemas were written with every bundle loaded under the new scope
      expect(await parity('schemas', '--check')).toMatch(/up to date/);
      expect(readFileSync(join(root, '.npmrc'), 'utf8')).toMatch(new RegExp(`^${TO.scope}:registry=http://127\\.0\\.0\\.1:${port}/$`, 'm'));
      expect(readFileSync(join(root, 'environments/platform.yaml'), 'utf8')).toMatch(
        new RegExp(`^platform: ${TO.platform}$[\\s\\S]*bucket: ${TO.platform}-tfstate-\\{region\\}`, 'm'),
      );
      const envs = readdirSync(join(root, 'environments'), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
      // nothing of the example fleet is left; two productions, each with a dr environment in its jurisdiction
      expect(envs.sort()).toEqual(['dr-euw3', 'dr-use2', 'prod-euw1', 'prod-use1', 'staging']);
      expect(readFileSync(join(root, 'environments/dr-euw3/environment.yaml'), 'utf8')).toMatch(/recovers: prod-euw1/);
    },
    STEP_TIMEOUT,
  );

  it(
    'init a second time with the same flags changes nothing; a dirty tree is refused',
    async () => {
      await git('add', '-A');
      await git('commit', '-qm', `init ${TO.platform}`);
      const again = await parity(
        'init',
        '--platform',
        TO.platform,
        '--scope',
        TO.scope,
        '--registry',
        `http://127.0.0.1:${port}/`,
        '--examples',
        'drop',
        '--regions',
        'us-east-1,eu-west-1',
      );
      expect(again).toMatch(/nothing to rewrite/);
      expect(await git('status', '--porcelain')).toBe('');
      writeFileSync(join(root, 'scratch.txt'), 'work in progress');
      await expect(parity('init', '--platform', 'hooli', '--scope', '@hooli')).rejects.toThrow(
        /uncommitted changes in 1 path \(scratch\.txt\)/,
      );
      rmSync(join(root, 'scratch.txt'));
      // other names on an adopted fleet: a rename of every resource, refused without --force
      await expect(parity('init', '--platform', 'hooli', '--scope', '@hooli')).rejects.toThrow(
        new RegExp(`adopted as ${TO.platform} \\(${TO.scope}\\); init would rename it to hooli \\(@hooli\\), rewriting \\d+ files`),
      );
      expect(await git('status', '--porcelain')).toBe('');
    },
    STEP_TIMEOUT,
  );

  it(
    'gen bundle makes bundles that pass typecheck, their tests, synth, terraform validate and check before anyone edits them',
    async () => {
      await parity('gen', 'bundle', PLAIN, '--clouds', 'aws,gcp');
      await parity('gen', 'bundle', STATEFUL, '--stateful', '--connects', 'network');
      expect(JSON.parse(readFileSync(join(root, `bundles/${PLAIN}/package.json`), 'utf8')).name).toBe(`${TO.scope}/bundle-${PLAIN}`);
      expect(readFileSync(join(root, 'environments/platform.yaml'), 'utf8')).toMatch(
        new RegExp(` {2}${PLAIN}:\\n[\\s\\S]* {2}${STATEFUL}:\\n`),
      );
      expect(readFileSync(join(root, 'docs/bundles.md'), 'utf8')).toMatch(new RegExp(`^\\| ${PLAIN} \\|`, 'm'));
      for (const b of [PLAIN, STATEFUL]) {
        await run(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '-p', `bundles/${b}/tsconfig.json`]);
        // pnpm lint (part of pnpm test) passes on the scaffold as written
        await run(join(root, 'node_modules/.bin/biome'), ['check', '--error-on-warnings', `bundles/${b}`]);
        expect(await run('pnpm', ['--filter', `${TO.scope}/bundle-${b}`, 'test'], root, { CI: 'true' })).toMatch(/passed/);
      }
      await parity('synth');
      expect(await parity('validate')).toMatch(/5\/5 AWS environments valid/);
      const check = await parity('check');
      expect(check).toMatch(/no violations/);
      // the new stateful bundle is a store with its own RPO line, naming how its data reaches the DR region
      expect(check).toMatch(new RegExp(`${STATEFUL}: [^\\n]*DynamoDB global table replica in us-east-2`));
      expect(await parity('schemas', '--check')).toMatch(/up to date/);
      await parity('gen', 'ci', '--check');
      expect(await leftovers(OLD_NAMES)).toEqual([]);
    },
    STEP_TIMEOUT,
  );

  it(
    'releases every package under the new scope to a real registry',
    async () => {
      reg = await startRegistry({ root, port, stateDir: join(state, 'verdaccio') });
      const token = await addUser(reg.url, `${TO.platform}-bot`, 'correct-horse-battery-staple');
      const out = await run(process.execPath, [join(root, 'packages/cli/bin/parity.js'), 'release'], root, {
        PARITY_REGISTRY_TOKEN: token,
      });
      expect(out).toContain(`${TO.scope}/bundle-${PLAIN}@1.0.0`);
      process.env.npm_config_userconfig = join(state, 'npmrc');
      // the new bundles' first changesets made them 1.0.0; nothing was published under the template's scope
      expect(await publishedVersions(`${TO.scope}/bundle-${PLAIN}`, root)).toEqual(['1.0.0']);
      expect(await publishedVersions(`${TO.scope}/bundle-${STATEFUL}`, root)).toEqual(['1.0.0']);
      expect(await publishedVersions(`${TO.scope}/bundle-bucket`, root)).toEqual(['1.0.0']);
      expect(JSON.parse(readFileSync(join(root, `bundles/${PLAIN}/package.json`), 'utf8')).version).toBe('1.0.0');
      expect(readFileSync(join(root, `bundles/${PLAIN}/CHANGELOG.md`), 'utf8')).toMatch(
        new RegExp(`## 1\\.0\\.0[\\s\\S]*First release: the ${PLAIN} bundle`),
      );
    },
    STEP_TIMEOUT,
  );
});
