import { describe, expect, it } from 'vitest';
import type { Definition } from './config.js';
import { checkDefinition } from './definition-check.js';
import { resolveEnvironment } from './resolve.js';
import { AWS_PAIR, fixtureWorkspace, type ManifestInput } from './testing.js';

const withPolicy = (policy?: string, drPatch: Partial<ManifestInput> = {}): ManifestInput[] =>
  AWS_PAIR.map((m) => (m.name === 'prod-use1' && policy ? { ...m, drPolicy: policy } : m.name === 'dr-usw2' ? { ...m, ...drPatch } : m));

async function resolve(manifests: ManifestInput[], name: string, patch?: (d: Definition) => void) {
  const ws = await fixtureWorkspace(manifests);
  if (patch) patch(ws.definition!.data);
  return resolveEnvironment(ws, name);
}

describe('DR policies', () => {
  it('names the policy by manifest, then tier, then dr.defaultPolicy; a dr environment runs under the one it recovers', async () => {
    expect((await resolve(withPolicy(), 'prod-use1')).env!.dr).toMatchObject({
      policy: 'standard',
      strategy: 'backup-restore',
      rpoMinutes: 240,
    });
    expect((await resolve(withPolicy('important'), 'dr-usw2')).env!.dr).toMatchObject({
      policy: 'important',
      strategy: 'pilot-light',
      replicaSource: { name: 'prod-use1', region: 'us-east-1' },
    });
    const byTier = await resolve(withPolicy(), 'dr-usw2', (d) => {
      d.tiers.production!.drPolicy = 'critical';
    });
    expect(byTier.env!.dr).toMatchObject({ policy: 'critical', strategy: 'warm-standby', standbyCapacityPercent: 25 });
  });

  it('gives each store its target and the replica its lag budget; a 5-minute RPO is no longer refused as impossible', async () => {
    const critical = (await resolve(withPolicy('critical'), 'dr-usw2')).env!.dr;
    expect([critical.rpoMinutes, critical.storeRpoMinutes, critical.replicaLagSeconds]).toEqual([15, { database: 5 }, 60]);
    const five = await resolve(withPolicy('standard'), 'prod-use1', (d) => {
      d.dr.policies.standard!.rpoMinutes = 5;
    });
    expect(five.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(five.env!.dr.rpoMinutes).toBe(5);
    // an old definition without replicaLagSeconds keeps its meaning: the copy budget in seconds
    const old = await resolve(withPolicy('important'), 'dr-usw2', (d) => {
      delete d.dr.policies.important!.replicaLagSeconds;
    });
    expect(old.env!.dr.replicaLagSeconds).toBe(3600);
  });

  it('fails when a store target names no bundle, or a backup & restore policy sets a replica lag budget', async () => {
    const r = await resolve(withPolicy('standard'), 'prod-use1', (d) => {
      d.dr.policies.standard!.storeRpoMinutes = { databse: 5 };
      d.dr.policies.standard!.replicaLagSeconds = 60;
    });
    expect(r.issues.map((i) => [i.kind, i.path])).toEqual([
      ['dr-policy', 'dr.policies.standard.replicaLagSeconds'],
      ['dr-policy', 'dr.policies.standard.storeRpoMinutes.databse'],
    ]);
  });

  it('derives the strategy layer for the dr environment only, with its source', async () => {
    const dr = (await resolve(withPolicy('critical'), 'dr-usw2')).env!;
    const db = dr.bundles.find((b) => b.name === 'database')!;
    const cluster = dr.bundles.find((b) => b.name === 'cluster')!;
    expect([db.params.mode, db.sources.mode, cluster.params.capacityPercent, cluster.sources.capacityPercent]).toEqual([
      'replica',
      'strategy',
      25,
      'strategy',
    ]);
    const prod = (await resolve(withPolicy('critical'), 'prod-use1')).env!;
    expect(prod.bundles.find((b) => b.name === 'database')!.params.mode).toBe('primary');
    expect(prod.dr.replicaSource).toBeUndefined();
  });

  it('derives the failover layer from the dr manifest: promote, then complete', async () => {
    const promoted = (await resolve(withPolicy('important', { failover: { step: 'promote', at: '2026-11-28T14:02:00Z' } }), 'dr-usw2'))
      .env!;
    const db = promoted.bundles.find((b) => b.name === 'database')!;
    expect([db.params.mode, db.sources.mode]).toEqual(['promoted', 'failover']);
    expect(promoted.bundles.find((b) => b.name === 'cluster')!.params.capacityPercent).toBe(100);
    expect(promoted.dr.failover).toEqual({ step: 'promote', at: '2026-11-28T14:02:00Z' });
    const complete = (await resolve(withPolicy('important', { failover: { step: 'complete' } }), 'dr-usw2')).env!;
    expect(complete.bundles.find((b) => b.name === 'database')!.params.mode).toBe('primary');
    const restored = (await resolve(withPolicy(undefined, { failover: { step: 'restore', snapshot: 'snap-1' } }), 'dr-usw2')).env!;
    expect(restored.bundles.find((b) => b.name === 'database')!.params.restoreFromSnapshot).toBe('snap-1');
  });

  it('fails on active-active, explaining why', async () => {
    const r = await resolve(withPolicy('critical'), 'prod-use1', (d) => {
      d.dr.policies.critical!.strategy = 'active-active';
    });
    expect(r.env).toBeUndefined();
    expect(r.issues).toContainEqual(
      expect.objectContaining({
        kind: 'strategy-unsupported',
        path: 'dr.policies.critical.strategy',
        message: expect.stringMatching(/multi-primary PostgreSQL is not something Parity generates/),
      }),
    );
  });

  it('fails on an unknown policy, naming the defined ones', async () => {
    const r = await resolve(withPolicy('gold'), 'prod-use1');
    expect(r.issues).toContainEqual(
      expect.objectContaining({ kind: 'dr-policy', path: 'drPolicy', value: 'gold', allowed: 'critical, important, standard' }),
    );
  });

  it("fails when a dr manifest names a policy other than its primary's", async () => {
    const r = await resolve(withPolicy('important', { drPolicy: 'critical' }), 'dr-usw2');
    expect(r.issues).toContainEqual(expect.objectContaining({ kind: 'dr-policy', path: 'drPolicy', allowed: 'important' }));
  });

  it('fails on a failover step that does not fit the strategy', async () => {
    const r = await resolve(withPolicy('important', { failover: { step: 'restore', snapshot: 's' } }), 'dr-usw2');
    expect(r.issues).toContainEqual(
      expect.objectContaining({ kind: 'failover', path: 'failover.step', value: 'restore', allowed: 'promote, complete' }),
    );
    const b = await resolve(withPolicy(undefined, { failover: { step: 'promote' } }), 'dr-usw2');
    expect(b.issues).toContainEqual(
      expect.objectContaining({ kind: 'failover', path: 'failover.step', value: 'promote', allowed: 'restore' }),
    );
  });

  it('fails when a dr manifest overrides database.mode without mayDiffer', async () => {
    const r = await resolve(withPolicy('important', { overrides: { database: { mode: 'primary' } } }), 'dr-usw2');
    expect(r.issues).toContainEqual(expect.objectContaining({ kind: 'not-overridable', path: 'overrides.database.mode' }));
  });

  it('fails when the default policy or a tier names an undefined policy', async () => {
    const ws = await fixtureWorkspace(AWS_PAIR);
    const def = ws.definition!.data;
    def.dr.defaultPolicy = 'bronze';
    def.tiers.production!.drPolicy = 'gold';
    const issues = checkDefinition(ws);
    expect(issues).toContainEqual(expect.objectContaining({ kind: 'dr-policy', path: 'dr.defaultPolicy', value: 'bronze' }));
    expect(issues).toContainEqual(
      expect.objectContaining({
        kind: 'dr-policy',
        path: 'tiers.production.drPolicy',
        value: 'gold',
        allowed: 'critical, important, standard',
      }),
    );
  });

  it('fails on a warm-standby policy without its standby share', async () => {
    const r = await resolve(withPolicy('critical'), 'prod-use1', (d) => {
      delete d.dr.policies.critical!.standbyCapacityPercent;
    });
    expect(r.issues).toContainEqual(
      expect.objectContaining({ kind: 'dr-policy', path: 'dr.policies.critical', allowed: 'standbyCapacityPercent: 1..100' }),
    );
  });
});
