/**
 * A pinned fleet in CI: once an environment pins a published bundle version, the generated
 * pull-request workflow's `affected` job must still pass on a fresh clone, where nothing has
 * installed the pins yet. Against a real Verdaccio on a free loopback port: a copy of the
 * repository holding the tests' fleet (a git repository of its own, `pnpm install` from the store)
 * publishes its bundles with `pnpm release`, pins prod-use1 with `pnpm promote`, and commits; a
 * `git clone` of it (no node_modules, no bundle cache) then runs the affected job's `run:` steps
 * from `.github/workflows/parity-pull-request.yml`, in order, as written, with bash.
 * Minutes of work on a busy machine: the timeouts are wide on purpose.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@parity/io';
import { REPO_ROOT } from '@parity/model/testing';
import { addUser, startRegistry, type RunningRegistry } from '@parity/release';
import { fleetEnvironments, repositoryCopy, runIn, fleetEnvironmentsAsync, STAMP_TIMEOUT } from '@parity/testkit';

// The tests' fleet stamped (or waited for) without blocking the worker first: fleetWorkspace() then
// copies it; a worker blocked for a minute on a loaded machine trips vitest's RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

// 30 minutes: in `pnpm test` on CI's 2 cores, beside the drills, the test took 11 min 45 s (7 Dec 2026).
const TIMEOUT = 1_800_000;

interface Step {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}

let state: string;
let root: string;
let clone: string;
let reg: RunningRegistry | undefined;
let token: string;

const npmrc = () => join(state, 'npmrc');
const run = (cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runIn(cwd, cmd, args, { npm_config_userconfig: npmrc(), ...env });
const parity = (...args: string[]) => run(root, process.execPath, [join(root, 'packages/cli/bin/parity.js'), ...args]);
const git = (cwd: string, ...args: string[]) =>
  run(cwd, 'git', ['-c', 'user.name=ci-test', '-c', 'user.email=ci@example.com', '-c', 'commit.gpgsign=false', ...args]);

/**
 * A folder for PATH holding an `npm` that treats `npm install --global pnpm@<v>` as done when that
 * very version is the one installed (this machine's global pnpm is shared; a runner installs it
 * fresh), and runs the real npm for anything else.
 */
async function npmShim(): Promise<string> {
  const dir = join(state, 'bin');
  mkdirSync(dir, { recursive: true });
  const realNpm = (await run(state, 'bash', ['-c', 'command -v npm'])).trim();
  const script = [
    '#!/bin/sh',
    'if [ "$1" = install ] && [ "$2" = --global ] && [ "$3" = "pnpm@$(pnpm --version)" ] && [ $# -eq 3 ]; then',
    '  echo "pnpm $(pnpm --version) is installed"; exit 0',
    'fi',
    `exec "${realNpm}" "$@"`,
  ].join('\n');
  writeFileSync(join(dir, 'npm'), `${script}\n`);
  chmodSync(join(dir, 'npm'), 0o755);
  return dir;
}

/** A step's `env`, with the GitHub expressions this job uses replaced by their values; any other is an error. */
function stepEnv(step: Step, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(step.env ?? {}).map(([k, v]) => {
      const m = /^\$\{\{\s*([\w.]+)\s*\}\}$/.exec(v);
      const value = m ? values[m[1]!] : v;
      if (value === undefined) throw new Error(`step "${step.name}": no value for ${v}`);
      return [k, value];
    }),
  );
}

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'parity-pinned-ci-'));
  writeFileSync(npmrc(), '');
  reg = await startRegistry({ root: REPO_ROOT, port: await freePort(), stateDir: join(state, 'verdaccio') });
  token = await addUser(reg.url, 'release-bot', 'correct-horse-battery-staple');
  root = repositoryCopy({ environments: fleetEnvironments(), prefix: 'parity-pinned-' });
  writeFileSync(join(root, '.npmrc'), `@parity:registry=${reg.url}\n`);
  await git(root, 'init', '-q', '-b', 'main');
  await git(root, 'add', '-A');
  await git(root, 'commit', '-qm', 'the fleet');
  await run(root, 'pnpm', ['install', '--prefer-offline', '--frozen-lockfile']);
}, TIMEOUT);

afterAll(async () => {
  await reg?.stop();
  for (const d of [root, clone, state]) if (d) rmSync(d, { recursive: true, force: true });
}, TIMEOUT);

describe('a pinned fleet in CI', () => {
  it(
    "the pull-request workflow's affected job installs the pins on a fresh clone and lists the pinned environment with its reason",
    async () => {
      await run(root, process.execPath, [join(root, 'packages/cli/bin/parity.js'), 'release'], { PARITY_REGISTRY_TOKEN: token });
      await git(root, 'add', '-A');
      await git(root, 'commit', '-qm', 'release');
      const base = (await git(root, 'rev-parse', 'HEAD')).trim();
      await parity('promote', 'database', '--to', 'prod-use1');
      expect(readFileSync(join(root, 'environments/prod-use1/environment.yaml'), 'utf8')).toMatch(/^ {2}database: \d+\.\d+\.\d+$/m);
      await parity('gen', 'ci', '--check');
      await git(root, 'commit', '-qam', 'pin prod-use1');

      // what CI checks out: a clone, without node_modules or the bundle cache
      clone = mkdtempSync(join(tmpdir(), 'parity-pinned-clone-'));
      await git(state, 'clone', '-q', root, clone);
      expect(existsSync(join(clone, '.parity'))).toBe(false);
      const workflow = parse(readFileSync(join(clone, '.github/workflows/parity-pull-request.yml'), 'utf8')) as {
        jobs: Record<string, { steps: Step[] }>;
      };
      const steps = workflow.jobs.affected!.steps.filter((s) => s.run);
      expect(steps.map((s) => s.run!.split('\n')[0])).toEqual([
        expect.stringMatching(/^npm install --global pnpm@\S+ && pnpm install --frozen-lockfile$/),
        expect.stringMatching(/pnpm --silent affected --base "\$BASE" --json/),
      ]);
      const output = join(state, 'github-output');
      const summary = join(state, 'github-summary');
      writeFileSync(output, '');
      writeFileSync(summary, '');
      const shim = await npmShim();
      for (const step of steps) {
        await run(clone, 'bash', ['-eo', 'pipefail', '-c', step.run!], {
          ...stepEnv(step, { 'github.event.pull_request.base.sha': base }),
          CI: 'true',
          PATH: `${shim}:${process.env.PATH}`,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: summary,
        });
      }
      const outputs = Object.fromEntries(
        readFileSync(output, 'utf8')
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(outputs.any).toBe('true');
      const matrix = JSON.parse(outputs.matrix!) as { include: Array<{ env: string; reasons: Array<{ kind: string; detail: string }> }> };
      expect(matrix.include.map((r) => r.env)).toEqual(['prod-use1']);
      expect(matrix.include[0]!.reasons).toEqual([
        { kind: 'pin', detail: expect.stringMatching(/^database@\d+\.\d+\.\d+$/) },
        { kind: 'manifest', detail: 'environments/prod-use1/environment.yaml' },
      ]);
      expect(readFileSync(summary, 'utf8')).toMatch(/prod-use1[^\n]*\n\s+pin: database@/);
      // affected installed the pin, as synth does
      expect(existsSync(join(clone, '.parity/bundles/@parity'))).toBe(true);
    },
    TIMEOUT,
  );
});
