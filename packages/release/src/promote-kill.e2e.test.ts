/**
 * SIGKILL in the middle of `pnpm promote`, for real: a real Verdaccio on a free loopback port with
 * the bundles published, `promote` run as users run it (the launcher, a child process), killed at
 * its most delicate point (its manifest's temporary file written, not yet renamed: the
 * PARITY_TEST_PAUSE_BEFORE_RENAME hook of @parity/io) and, separately, while it waits on the
 * registry. Either way the manifest is untouched; the next command sweeps the temporary file, and
 * promote run again succeeds.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, PAUSE_BEFORE_RENAME } from '@parity/io';
import { readTree, REPO_ROOT } from '@parity/model/testing';
import { fleetEnvironmentsAsync, fleetWorkspace, runParity, STAMP_TIMEOUT } from '@parity/testkit';
import { addUser, startRegistry, type RunningRegistry } from './registry.js';
import { release } from './release.js';

/** The launcher of the workspace copy: it compiles that copy's sources (the released bundles among them). */
const bin = () => join(ws!.root, 'packages', 'cli', 'bin', 'parity.js');
const MANIFEST = 'environments/prod-use1/environment.yaml';
const TEMP = /\.tmp-\d+(-\d+)?$/;
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

let reg: RunningRegistry | undefined;
let ws: { root: string; cleanup: () => void } | undefined;
let state: string;
const savedUserconfig = process.env.npm_config_userconfig;

/** The child's environment: this test's workspace and npm settings only. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PARITY_ROOT: ws!.root, NO_COLOR: '1', npm_config_userconfig: join(state, 'npmrc'), ...extra };
}

/** `parity <args>` in the workspace, to its end, with the child's environment (asynchronously: never a blocked worker). */
const parityHere = (...args: string[]) => runParity(ws!.root, args, { own: true, env: childEnv() });

/** The environments folder, without temporary files. */
function tree(): Map<string, string> {
  return new Map([...readTree(join(ws!.root, 'environments'))].filter(([k]) => !TEMP.test(k)));
}
const temporaries = () => [...readTree(join(ws!.root, 'environments')).keys()].filter((k) => TEMP.test(k));

/** `pnpm promote database --to prod-use1` as a child process; resolves when `ready(stderr)` holds, with the child. */
function promoteUntil(ready: (stderr: string) => boolean, extra: NodeJS.ProcessEnv = {}) {
  // Its own process group: the kill takes the npm it may be waiting on along.
  const child = spawn(process.execPath, [bin(), 'promote', 'database', '--to', 'prod-use1'], { env: childEnv(extra), detached: true });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const reached = new Promise<boolean>((done) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (ready(stderr)) done(true);
    });
    void exited.then(() => done(false));
  });
  const kill = () => process.kill(-child.pid!, 'SIGKILL');
  return { child, reached, exited, kill, output: () => `${stdout}${stderr}` };
}

/** The command lines of `pid`'s child processes (Linux /proc). */
function childrenOf(pid: number): string[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((c) => (existsSync(`/proc/${c}/cmdline`) ? readFileSync(`/proc/${c}/cmdline`, 'utf8').replaceAll('\0', ' ') : ''));
}

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'parity-promote-kill-'));
  writeFileSync(join(state, 'npmrc'), '');
  process.env.npm_config_userconfig = join(state, 'npmrc');
  reg = await startRegistry({ root: REPO_ROOT, port: await freePort(), stateDir: join(state, 'verdaccio') });
  const token = await addUser(reg.url, 'release-bot', 'correct-horse-battery-staple');
  // the workspace's sources, with the tests' fleet (@parity/testkit)
  ws = fleetWorkspace({ sources: true });
  writeFileSync(join(ws.root, '.npmrc'), `@parity:registry=${reg.url}\n`);
  // The pending changesets become versions, and every bundle is published: promote pins prod-use1 to one.
  await release({ root: ws.root, token });
}, 1_200_000);

afterAll(async () => {
  await reg?.stop();
  ws?.cleanup();
  if (state) rmSync(state, { recursive: true, force: true });
  if (savedUserconfig === undefined) delete process.env.npm_config_userconfig;
  else process.env.npm_config_userconfig = savedUserconfig;
});

describe('SIGKILL in the middle of promote, with a real registry', () => {
  it('killed after writing its temporary manifest: the manifest is untouched; the next command sweeps the temporary file', async () => {
    const before = tree();
    const manifest = readFileSync(join(ws!.root, MANIFEST), 'utf8');
    const run = promoteUntil((e) => e.includes('parity: paused before renaming'), { [PAUSE_BEFORE_RENAME]: 'environment.yaml' });
    expect(await run.reached, run.output()).toBe(true);
    // the kill lands between the temporary write and the rename
    const [tmp] = temporaries();
    expect(tmp, run.output()).toMatch(/^prod-use1\/\.environment\.yaml\.tmp-\d+$/);
    expect(readFileSync(join(ws!.root, 'environments', tmp!), 'utf8')).toMatch(/\nbundles:\n {2}database: \d+\.\d+\.\d+/);
    run.kill();
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(readFileSync(join(ws!.root, MANIFEST), 'utf8')).toBe(manifest);
    expect(tree()).toEqual(before);

    // any command sweeps the dead process's temporary file
    const check = await parityHere('check', 'prod-use1', 'dr-usw2');
    expect(check.stderr).not.toMatch(STACK_TRACE);
    expect(temporaries()).toEqual([]);
    expect(tree()).toEqual(before);
  }, 300_000);

  it('killed while it waits on the registry: nothing written; run again, it pins the environment and leaves no temporary file', async () => {
    const before = tree();
    const manifest = readFileSync(join(ws!.root, MANIFEST), 'utf8');
    // Verdaccio stops answering: promote is left waiting on its first registry question.
    process.kill(reg!.pid, 'SIGSTOP');
    let run: ReturnType<typeof promoteUntil> | undefined;
    try {
      run = promoteUntil(() => false);
      // until promote has asked npm (which now waits on the registry)
      const until = Date.now() + 60_000;
      while (!childrenOf(run.child.pid!).some((c) => /\bnpm\b.*\b(view|info|show)\b/.test(c)) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      expect(
        childrenOf(run.child.pid!).some((c) => /\bnpm\b/.test(c)),
        run.output(),
      ).toBe(true);
      run.kill();
      expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      process.kill(reg!.pid, 'SIGCONT');
    }
    expect(readFileSync(join(ws!.root, MANIFEST), 'utf8')).toBe(manifest);
    expect(tree()).toEqual(before);
    expect(temporaries()).toEqual([]);

    const again = await parityHere('promote', 'database', '--to', 'prod-use1');
    expect(again.status, `${again.stdout}${again.stderr}`).toBe(0);
    const pinned = readFileSync(join(ws!.root, MANIFEST), 'utf8');
    const version = (JSON.parse(readFileSync(join(ws!.root, 'bundles/database/package.json'), 'utf8')) as { version: string }).version;
    expect(pinned).toContain(`bundles:\n  database: ${version}\n`);
    // only the pin changed
    expect(pinned.replace(/# Pinned bundle versions[^\n]*\nbundles:\n {2}database: [^\n]+\n/, '')).toBe(manifest);
    expect(temporaries()).toEqual([]);
    const after = tree();
    after.set('prod-use1/environment.yaml', manifest);
    expect(after).toEqual(before);
  }, 300_000);
});
