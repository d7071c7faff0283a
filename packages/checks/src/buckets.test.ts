import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '@parity/model';
import { AWS_PAIR, GCP_PAIR, type ManifestInput } from '@parity/model/testing';
import { synthFixtures } from '@parity/synth';
import {
  DYNAMODB_REPLICA_RPO_MINUTES,
  GCS_DEFAULT_RPO_MINUTES,
  GCS_TURBO_RPO_MINUTES,
  S3_REPLICATION_RPO_MINUTES,
  S3_RTC_RPO_MINUTES,
} from './buckets.js';
import { protections } from './dr.js';
import { dataPlaces, residencyFindings } from './residency.js';
import type { TerraformJson } from './tf.js';

const aws = await synthFixtures(AWS_PAIR);
const gcp = await synthFixtures(GCP_PAIR);
const NO_DUAL: ManifestInput[] = [
  { name: 'prod-gcp-euw1', cloud: 'gcp', region: 'europe-west1', role: 'production', tier: 'production' },
  { name: 'dr-gcp-eun2', cloud: 'gcp', region: 'europe-north2', role: 'dr', tier: 'production', recovers: 'prod-gcp-euw1' },
];
const noDual = await synthFixtures(NO_DUAL);

const copy = (j: TerraformJson): TerraformJson => JSON.parse(JSON.stringify(j)) as TerraformJson;
const bucketOf = (env: ResolvedEnvironment, json: TerraformJson, dr: string) =>
  protections(env, json, dr, 60).protections.filter((p) => p.bundle === 'bucket');

describe('bucket: residency of every replication destination', () => {
  it('reads the S3 replication destination and the replica bucket in the DR region', () => {
    const env = aws.envs.get('prod-use1')!;
    const places = dataPlaces(env, aws.json.get('prod-use1')!).filter((p) => p.address.includes('bucket_'));
    expect(places.find((p) => p.address.startsWith('aws_s3_bucket_replication_configuration.'))).toMatchObject({
      field: 'rule[0].destination.bucket',
      location: 'us-west-2',
      jurisdictions: ['US'],
    });
    expect(
      places
        .filter((p) => p.address.startsWith('aws_s3_bucket.'))
        .map((p) => p.location)
        .sort(),
    ).toEqual(['us-east-1', 'us-west-2']);
    expect(residencyFindings(env, aws.json.get('prod-use1')!)).toEqual([]);
  });

  it('fails when the replica bucket lands outside the jurisdiction', () => {
    const env = aws.envs.get('prod-use1')!;
    const j = copy(aws.json.get('prod-use1')!);
    j.provider!.aws!.push({ alias: 'eu', region: 'eu-west-1' });
    for (const b of Object.values(j.resource!.aws_s3_bucket!)) if (b.provider === 'aws.us_west_2') b.provider = 'aws.eu';
    const errors = residencyFindings(env, j).filter((f) => f.kind === 'residency');
    expect(errors.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_s3_bucket_replication_configuration\..*\.rule\[0\]\.destination\.bucket$/),
        expect.stringMatching(/^aws_s3_bucket\.bucket_replica/),
      ]),
    );
    expect(errors.every((f) => f.value === 'eu-west-1')).toBe(true);
  });

  it('reads the GCS dual-region placement and the copy bucket', () => {
    const eu = gcp.envs.get('prod-gcp-euw1')!;
    const dual = dataPlaces(eu, gcp.json.get('prod-gcp-euw1')!).filter((p) => p.address.startsWith('google_storage_bucket.bucket_'));
    expect(dual.map((p) => p.location)).toEqual(['EU', 'EUROPE-WEST1', 'EUROPE-WEST4']);
    expect(residencyFindings(eu, gcp.json.get('prod-gcp-euw1')!)).toEqual([]);
    const j = copy(gcp.json.get('prod-gcp-euw1')!);
    const bucket = Object.entries(j.resource!.google_storage_bucket!).find(([id]) => id.startsWith('bucket_'))![1];
    bucket.custom_placement_config = { data_locations: ['EUROPE-WEST1', 'EUROPE-WEST2'] };
    expect(residencyFindings(eu, j).map((f) => [f.kind, f.value])).toEqual([['residency', 'EUROPE-WEST2']]);
  });
});

