/**
 * `pnpm check` while failing back: a re-protecting pair (the production manifest's
 * `failback.step: reprotect`, the dr manifest's `failover.step: complete`) is assessed the other
 * way round, from both environments' real synthesized Terraform.
 */
import { describe, expect, it } from 'vitest';
import { AWS_PAIR, fixtureWorkspace, REPO_ROOT, type ManifestInput } from '@parity/model/testing';
import { synthToJson } from '@parity/synth';
import { resolveForCheck, runChecks, type CheckReport } from './run.js';
import type { TerraformJson } from './tf.js';

async function check(manifests: ManifestInput[]): Promise<CheckReport> {
  const ws = await fixtureWorkspace(manifests);
  const resolved = resolveForCheck(ws);
  const json = new Map<string, TerraformJson>();
  for (const e of resolved.envs) json.set(e.name, (await synthToJson(REPO_ROOT, e)) as TerraformJson);
  return runChecks(ws, resolved, (n) => json.get(n));
}

const failingBack = (step: 'reprotect' | 'promote' | 'complete'): ManifestInput[] =>
  AWS_PAIR.map((m) =>
    m.name === 'prod-use1'
      ? { ...m, drPolicy: 'important', failback: { step } }
      : m.name === 'dr-usw2'
        ? { ...m, failover: { step: 'complete' as const } }
        : m,
  );

describe('pnpm check of a pair failing back', () => {
  it('re-protecting: the pair is assessed the other way (the replica in the primary region), keeping its names', async () => {
    const r = await check(failingBack('reprotect'));
    const pair = r.dr.find((p) => p.primary === 'prod-use1')!;
    expect(pair).toMatchObject({ reversed: true, failback: 'reprotect', failover: 'complete', dr: { name: 'dr-usw2' } });
    expect(pair.implemented).toBe('pilot-light');
    expect(pair.mechanisms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          bundle: 'database',
          kind: 'replica',
          mechanism: expect.stringMatching(/read replica in us-east-1 \(prod-use1\)/),
        }),
      ]),
    );
    expect(pair.rpo).toMatchObject({ met: true });
    // nothing blocks the failback: what only the replica reverses is a warning that says so
    const errors = r.findings.filter((f) => f.severity === 'error' && (f.env === 'prod-use1' || f.env === 'dr-usw2'));
    expect(errors).toEqual([]);
    const notCopied = r.findings.filter((f) => f.kind === 'dr-not-covered');
    expect(notCopied.length).toBeGreaterThan(0);
    for (const f of notCopied) {
      expect(f.severity).toBe('warning');
      expect(f.message).toMatch(/^failing back: .* stays in us-west-2 unless you copy it back before the switchover$/);
    }
  }, 120_000);

  it('fails on a failback before the failover is complete, naming the production manifest', async () => {
    const manifests = failingBack('reprotect').map((m) => (m.name === 'dr-usw2' ? { ...m, failover: { step: 'promote' as const } } : m));
    const r = await check(manifests);
    expect(r.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'failback',
          severity: 'error',
          file: 'environments/prod-use1/environment.yaml',
          path: 'failback.step',
        }),
      ]),
    );
  }, 120_000);

  it('past re-protection, the pair is assessed as usual again, with the failback step shown', async () => {
    const r = await check(failingBack('complete'));
    const pair = r.dr.find((p) => p.primary === 'prod-use1')!;
    expect(pair).toMatchObject({ failback: 'complete', failover: 'complete' });
    expect(pair.reversed).toBeUndefined();
    expect(pair.coverage.find((c) => c.bundle === 'database')).toMatchObject({ covered: true });
  }, 120_000);
});

describe('pnpm check of a failed-over pair', () => {
  it("warns of the primary's RPO breach and blocks nothing: the replica it was measured on is promoted", async () => {
    // a database target the replica meets (lag budget 300 s) and the replicated backups (10 min) do not
    const tight = async (manifests: ManifestInput[]) => {
      const ws = await fixtureWorkspace(manifests);
      ws.definition.data.dr.policies.important!.storeRpoMinutes = { database: 6 };
      const resolved = resolveForCheck(ws);
      const json = new Map<string, TerraformJson>();
      for (const e of resolved.envs) json.set(e.name, (await synthToJson(REPO_ROOT, e)) as TerraformJson);
      return runChecks(ws, resolved, (n) => json.get(n));
    };
    const pair = AWS_PAIR.map((m) => (m.name === 'prod-use1' ? { ...m, drPolicy: 'important' } : m));
    const peace = await tight(pair);
    expect(peace.findings.filter((f) => f.kind === 'rpo-breached')).toEqual([]);
    const failedOver = await tight(pair.map((m) => (m.name === 'dr-usw2' ? { ...m, failover: { step: 'promote' as const } } : m)));
    const breaches = failedOver.findings.filter((f) => f.kind === 'rpo-breached');
    expect(breaches).toEqual([
      expect.objectContaining({
        severity: 'warning',
        env: 'prod-use1',
        path: 'dr.policies.important.storeRpoMinutes.database',
        message: expect.stringMatching(/dr-usw2 is failed over, failover.step promote: judged again once the roles are restored/),
      }),
    ]);
  }, 240_000);
});
