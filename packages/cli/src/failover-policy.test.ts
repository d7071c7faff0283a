import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, tempFleets } from '@parity/testkit';

// `pnpm check` between the two applies of a failover, through the launcher users run: the promoted
// dr database has no backups until `failover.step: complete`. Within the policy's RPO of the
// declaration that is shown as expected (a warning, exit 0) with the next step; later it fails.
// The tests' fleet (@parity/testkit).
const temp = tempFleets();

/** A copy of the tests' fleet whose dr-usw2 is at `failover.step: promote`, declared at `at`, its runbook regenerated. */
async function promoting(at: string): Promise<{ root: string; check: (...args: string[]) => ReturnType<typeof parity> }> {
  const root = temp();
  appendFileSync(join(root, 'environments/dr-usw2/environment.yaml'), `failover:\n  step: promote\n  at: "${at}"\n`);
  const run = (...args: string[]) => parity(root, ...args);
  // The runbook follows the manifest; a stale one is a finding of its own, not what this test is about.
  expect((await run('gen', 'runbook', 'dr-usw2')).status).toBe(0);
  return { root, check: (...args) => run('check', ...args) };
}

describe('pnpm check during a failover', () => {
  it('shows the promoted database without backups as expected for a time, with the next step, and passes', async () => {
    // ten minutes ago: inside the important policy's 30-minute RPO
    const at = `${new Date(Date.now() - 600_000).toISOString().slice(0, 19)}Z`;
    const { check } = await promoting(at);
    const r = await check();
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /Policy +\(13 rules over the synthesized Terraform; 0 violations, 1 expected during a failover, \d+ exceptions? in force\)/,
    );
    expect(r.stdout).toMatch(
      /⚠ PAR-RES-002 .*: expected, for a time\n +dr-usw2 aws_db_instance\.database_instance_[0-9A-F]{8} \(CKV_AWS_133\)/,
    );
    expect(r.stdout).toContain(`failover step promote since ${at}; backups start with step complete, due by `);
    expect(r.stdout).toMatch(/next: finish the failover: pnpm failover dr-usw2 --aws writes failover\.step: complete/);

    const json = JSON.parse((await check('--json')).stdout as string) as {
      findings: Array<{ kind: string; severity: string; rule?: string; env?: string }>;
      policy: { rules: Array<{ id: string; violations: number; expected: number }> };
    };
    expect(json.findings.filter((f) => f.kind === 'policy-expected')).toEqual([
      expect.objectContaining({ severity: 'warning', rule: 'PAR-RES-002', env: 'dr-usw2' }),
    ]);
    expect(json.policy.rules.find((x) => x.id === 'PAR-RES-002')).toMatchObject({ violations: 0, expected: 1 });
    expect((await check('--markdown')).stdout).toMatch(
      /\*\*⚠️ PAR-RES-002 .*: expected, for a time\*\*\n\n\| environment \| address \| state \| next \|/,
    );
  });

  it('fails once the RPO since the declaration has passed, naming the address and the step that adds backups', async () => {
    const { check } = await promoting('2026-01-01T00:00:00Z');
    const r = await check();
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/✘ PAR-RES-002 .*\n +dr-usw2 aws_db_instance\.database_instance_[0-9A-F]{8} \(CKV_AWS_133\)/);
    expect(r.stdout).toMatch(
      /promoted at 2026-01-01T00:00:00Z \(failover step promote\) and has had no backups for longer than the 30-minute RPO/,
    );
    expect(r.stdout).toMatch(/fix: finish the failover: pnpm failover dr-usw2 --aws writes failover\.step: complete/);
  });
});
