import { describe, expect, it } from 'vitest';
import type { Failback, Failover } from './config.js';
import { resolveEnvironment } from './resolve.js';
import { AWS_PAIR, fixtureWorkspace, type ManifestInput } from './testing.js';

/** The AWS pair under `policy`, the dr side at `failover`, the production side at `failback`. */
function pair(policy: string | undefined, failover?: Failover, failback?: Failback): ManifestInput[] {
  return AWS_PAIR.map((m) => {
    if (m.name === 'prod-use1') return { ...m, ...(policy ? { drPolicy: policy } : {}), ...(failback ? { failback } : {}) };
    if (m.name === 'dr-usw2') return { ...m, ...(failover ? { failover } : {}) };
    return m;
  });
}

async function resolve(manifests: ManifestInput[], name: string) {
  return resolveEnvironment(await fixtureWorkspace(manifests), name);
}

const params = (env: NonNullable<Awaited<ReturnType<typeof resolve>>['env']>) => {
  const db = env.bundles.find((b) => b.name === 'database')!;
  const cluster = env.bundles.find((b) => b.name === 'cluster')!;
  return [db.params.mode, db.sources.mode, cluster.params.capacityPercent, cluster.sources.capacityPercent];
};

describe('failback layer', () => {
  const complete: Failover = { step: 'complete' };

  it('reprotect: the production database becomes a replica of the dr environment, compute at standby size', async () => {
    const prod = (await resolve(pair('important', complete, { step: 'reprotect' }), 'prod-use1')).env!;
    expect(params(prod)).toEqual(['replica', 'failback', 0, 'failback']);
    expect(prod.dr.replicaSource).toEqual({ name: 'dr-usw2', region: 'us-west-2' });
    expect(prod.dr.failback).toEqual({ step: 'reprotect' });
    const warm = (await resolve(pair('critical', complete, { step: 'reprotect' }), 'prod-use1')).env!;
    expect(params(warm)).toEqual(['replica', 'failback', 25, 'failback']);
  });

  it('promote, then complete: standalone at full size, replicating nothing', async () => {
    const promoted = (await resolve(pair('important', complete, { step: 'promote' }), 'prod-use1')).env!;
    expect(params(promoted)).toEqual(['promoted', 'failback', 100, 'failback']);
    expect(promoted.dr.replicaSource).toBeUndefined();
    const done = (await resolve(pair('important', complete, { step: 'complete' }), 'prod-use1')).env!;
    expect(params(done)).toEqual(['primary', 'failback', 100, 'failback']);
  });

  it('leaves the dr environment as its failover made it', async () => {
    const dr = (await resolve(pair('important', complete, { step: 'reprotect' }), 'dr-usw2')).env!;
    expect(params(dr)).toEqual(['primary', 'failover', 100, 'failover']);
  });

  it('fails before the failover is complete', async () => {
    const r = await resolve(pair('important', { step: 'promote' }, { step: 'reprotect' }), 'prod-use1');
    expect(r.env).toBeUndefined();
    expect(r.issues).toEqual([
      expect.objectContaining({
        kind: 'failback',
        path: 'failback.step',
        value: 'reprotect',
        file: 'environments/prod-use1/environment.yaml',
      }),
    ]);
    expect(r.issues[0]!.fix).toMatch(/pnpm failover dr-usw2/);
    const none = await resolve(pair('important', undefined, { step: 'reprotect' }), 'prod-use1');
    expect(none.issues).toEqual([expect.objectContaining({ kind: 'failback', allowed: expect.stringMatching(/failover.step: complete/) })]);
  });

  it('backup & restore, reprotect: the production environment unchanged, the dr backups copied back into its region', async () => {
    const restored: Failover = { step: 'restore', snapshot: 'copy-1' };
    const prod = (await resolve(pair(undefined, restored, { step: 'reprotect' }), 'prod-use1')).env!;
    const db = prod.bundles.find((b) => b.name === 'database')!;
    expect([db.params.mode, db.params.restoreFromSnapshot, db.sources.restoreFromSnapshot]).toEqual(['primary', undefined, 'bundle']);
    expect(prod.dr.replicaSource).toBeUndefined();
    expect(prod.backup.copyRegions).toEqual(['us-west-2']);
    const dr = (await resolve(pair(undefined, restored, { step: 'reprotect' }), 'dr-usw2')).env!;
    expect(dr.backup.copyRegions).toEqual(['us-east-1']);
    // without the failback section, the restored dr environment copies nowhere
    const before = (await resolve(pair(undefined, restored), 'dr-usw2')).env!;
    expect(before.backup.copyRegions).toEqual([]);
  });

  it('backup & restore, restore: the production database re-created from the snapshot named in the section', async () => {
    const restored: Failover = { step: 'restore', snapshot: 'copy-1' };
    const prod = (await resolve(pair(undefined, restored, { step: 'restore', snapshot: 'back-1' }), 'prod-use1')).env!;
    const db = prod.bundles.find((b) => b.name === 'database')!;
    expect([db.params.mode, db.params.restoreFromSnapshot, db.sources.restoreFromSnapshot]).toEqual(['primary', 'back-1', 'failback']);
    const dr = (await resolve(pair(undefined, restored, { step: 'restore', snapshot: 'back-1' }), 'dr-usw2')).env!;
    expect(dr.backup.copyRegions).toEqual(['us-east-1']);
  });

  it('fails on a replica step under backup & restore, and on restore under pilot light, naming what fits', async () => {
    const r = await resolve(pair(undefined, { step: 'restore', snapshot: 's' }, { step: 'promote' }), 'prod-use1');
    expect(r.issues).toEqual([
      expect.objectContaining({
        kind: 'failback',
        file: 'environments/prod-use1/environment.yaml',
        path: 'failback.step',
        value: 'promote',
        allowed: 'reprotect, restore',
        fix: expect.stringMatching(/snapshot/),
      }),
    ]);
    const pl = await resolve(pair('important', { step: 'complete' }, { step: 'restore', snapshot: 's' }), 'prod-use1');
    expect(pl.issues).toEqual([
      expect.objectContaining({ path: 'failback.step', value: 'restore', allowed: 'reprotect, promote, complete' }),
    ]);
  });

  it('fails on step restore without a snapshot, on a snapshot in another step, and before the restore failover', async () => {
    const restored: Failover = { step: 'restore', snapshot: 'copy-1' };
    const none = await resolve(pair(undefined, restored, { step: 'restore' }), 'prod-use1');
    expect(none.issues).toEqual([expect.objectContaining({ path: 'failback', value: 'restore', fix: expect.stringMatching(/snapshot/) })]);
    const extra = await resolve(pair(undefined, restored, { step: 'reprotect', snapshot: 'x' }), 'prod-use1');
    expect(extra.issues).toEqual([expect.objectContaining({ path: 'failback.snapshot', value: 'x' })]);
    const early = await resolve(pair(undefined, undefined, { step: 'reprotect' }), 'prod-use1');
    expect(early.issues).toEqual([expect.objectContaining({ kind: 'failback', allowed: expect.stringMatching(/failover.step: restore/) })]);
  });

  it('fails on a failback section in a dr environment', async () => {
    const manifests = pair('important', complete).map((m) => (m.name === 'dr-usw2' ? { ...m, failback: { step: 'promote' as const } } : m));
    const r = await resolve(manifests, 'dr-usw2');
    expect(r.issues).toEqual([expect.objectContaining({ kind: 'failback', path: 'failback' })]);
  });
});