describe('bucket: DR coverage and RPO', () => {
  it('AWS: replication with RTC counts 15 minutes, without RTC two hours', () => {
    const env = aws.envs.get('prod-use1')!;
    const j = aws.json.get('prod-use1')!;
    expect(bucketOf(env, j, 'us-west-2')).toEqual([
      {
        bundle: 'bucket',
        kind: 'replica',
        recovery: 'promotion',
        resource: expect.stringMatching(/^aws_s3_bucket_replication_configuration\.bucket_replication_/),
        mechanism: expect.stringContaining('Replication Time Control (15 min SLA)'),
        rpoMinutes: S3_RTC_RPO_MINUTES,
      },
    ]);
    const off = copy(j);
    for (const r of Object.values(off.resource!.aws_s3_bucket_replication_configuration!)) {
      for (const rule of r.rule as Array<{ destination: Record<string, unknown> }>) delete rule.destination.replication_time;
    }
    expect(bucketOf(env, off, 'us-west-2').map((p) => p.rpoMinutes)).toEqual([S3_REPLICATION_RPO_MINUTES]);
    expect(bucketOf(env, j, 'eu-central-1')).toEqual([]);
  });

  it('fails when a replica is encrypted with a key of another region', () => {
    const env = aws.envs.get('prod-use1')!;
    const j = copy(aws.json.get('prod-use1')!);
    for (const k of Object.values(j.resource!.aws_kms_key!)) if (k.provider === 'aws.us_west_2') delete k.provider;
    const r = protections(env, j, 'us-west-2', 60);
    expect(r.findings.filter((f) => f.kind === 'key-region').map((f) => f.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^aws_s3_bucket_replication_configuration\..*replica_kms_key_id$/)]),
    );
    expect(r.keys.filter((k) => k.address.startsWith('aws_s3_bucket_replication_configuration')).map((k) => [k.keyRegion, k.ok])).toEqual([
      ['us-east-1', false],
    ]);
  });

  it('GCP: a dual-region with turbo replication counts 15 minutes, default replication 12 hours', () => {
    const env = gcp.envs.get('prod-gcp-euw1')!;
    const j = gcp.json.get('prod-gcp-euw1')!;
    expect(bucketOf(env, j, 'europe-west4').map((p) => p.rpoMinutes)).toEqual([GCS_TURBO_RPO_MINUTES]);
    const slow = copy(j);
    for (const b of Object.values(slow.resource!.google_storage_bucket!)) delete b.rpo;
    expect(bucketOf(env, slow, 'europe-west4').map((p) => p.rpoMinutes)).toEqual([GCS_DEFAULT_RPO_MINUTES]);
    expect(bucketOf(env, j, 'europe-west3')).toEqual([]);
  });

  it('GCP: a copy job into the DR region counts its interval plus the copy delay', () => {
    const env = noDual.envs.get('prod-gcp-euw1')!;
    expect(bucketOf(env, noDual.json.get('prod-gcp-euw1')!, 'europe-north2').map((p) => p.rpoMinutes)).toEqual([
      env.backup.intervalMinutes + 60,
    ]);
  });

  it('AWS: a DynamoDB global table replica counts for the bundle that made it, and its key must be of the DR region', () => {
    const env = aws.envs.get('prod-use1')!;
    const j = copy(aws.json.get('prod-use1')!);
    j.resource!.aws_kms_key!['store_key-us-west-2_1'] = { provider: 'aws.us_west_2' };
    j.resource!.aws_dynamodb_table = {
      store_table_1: { name: 't', replica: [{ region_name: 'us-west-2', kms_key_arn: '${aws_kms_key.store_key-us-west-2_1.arn}' }] },
    };
    const r = protections(env, j, 'us-west-2', 60);
    expect(r.protections.filter((p) => p.bundle === 'store')).toEqual([
      {
        bundle: 'store',
        kind: 'replica',
        recovery: 'promotion',
        resource: 'aws_dynamodb_table.store_table_1',
        mechanism: 'DynamoDB global table replica in us-west-2',
        rpoMinutes: DYNAMODB_REPLICA_RPO_MINUTES,
      },
    ]);
    expect(r.findings).toEqual([]);
    j.resource!.aws_dynamodb_table.store_table_1!.replica = [
      { region_name: 'us-west-2', kms_key_arn: 'arn:aws:kms:us-east-1:123456789012:key/x' },
    ];
    expect(protections(env, j, 'us-west-2', 60).findings.map((f) => [f.kind, f.value])).toEqual([['key-region', 'us-east-1']]);
  });
});
