/**
 * The runbooks of the DR pairs, as users run the commands: committed and current, written by
 * `gen runbook` and `gen env`, and stale ones failing `pnpm check` and `gen runbook --check`,
 * named.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, tempFleets } from '@parity/testkit';

// The tests' fleet (@parity/testkit).
const temp = tempFleets();
const DRS = ['dr-euc1', 'dr-gcp-euw4', 'dr-usw2'];

describe('runbooks', () => {
  it('every DR environment has a current one', async () => {
    const root = temp();
    for (const dr of DRS) expect(existsSync(join(root, 'environments', dr, 'RUNBOOK.md')), dr).toBe(true);
    const r = await parity(root, 'gen', 'runbook', '--check');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/runbooks current: dr-euc1, dr-gcp-euw4, dr-usw2/);
  });

  it('fails: editing the definition without generating them again fails pnpm check, naming the runbook; gen runbook brings it back', async () => {
    const root = temp();
    const def = join(root, 'environments', 'platform.yaml');
    const text = readFileSync(def, 'utf8');
    // the standard policy's RPO (dr-euc1's pair)
    const next = text.replace(/(\n {4}standard:\n(?:.*\n)*? {6}rpoMinutes: )240/, '$1300');
    expect(next).not.toBe(text);
    writeFileSync(def, next);
    const check = await parity(root, 'check', '--json');
    expect(check.status, check.stderr).toBe(1);
    const findings = (JSON.parse(check.stdout) as { findings: Array<{ kind: string; file: string; fix?: string }> }).findings.filter(
      (f) => f.kind === 'runbook-stale',
    );
    expect(findings.map((f) => f.file)).toContain('environments/dr-euc1/RUNBOOK.md');
    expect(findings.find((f) => f.file === 'environments/dr-euc1/RUNBOOK.md')!.fix).toBe(
      'pnpm gen runbook dr-euc1, then commit environments/dr-euc1/RUNBOOK.md',
    );
    const stale = await parity(root, 'gen', 'runbook', '--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/runbooks are stale/);
    expect(stale.stderr).toMatch(
      /environments\/dr-euc1\/RUNBOOK\.md no longer matches the model.*\n\s+fix:\s+pnpm gen runbook dr-euc1, then commit environments\/dr-euc1\/RUNBOOK\.md/,
    );

    const gen = await parity(root, 'gen', 'runbook');
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout).toMatch(/wrote environments\/dr-euc1\/RUNBOOK\.md/);
    expect(readFileSync(join(root, 'environments', 'dr-euc1', 'RUNBOOK.md'), 'utf8')).toMatch(/RPO 300 min/);
    const again = await parity(root, 'check', '--json');
    expect((JSON.parse(again.stdout) as { findings: Array<{ kind: string }> }).findings.filter((f) => f.kind === 'runbook-stale')).toEqual(
      [],
    );
  });

  it('fails: a missing runbook fails pnpm check, naming it', async () => {
    const root = temp();
    const file = join(root, 'environments', 'dr-usw2', 'RUNBOOK.md');
    rmSync(file);
    const check = await parity(root, 'check', '--json');
    expect(check.status).toBe(1);
    const f = (JSON.parse(check.stdout) as { findings: Array<{ kind: string; file: string; message: string }> }).findings.find(
      (x) => x.kind === 'runbook-stale',
    );
    expect(f).toMatchObject({ file: 'environments/dr-usw2/RUNBOOK.md', message: expect.stringMatching(/is missing/) });
  });

  it('gen env writes the runbook of a new DR environment', async () => {
    const root = temp();
    const r = await parity(root, 'gen', 'env', 'dr-euw3', '--recovers', 'prod-euw1');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote environments\/dr-euw3\/RUNBOOK\.md/);
    const text = readFileSync(join(root, 'environments', 'dr-euw3', 'RUNBOOK.md'), 'utf8');
    expect(text).toMatch(/^# Runbook: fail over prod-euw1 \(eu-west-1\) into dr-euw3 \(eu-west-3\)/);
    expect(text).toContain('pnpm failover dr-euw3 --aws');
  });
});
