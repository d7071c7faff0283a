import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktn';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { GCP_PAIR, resolveFixture, resources } from '@parity/synth/testing';
import type { TerraformJson } from '@parity/model/terraform';
import {
  KEY_ROTATION_PERIOD,
  KEY_USER_ROLE,
  keyNames,
  namer,
  type DeployContext,
  ParityError,
  type ResolvedEnvironment,
} from '@parity/model';
import { environmentProject, gcpKey, projectNumber, serviceAgents } from './gcp.js';

const env = (await resolveFixture(GCP_PAIR)).get('prod-gcp-euw1')!;
const bundle = env.bundles.find((b) => b.name === 'database')!;
const ctx: DeployContext<unknown> = {
  env,
  bundle,
  params: {},
  inputs: {},
  name: namer(env.platform, env.name),
  tags: { team: 'data' },
  providerFor: () => undefined,
};

function synth(build: (scope: Construct) => void): TerraformJson {
  const stack = new TerraformStack(Testing.app(), env.name);
  new GoogleProvider(stack, 'google', { project: env.gcpProject, region: env.region });
  build(new Construct(stack, 'database'));
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/** The Terraform names of a type's resources without the hash the core appends: the construct path below the stack. */
const ids = (json: TerraformJson, type: string) =>
  Object.keys(resources(json, type))
    .map((id) => id.replace(/_[0-9A-F]{8}$/, ''))
    .sort();

describe('gcpKey', () => {
  it('makes a key ring and a rotating key where the data lives, usable by the service agents named', () => {
    const json = synth((scope) =>
      gcpKey(scope, ctx, {
        project: env.gcpProject!,
        location: env.region,
        users: serviceAgents(['cloud-sql'], projectNumber(scope, env.gcpProject!)),
      }),
    );
    const names = keyNames(ctx, env.region);
    const [ringId, ring] = Object.entries(resources(json, 'google_kms_key_ring'))[0]!;
    expect(ring).toMatchObject({ project: env.gcpProject, name: names.ring, location: names.location });
    const [keyId, key] = Object.entries(resources(json, 'google_kms_crypto_key'))[0]!;
    expect(key).toMatchObject({
      name: names.key,
      key_ring: `\${google_kms_key_ring.${ringId}.id}`,
      rotation_period: KEY_ROTATION_PERIOD,
      labels: { team: 'data' },
    });
    const grants = Object.values(resources(json, 'google_kms_crypto_key_iam_member'));
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ crypto_key_id: `\${google_kms_crypto_key.${keyId}.id}`, role: KEY_USER_ROLE });
    expect(grants[0]!['member']).toMatch(
      /^serviceAccount:service-\$\{data\.google_project\.database_project_[0-9A-F]+\.number\}@gcp-sa-cloud-sql\.iam\.gserviceaccount\.com$/,
    );
  });

  it("leaves a destroyed version's restore window to Cloud KMS unless given one in days", () => {
    const json = synth((scope) => {
      gcpKey(scope, ctx, { project: env.gcpProject!, location: env.region, users: [] });
      gcpKey(scope, ctx, { project: env.gcpProject!, location: 'EU', idSuffix: '-eu', users: [], deletionWindowDays: 7 });
    });
    const keys = Object.entries(resources(json, 'google_kms_crypto_key')).sort(([a], [b]) => a.localeCompare(b));
    expect(keys.map(([id, k]) => [id.replace(/_[0-9A-F]{8}$/, ''), k['destroy_scheduled_duration']])).toEqual([
      ['database_key', undefined],
      ['database_key-eu', '604800s'],
    ]);
  });

  // Construct IDs are public API: a key whose address changes is replaced, and what it encrypted can no longer be read.
  it('keeps the construct IDs the bundles gave their keys: key-ring, key, key-user-<agent>, with the suffix given', () => {
    const json = synth((scope) => {
      const number = projectNumber(scope, env.gcpProject!);
      gcpKey(scope, ctx, { project: env.gcpProject!, location: env.region, users: serviceAgents(['gke-backup', 'compute'], number) });
      gcpKey(scope, ctx, {
        project: env.gcpProject!,
        location: 'EU',
        idSuffix: '-eu',
        users: [{ id: 'key-user-eu', member: 'serviceAccount:x@y' }],
      });
    });
    expect(ids(json, 'google_kms_key_ring')).toEqual(['database_key-ring', 'database_key-ring-eu']);
    expect(ids(json, 'google_kms_crypto_key')).toEqual(['database_key', 'database_key-eu']);
    expect(ids(json, 'google_kms_crypto_key_iam_member')).toEqual([
      'database_key-user-compute',
      'database_key-user-eu',
      'database_key-user-gke-backup',
    ]);
    const ring = Object.entries(resources(json, 'google_kms_key_ring')).find(([id]) => id.startsWith('database_key-ring-eu_'))![1];
    // a Cloud Storage multi-region's key lives in the Cloud KMS multi-region of the same countries
    expect(ring['location']).toBe('europe');
  });
});

describe('environmentProject', () => {
  it("is the environment's project", () => {
    expect(environmentProject(ctx, 'the key needs one')).toBe(env.gcpProject);
  });

  it('fails, as a bundle-rule refusal naming the bundle, the environment and what needed it, when resolution gave it none', () => {
    const { gcpProject: _, ...rest } = env;
    const without = { ...ctx, env: rest as ResolvedEnvironment };
    expect(() => environmentProject(without, 'the key needs one')).toThrow(ParityError);
    expect(() => environmentProject(without, 'the key needs one')).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({
            kind: 'bundle-rule',
            file: 'bundle database',
            path: 'gcp.project',
            message: 'database: environment prod-gcp-euw1 has no GCP project; the key needs one',
          }),
        ],
      }),
    );
  });
});
