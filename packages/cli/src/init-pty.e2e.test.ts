/**
 * `parity init` at a terminal: with no flags it asks, through @inquirer/prompts, for what the
 * flags leave out. Run in a real pseudo-terminal (node-pty, prebuilt by @lydell/node-pty), the way
 * a person types the answers, in a copy of the workspace that is its own git repository and runs
 * its own launcher. The answers keep the names (rewriting them needs `pnpm install`, which
 * adopt.e2e.test.ts runs, with the flags) and the example fleet, and add a first fleet in the
 * region answered.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pty from '@lydell/node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentNames } from '@parity/generator';
import { FLEET_NAMES, fleetWorkspace, git, fleetEnvironmentsAsync, STAMP_TIMEOUT } from '@parity/testkit';

// The tests' fleet stamped (or waited for) without blocking the worker first: fleetWorkspace() then
// copies it; a worker blocked for a minute on a loaded machine trips vitest's RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const DOWN = '\x1b[B';
const UP = '\x1b[A';
/** Control sequences of the terminal (colours, cursor moves), left out to read the text. */
const CONTROL = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

let root: string;
let cleanup: () => void;
beforeAll(() => {
  ({ root, cleanup } = fleetWorkspace({ sources: true }));
  writeFileSync(join(root, '.gitignore'), 'node_modules/\ncdktf.out/\n.parity/\n.parity-js/\n');
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-qm', 'the template'],
  ])
    git(root, ...args);
});
afterAll(() => cleanup());

/** `parity <args>` of the copy in a pseudo-terminal: answer each prompt once it shows, then wait for the exit. */
function converse(args: string[], answers: Array<[RegExp, string]>): Promise<{ code: number; screen: string }> {
  const term = pty.spawn(process.execPath, [join(root, 'packages/cli/bin/parity.js'), ...args], {
    cwd: root,
    cols: 200,
    rows: 50,
    env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' } as Record<string, string>,
  });
  let screen = '';
  let next = 0;
  let from = 0;
  term.onData((d) => {
    screen += d;
    const [prompt, answer] = answers[next] ?? [];
    if (!prompt?.test(screen.slice(from).replace(CONTROL, ''))) return;
    next++;
    from = screen.length;
    term.write(answer!);
  });
  // a prompt that never shows would leave the command waiting for input: stop it, and show the screen
  const stuck = setTimeout(() => term.kill(), 120_000);
  term.onExit(() => clearTimeout(stuck));
  return new Promise((resolve) =>
    term.onExit(({ exitCode }) => resolve({ code: exitCode, screen: screen.replace(CONTROL, '').replaceAll('\r\n', '\n') })),
  );
}

describe('parity init at a terminal', () => {
  it('asks for the platform, the scope (defaulting to @<platform>), the cloud, the regions and the example fleet, and does what was answered', async () => {
    const names = currentNames(root);
    const { code, screen } = await converse(
      ['init', '--no-install'],
      [
        [/Platform name \(starts every resource name\)/, `${names.platform}\r`],
        [new RegExp(`npm scope of the packages \\(@${names.platform}\\)`), `${names.scope}\r`],
        [/Default cloud[\s\S]*aws[\s\S]*gcp/, '\r'],
        [/Regions of the first fleet/, 'eu-west-1\r'],
        // down to drop and back up to keep: the arrows move the choice
        [/The example fleet[\s\S]*keep[\s\S]*drop/, `${DOWN}${UP}\r`],
      ],
    );
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/✔ Default cloud aws/);
    expect(screen).toMatch(/✔ The example fleet keep/);
    // the first fleet in eu-west-1: staging and prod-euw1 are there already, its dr environment is new
    expect(screen).toMatch(/stamped dr-euw3\n/);
    const envs = readdirSync(join(root, 'environments'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(envs.map((d) => d.name).sort()).toEqual([...FLEET_NAMES, 'dr-euw3'].sort());
    expect(readFileSync(join(root, 'environments/dr-euw3/environment.yaml'), 'utf8')).toMatch(/^recovers: prod-euw1\b/m);
    // the first region answered became the default cloud's default region
    const def = readFileSync(join(root, 'environments/platform.yaml'), 'utf8');
    expect(def).toMatch(/^defaults:\n {2}cloud: aws\n[\s\S]*?^ {4}aws: eu-west-1$/m);
    expect(currentNames(root)).toEqual(names);
  }, 180_000);
});
