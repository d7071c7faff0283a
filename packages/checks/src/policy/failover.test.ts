import { describe, expect, it } from 'vitest';
import { AWS_PAIR, fixtureWorkspace, GCP_PAIR, type ManifestInput, REPO_ROOT } from '@parity/model/testing';
import { synthToJson } from '@parity/synth';
import { resolveForCheck } from '../run.js';
import type { TerraformJson } from '../tf.js';
import { runPolicy } from './index.js';

// PAR-RES-002 between the two applies of a failover: the promoted database has no backups by design
// (`step: promote` is the replica's configuration, so Terraform makes one promotion call), and
// `step: complete` adds them. Real resolution and synth of each step.

const AT = '2026-11-28T10:00:00Z';

/** The fleet with both dr environments at `step` (replica strategies on both primaries). */
async function atStep(step: 'promote' | 'complete', at: string | null = AT) {
  const failover = { step, ...(at ? { at } : {}) };
  const manifests: ManifestInput[] = [...AWS_PAIR, ...GCP_PAIR].map((m) => {
    if (m.name === 'prod-use1') return { ...m, drPolicy: 'important' };
    if (m.name === 'prod-gcp-euw1') return { ...m, drPolicy: 'critical' };
    if (m.name === 'dr-usw2' || m.name === 'dr-gcp-euw4') return { ...m, failover };
    return m;
  });
  const ws = await fixtureWorkspace(manifests);
  const resolved = resolveForCheck(ws);
  const json = new Map<string, TerraformJson>();
  for (const e of resolved.envs) json.set(e.name, (await synthToJson(REPO_ROOT, e)) as TerraformJson);
  const policy = (now: string) => runPolicy(ws, resolved.envs, (n) => json.get(n), { now: new Date(now) });
  return { resolved, policy };
}

const promote = await atStep('promote');
const complete = await atStep('complete');
const unrecorded = await atStep('promote', null);

describe('PAR-RES-002 during a failover', () => {
  it('resolves both steps (replica strategies)', () => {
    for (const s of [promote, complete]) {
      expect(s.resolved.envs.find((e) => e.name === 'dr-usw2')!.dr).toMatchObject({ strategy: 'pilot-light', rpoMinutes: 30 });
      expect(s.resolved.envs.find((e) => e.name === 'dr-gcp-euw4')!.dr).toMatchObject({ strategy: 'warm-standby' });
    }
  });

  it('reports the promoted database without backups as expected, a warning, within the RPO of the declaration', () => {
    const { findings, report } = promote.policy('2026-11-28T10:10:00Z');
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    const expected = findings.filter((f) => f.kind === 'policy-expected');
    expect(expected.map((f) => [f.env, f.rule, f.severity]).sort()).toEqual([
      ['dr-gcp-euw4', 'PAR-RES-002', 'warning'],
      ['dr-usw2', 'PAR-RES-002', 'warning'],
    ]);
    const aws = expected.find((f) => f.env === 'dr-usw2')!;
    expect(aws.address).toMatch(/^aws_db_instance\.database_instance_/);
    expect(aws.message).toMatch(
      /failover step promote since 2026-11-28T10:00:00Z; backups start with step complete, due by 2026-11-28T10:30Z \(the important policy's RPO\)/,
    );
    expect(aws.fix).toMatch(/pnpm failover dr-usw2 --aws writes failover\.step: complete.*then apply/);
    const gcp = expected.find((f) => f.env === 'dr-gcp-euw4')!;
    expect(gcp.address).toMatch(/^google_sql_database_instance\./);
    expect(gcp.fix).toMatch(/pnpm failover dr-gcp-euw4 --gcp writes failover\.step: complete/);
    expect(report.rules.find((r) => r.id === 'PAR-RES-002')).toMatchObject({ violations: 0, expected: 2 });
  });

  it('fails once the RPO since the declaration has passed, naming the step that adds backups', () => {
    const { findings, report } = promote.policy('2026-11-28T10:31:00Z');
    const late = findings.filter((f) => f.rule === 'PAR-RES-002');
    expect(late.map((f) => [f.env, f.kind, f.severity]).sort()).toEqual([
      ['dr-gcp-euw4', 'policy-violation', 'error'],
      ['dr-usw2', 'policy-violation', 'error'],
    ]);
    expect(late.find((f) => f.env === 'dr-usw2')!.message).toMatch(
      /promoted at 2026-11-28T10:00:00Z \(failover step promote\) and has had no backups for longer than the 30-minute RPO/,
    );
    expect(late.every((f) => /failover\.step: complete/.test(f.fix ?? ''))).toBe(true);
    expect(report.rules.find((r) => r.id === 'PAR-RES-002')).toMatchObject({ violations: 2, expected: 0 });
  });

  it('fails at once when the declaration time is not recorded (nothing bounds the state)', () => {
    const { findings } = unrecorded.policy('2026-11-28T10:05:00Z');
    const f = findings.filter((x) => x.rule === 'PAR-RES-002');
    expect(f).toHaveLength(2);
    for (const x of f) expect([x.severity, x.message]).toEqual(['error', expect.stringMatching(/no failover\.at recorded/)]);
  });

  it('is clean after step complete: the primary configuration has its backups', () => {
    const { findings } = complete.policy('2026-11-29T12:00:00Z');
    expect(findings.filter((f) => f.rule === 'PAR-RES-002')).toEqual([]);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
