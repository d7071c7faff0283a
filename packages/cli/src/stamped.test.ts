/**
 * Files stamped from the model stay true when the model changes: a dr environment's README says
 * what runs in its region under the policy of the environment it recovers, so `gen env` of that
 * environment restamps it (and the manifest's stamped comments, and the runbook); `pnpm check`
 * names a stale one with the command that restamps it; `gen env <name> --refresh` does, keeping
 * the manifest's values. Through the launcher users run, on the tests' fleet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { edit, parity, tempFleets } from '@parity/testkit';

const temp = tempFleets();
const read = (root: string, file: string) => readFileSync(join(root, file), 'utf8');
const README = 'environments/dr-euc1/README.md';
const MANIFEST = 'environments/dr-euc1/environment.yaml';

interface Finding {
  kind: string;
  severity: string;
  env?: string;
  file: string;
  path: string;
  value?: unknown;
  fix?: string;
}
async function findings(root: string): Promise<Finding[]> {
  const r = await parity(root, 'check', '--json');
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

describe('files stamped from the model', () => {
  it('gen env of a production environment restamps the dr environment that recovers it: README, manifest comments, runbook', async () => {
    const root = temp();
    expect(read(root, README)).toMatch(/\*\*Do not apply this environment now\.\*\*/);
    const r = await parity(root, 'gen', 'env', 'prod-euw1', '--force', '--dr-policy', 'important');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote environments\/dr-euc1\/README\.md \(it follows prod-euw1\)/);
    expect(r.stdout).toMatch(/wrote environments\/dr-euc1\/environment\.yaml \(it follows prod-euw1\)/);
    expect(r.stdout).toMatch(/wrote environments\/dr-euc1\/RUNBOOK\.md \(it follows prod-euw1\)/);
    const readme = read(root, README);
    expect(readme).not.toMatch(/Do not apply/);
    expect(readme).toMatch(/\| DR policy \| important: pilot-light, RPO 30 min, RTO 120 min \|/);
    expect(readme).toMatch(
      /the database as a cross-region read replica; the cluster defined with its node groups at zero\. Apply it now\./,
    );
    expect(read(root, MANIFEST)).toMatch(
      /^# dr-euc1: disaster recovery for prod-euw1, a read replica in eu-central-1, compute scaled to zero/m,
    );
    // nothing stamped is stale: check and the runbook check agree
    expect((await parity(root, 'gen', 'runbook', '--check')).status).toBe(0);
    expect((await findings(root)).filter((f) => f.kind.endsWith('-stale'))).toEqual([]);
  });

  it("check fails on a stale README, naming it and the command that restamps it; --refresh restamps it and keeps the manifest's values", async () => {
    const root = temp();
    // the policy changed by hand: nothing ran gen env
    edit(root, 'environments/prod-euw1/environment.yaml', 'overrides: {}', 'drPolicy: important\noverrides: {}');
    edit(root, MANIFEST, 'overrides: {}', '# reviewed by the on-call lead\noverrides: {}');
    const stale = (await findings(root)).filter((f) => f.kind === 'stamped-stale');
    expect(stale).toEqual([
      expect.objectContaining({
        severity: 'error',
        env: 'dr-euc1',
        file: README,
        fix: expect.stringMatching(
          /^pnpm gen env dr-euc1 --refresh .*then commit environments\/dr-euc1\/README\.md environments\/dr-euc1\/environment\.yaml$/,
        ),
      }),
      // its own README shows the policy too
      expect.objectContaining({
        env: 'prod-euw1',
        file: 'environments/prod-euw1/README.md',
        fix: expect.stringMatching(/^pnpm gen env prod-euw1 --refresh /),
      }),
    ]);
    const text = await parity(root, 'check');
    expect(text.status).toBe(1);
    expect(text.stdout + text.stderr).toMatch(/README\.md, environments\/dr-euc1\/environment\.yaml no longer match the model/);

    const before = read(root, MANIFEST).split('\n');
    const r = await parity(root, 'gen', 'env', 'dr-euc1', '--refresh');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote environments\/dr-euc1\/README\.md\n/);
    expect(read(root, README)).not.toMatch(/Do not apply/);
    // only the stamped summary line changed; the hand edit stays
    const after = read(root, MANIFEST).split('\n');
    expect(after.filter((l, i) => l !== before[i])).toEqual([
      '# dr-euc1: disaster recovery for prod-euw1, a read replica in eu-central-1, compute scaled to zero until a failover',
    ]);
    expect(after).toContain('# reviewed by the on-call lead');
    expect((await parity(root, 'gen', 'env', 'prod-euw1', '--refresh')).status).toBe(0);
    expect(read(root, 'environments/prod-euw1/README.md')).toMatch(/\| DR policy \| important: pilot-light/);
    expect((await findings(root)).filter((f) => f.kind.endsWith('-stale'))).toEqual([]);
    // run again: nothing left to write
    const again = await parity(root, 'gen', 'env', 'dr-euc1', '--refresh');
    expect(again.stdout).not.toMatch(/wrote/);
    expect(again.stdout).toMatch(/its stamped files say what the model gives/);
  });

  it('--refresh refuses other flags and an environment that does not exist', async () => {
    const root = temp();
    const flags = await parity(root, 'gen', 'env', 'dr-euc1', '--refresh', '--tier', 'production');
    expect(flags.status).toBe(1);
    expect(flags.stderr).toMatch(/--refresh keeps the manifest as it is/);
    const missing = await parity(root, 'gen', 'env', 'dr-nowhere', '--refresh');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/environment "dr-nowhere" does not exist/);
  });

  it('check warns when a runbook field has a bracket left open (an unquoted " #" cut it short), and the example quotes it', async () => {
    expect(read(temp(), 'environments/platform.yaml')).toMatch(/^ {4}who: ".*rotation; #incidents\)"$/m);
    const root = temp();
    edit(root, 'environments/platform.yaml', /^ {4}who: .*$/m, '    who: the on-call lead (paged through the rotation; #incidents)');
    expect(await findings(root)).toContainEqual(
      expect.objectContaining({
        kind: 'unbalanced-bracket',
        severity: 'warning',
        path: 'dr.declaration.who',
        value: 'the on-call lead (paged through the rotation;',
      }),
    );
  });
});
