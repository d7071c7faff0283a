/**
 * The CLI as people type it: a mistyped environment gets "did you mean", one problem is printed
 * once, and a name that is also a property of every JavaScript object (`constructor`) is a name
 * like any other. Through the launcher users run, on the tests' fleet.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { edit, parity, tempFleets } from '@parity/testkit';

const temp = tempFleets();
const count = (text: string, needle: string) => text.split(needle).length - 1;

interface Finding {
  kind: string;
  severity: string;
  env?: string;
  fix?: string;
  value?: unknown;
}
const findings = async (root: string, ...args: string[]) =>
  (JSON.parse((await parity(root, 'check', '--json', ...args)).stdout) as { findings: Finding[] }).findings;

describe('the CLI, as people type it', () => {
  it('suggests the environment a mistyped name is closest to, not creating it', async () => {
    const root = temp();
    expect(await findings(root, 'prod-euw')).toContainEqual(
      expect.objectContaining({ kind: 'env-missing', fix: 'did you mean prod-euw1?' }),
    );
    const synth = await parity(root, 'synth', 'dr-usw');
    expect(synth.status).toBe(1);
    expect(synth.stderr).toMatch(/environment "dr-usw" does not exist/);
    expect(synth.stderr).toMatch(/fix: +did you mean dr-usw2\?/);
    expect(synth.stderr).not.toMatch(/pnpm gen env dr-usw\b/);
    // nothing close: creating it is the fix
    expect((await parity(root, 'synth', 'sandbox-apse2')).stderr).toMatch(/fix: +create it with: pnpm gen env sandbox-apse2/);
  });

  it('prints one problem once: a duplicate key in synth, a failover without a target', async () => {
    const root = temp();
    edit(root, 'environments/staging/environment.yaml', /^tier: /m, 'tier: standard\ntier: ');
    const synth = await parity(root, 'synth', 'staging');
    expect(synth.status).toBe(1);
    expect(count(synth.stderr, 'appears twice')).toBe(1);
    expect(synth.stderr).toMatch(/^1 error; nothing was written\.$/m);
    const failover = await parity(root, 'failover', 'dr-usw2');
    expect(failover.status).toBe(2);
    expect(count(failover.stderr, 'needs a target')).toBe(1);
    expect(failover.stderr).toMatch(/fix: +pnpm failover <dr-env> with the flag of the pair's cloud: --aws or --gcp/);
  });

  it('refuses "constructor" as a bundle name for what it is (a reserved word), never as one that "already exists"', async () => {
    // gen bundle reads the packages' own sources (the npm scope)
    const root = temp({ sources: true });
    const gen = await parity(root, 'gen', 'bundle', 'constructor', '--no-install');
    expect(gen.status).toBe(1);
    expect(gen.stderr).toMatch(/"constructor" is a reserved word/);
    expect(gen.stderr).not.toMatch(/already exists/);
    expect(existsSync(join(root, 'bundles/constructor'))).toBe(false);
    // a bundle name typed on the command line is looked up as the definition's own key
    const promote = await parity(root, 'promote', 'constructor', '--to', 'staging', '--dry-run');
    expect(promote.status).toBe(1);
    expect(promote.stderr).toMatch(/constructor/);
    expect(promote.stderr).not.toMatch(/\n\s+at /);
    const connects = await parity(root, 'gen', 'bundle', 'ledger', '--connects', 'toString', '--no-install');
    expect(connects.status).toBe(1);
    expect(connects.stderr).toMatch(/--connects names toString, which the definition does not have/);
  });
});
