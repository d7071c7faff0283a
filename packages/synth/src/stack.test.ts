import { describe, expect, it } from 'vitest';
import { loadWorkspace } from '@parity/model';
import { AWS_PAIR, GCP_PAIR, REPO_ROOT, resolveFixture } from '@parity/model/testing';
import { synthToJson } from './synth.js';

describe('environment stack', () => {
  it('sets AWS default tags and an S3 backend locked with a lock file', async () => {
    const env = (await resolveFixture(AWS_PAIR)).get('dr-usw2')!;
    const json = await synthToJson(REPO_ROOT, env);
    expect(json.provider!.aws![0]).toMatchObject({
      region: 'us-west-2',
      default_tags: [{ tags: { 'parity:environment': 'dr-usw2', 'parity:role': 'dr' } }],
    });
    expect((json.terraform as { backend: unknown }).backend).toEqual({
      s3: { bucket: 'acme-tfstate-us-west-2', key: 'dr-usw2/terraform.tfstate', region: 'us-west-2', use_lockfile: true, encrypt: true },
    });
  });

  it('locks S3 state with DynamoDB instead when the definition names a lock table', async () => {
    const env = (await resolveFixture(AWS_PAIR)).get('dr-usw2')!;
    const json = await synthToJson(REPO_ROOT, { ...env, state: { ...env.state, lockTable: 'acme-tflock' } as typeof env.state });
    expect((json.terraform as { backend: unknown }).backend).toEqual({
      s3: {
        bucket: 'acme-tfstate-us-west-2',
        key: 'dr-usw2/terraform.tfstate',
        region: 'us-west-2',
        dynamodb_table: 'acme-tflock',
        encrypt: true,
      },
    });
  });

  it('sets GCP default labels with their keys as written (no snake-casing) and a GCS backend', async () => {
    const env = (await resolveFixture(GCP_PAIR)).get('prod-gcp-euw1')!;
    const json = await synthToJson(REPO_ROOT, env);
    expect(json.provider!.google![0]).toMatchObject({ project: 'acme-prod-gcp-euw1', region: 'europe-west1' });
    expect(Object.keys(json.provider!.google![0]!.default_labels as object).sort()).toEqual([
      'managed-by',
      'parity-environment',
      'parity-platform',
      'parity-role',
      'parity-tier',
    ]);
    expect((json.terraform as { backend: unknown }).backend).toEqual({
      gcs: { bucket: 'acme-tfstate-europe-west1', prefix: 'prod-gcp-euw1' },
    });
  });

  it.each([
    ['AWS', AWS_PAIR, 'prod-use1'],
    ['GCP', GCP_PAIR, 'prod-gcp-euw1'],
  ] as const)('writes every bundle export of its cloud as an output named <bundle>_<export> (%s)', async (_cloud, pair, name) => {
    const env = (await resolveFixture(pair)).get(name)!;
    const ws = await loadWorkspace(REPO_ROOT);
    const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
    const expected = env.bundles.flatMap((b) =>
      Object.entries(ws.bundles.get(b.name)!.exports)
        .filter(([, spec]) => !spec.clouds || spec.clouds.includes(env.cloud))
        .map(([key]) => `${b.name}_${snake(key)}`),
    );
    expect(env.bundles.map((b) => b.name).sort()).toEqual(Object.keys(ws.definition.data.bundles).sort());
    const json = await synthToJson(REPO_ROOT, env);
    expect(Object.keys(json.output!).sort()).toEqual(expected.sort());
    // a stateless cluster (the example's volumes: none) gets no Backup for GKE plan: its ID is empty, as its export says
    const emptyByDesign = env.cloud === 'gcp' ? ['backup_plan_id'] : [];
    for (const [key, out] of Object.entries(json.output!)) if (!emptyByDesign.includes(key)) expect(out.value, key).toBeTruthy();
    for (const key of emptyByDesign) expect(json.output![key]!.value, key).toBe('');
  });

  it('creates one aliased provider per other region, only when a bundle asks for it', async () => {
    const envs = await resolveFixture(AWS_PAIR);
    const prod = await synthToJson(REPO_ROOT, envs.get('prod-use1')!);
    expect(prod.provider!.aws!.map((p) => [p.region, p.alias ?? null])).toEqual([
      ['us-east-1', null],
      ['us-west-2', 'us_west_2'],
    ]);
    const staging = await synthToJson(REPO_ROOT, envs.get('staging')!);
    expect(staging.provider!.aws).toHaveLength(1);
  });
});
