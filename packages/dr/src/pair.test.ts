import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckReport } from '@parity/checks';
import { ParityError } from '@parity/model';
import { fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failoverChange } from './failover/change.js';
import { blockingFindings, resolvePair, snapshotId } from './pair.js';
import { placedResources, type TerraformJson } from '@parity/model/terraform';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

// The tests' fleet (@parity/testkit), read only.
let ROOT: string;
let cleanup: () => void;
beforeAll(() => {
  ({ root: ROOT, cleanup } = fleetWorkspace());
});
afterAll(() => cleanup());

describe('the pair a drill fails over', () => {
  it('is the dr environment and the production one it recovers', async () => {
    const { dr, primary } = await resolvePair(ROOT, 'dr-usw2');
    expect([dr.name, dr.region, primary.name, primary.region]).toEqual(['dr-usw2', 'us-west-2', 'prod-use1', 'us-east-1']);
  });

  it('fails: refuses an environment that is not a dr one, a GCP one, or an unknown one, each with its kind and fix', async () => {
    const refusal = async (env: string) => {
      const e = await resolvePair(ROOT, env).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ParityError);
      return e as ParityError;
    };
    const notDr = await refusal('prod-use1');
    expect(notDr.kinds).toEqual(['not-dr-env']);
    expect(notDr.issues[0]).toMatchObject({
      file: 'environments/prod-use1/environment.yaml',
      path: 'role',
      value: 'production',
      allowed: 'dr',
    });
    expect(notDr.message).toMatch(/production environment; a drill fails over into a dr environment/);
    const gcp = await refusal('dr-gcp-euw4');
    expect(gcp.kinds).toEqual(['cloud-unsupported']);
    expect(gcp.issues[0]).toMatchObject({ path: 'cloud', value: 'gcp', allowed: 'aws' });
    // a failover and a failback run on GCP too (Cloud SQL Admin): only the drill needs the AWS emulator
    expect((await resolvePair(ROOT, 'dr-gcp-euw4', 'failover')).dr.cloud).toBe('gcp');
    const missing = await refusal('dr-nowhere');
    expect(missing.kinds).toEqual(['env-missing']);
    expect(missing.issues[0]!.allowed).toMatch(/dr-usw2/);
    expect(missing.issues[0]!.fix).toMatch(/name a dr environment \(.*dr-usw2/);
  });
});

describe('the DR environment restored from the copy', () => {
  it('is the failover: section resolved in memory (what pnpm failover writes), leaving the committed manifest alone', async () => {
    const manifest = join(ROOT, 'environments', 'dr-euc1', 'environment.yaml');
    const before = readFileSync(manifest, 'utf8');
    const pair = await resolvePair(ROOT, 'dr-euc1');
    const section = {
      step: 'restore' as const,
      at: '2026-11-28T14:02:00Z',
      reason: 'drill',
      from: 'snapshot copy',
      snapshot: 'parity-drill-copy',
    };
    const change = await failoverChange(pair, section, ' drill');
    expect(change.env.bundles.find((b) => b.name === 'database')?.params.restoreFromSnapshot).toBe('parity-drill-copy');
    expect(change.env.dr.failover).toMatchObject({ step: 'restore', snapshot: 'parity-drill-copy' });
    expect(readFileSync(manifest, 'utf8')).toBe(before);
    const [db] = placedResources(change.json as TerraformJson, 'aws_db_instance');
    expect(db?.body.snapshot_identifier).toBe('parity-drill-copy');
    // a restore keeps the snapshot's key: no kms_key_id of its own
    expect(db?.body.kms_key_id).toBeUndefined();
    expect(change.diff.changed.find((c) => c.address === db?.address)?.attributes).toContain('snapshot_identifier');
  });
});

describe('refusing to drill', () => {
  const report = (findings: Array<Partial<CheckReport['findings'][number]>>) => ({ findings }) as unknown as CheckReport;
  it('on an error about either environment of the pair, or about the fleet as a whole; not on warnings or other pairs', () => {
    const r = report([
      { severity: 'error', env: 'prod-use1', message: 'a' },
      { severity: 'error', env: 'dr-usw2', message: 'b' },
      { severity: 'error', message: 'definition' },
      { severity: 'warning', env: 'prod-use1', message: 'w' },
      { severity: 'error', env: 'prod-euw1', message: 'other pair' },
    ]);
    expect(blockingFindings(r, ['prod-use1', 'dr-usw2']).map((f) => f.message)).toEqual(['a', 'b', 'definition']);
  });
});

describe('snapshot identifiers', () => {
  it('are letters, digits and single hyphens', () => {
    expect(snapshotId('parity', '2026-11-24T06-38-54Z', 'us-west-2')).toBe('parity-2026-11-24t06-38-54z-us-west-2');
    expect(snapshotId('parity', 'a__b--c', '')).toBe('parity-a-b-c');
  });
});
