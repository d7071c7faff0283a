import { describe, expect, it } from 'vitest';
import { namer, type ResolvedEnvironment } from '@parity/model';
import { AWS_PAIR, REPO_ROOT, type Block, type TerraformJson, only, ref, resources, synthFixtures, synthToJson } from '@parity/synth';
import type { BucketParams } from './index.js';

const { envs, json } = await synthFixtures(AWS_PAIR);
const prod = json.get('prod-use1')!;
const name = namer('acme', 'prod-use1');

/** The resources of `type` the bucket bundle creates with the provider for `region` (the stack's own region when absent). */
function inRegion(j: TerraformJson, type: string, provider?: string): Array<[string, Block]> {
  return Object.entries(resources(j, type)).filter(([id, r]) => id.startsWith('bucket_') && r['provider'] === provider);
}

function withParams(e: ResolvedEnvironment, params: Partial<BucketParams>): ResolvedEnvironment {
  return { ...e, bundles: e.bundles.map((b) => (b.name === 'bucket' ? { ...b, params: { ...b.params, ...params } } : b)) };
}

describe('aws bucket', () => {
  it('keeps every version, encrypts with a customer-managed rotating key, and blocks public access', () => {
    for (const provider of [undefined, 'aws.us_west_2']) {
      const [bucketId] = inRegion(prod, 'aws_s3_bucket', provider)[0]!;
      const [keyId, key] = inRegion(prod, 'aws_kms_key', provider)[0]!;
      expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
      const own = (type: string) =>
        inRegion(prod, type, provider)
          .map(([, r]) => r)
          .find((r) => r['bucket'] === ref('aws_s3_bucket', bucketId, 'id'));
      expect(own('aws_s3_bucket_versioning')?.['versioning_configuration']).toEqual({ status: 'Enabled' });
      expect(own('aws_s3_bucket_server_side_encryption_configuration')?.['rule']).toEqual([
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: ref('aws_kms_key', keyId, 'arn') },
          bucket_key_enabled: true,
        },
      ]);
      expect(own('aws_s3_bucket_public_access_block')).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(own('aws_s3_bucket_lifecycle_configuration')?.['rule']).toEqual([
        expect.objectContaining({ status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 30 }] }),
      ]);
    }
  });

  it('refuses every request that is not over TLS', () => {
    const [bucketId] = inRegion(prod, 'aws_s3_bucket')[0]!;
    const policy = inRegion(prod, 'aws_s3_bucket_policy')
      .map(([, p]) => p)
      .find((p) => p['bucket'] === ref('aws_s3_bucket', bucketId, 'id'))!;
    expect(policy['policy']).toBe(
      `\${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Sid" = "TlsOnly", "Effect" = "Deny", "Principal" = "*", "Action" = "s3:*", "Resource" = [aws_s3_bucket.${bucketId}.arn, "\${aws_s3_bucket.${bucketId}.arn}/*"], "Condition" = {"Bool" = {"aws:SecureTransport" = "false"}}}]})}`,
    );
  });

  it('replicates every version and delete marker to a bucket in the DR region, encrypted with a key of that region, within 15 minutes (RTC)', () => {
    const [replicaId, replica] = inRegion(prod, 'aws_s3_bucket', 'aws.us_west_2')[0]!;
    expect(replica['bucket']).toBe(name('aws.s3Bucket', 'data', 'us-west-2'));
    const [replicaKeyId] = inRegion(prod, 'aws_kms_key', 'aws.us_west_2')[0]!;
    const [, repl] = only(prod, 'aws_s3_bucket_replication_configuration', 'bucket');
    expect(repl['rule']).toEqual([
      {
        id: 'to-us-west-2',
        status: 'Enabled',
        priority: 1,
        filter: { prefix: '' },
        delete_marker_replication: { status: 'Enabled' },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } },
        destination: {
          bucket: ref('aws_s3_bucket', replicaId, 'arn'),
          storage_class: 'STANDARD',
          encryption_configuration: { replica_kms_key_id: ref('aws_kms_key', replicaKeyId, 'arn') },
          replication_time: { status: 'Enabled', time: { minutes: 15 } },
          metrics: { status: 'Enabled', event_threshold: { minutes: 15 } },
        },
      },
    ]);
    const [roleId, role] = only(prod, 'aws_iam_role', 'bucket');
    expect(JSON.parse(String(role['assume_role_policy'])).Statement[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    expect(repl['role']).toBe(ref('aws_iam_role', roleId, 'arn'));
    // replication needs versioning at both ends first
    expect(repl['depends_on']).toHaveLength(2);
  });

  it('replicates without Replication Time Control when it is off', async () => {
    const off = await synthToJson(REPO_ROOT, withParams(envs.get('prod-use1')!, { replicationTimeControl: false }));
    const dest = (only(off, 'aws_s3_bucket_replication_configuration', 'bucket')[1]['rule'] as Array<{ destination: Block }>)[0]!
      .destination;
    expect(dest).not.toHaveProperty('replication_time');
    expect(dest).not.toHaveProperty('metrics');
  });

  it('lets the replication role read only the source and write only the replicas', () => {
    const [, policy] = only(prod, 'aws_iam_role_policy', 'bucket');
    const text = String(policy['policy']);
    expect(text).toMatch(
      /"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"\], "Resource" = \["\$\{aws_s3_bucket\.bucket_replica-us-west-2_[0-9A-F]+\.arn\}\/\*"\]/,
    );
    expect(text).not.toMatch(/"s3:\*"|"\*"/);
  });

  it('creates no replica where no dr environment recovers the environment', () => {
    const staging = json.get('staging')!;
    expect(Object.keys(resources(staging, 'aws_s3_bucket')).filter((id) => id.startsWith('bucket_'))).toHaveLength(1);
    expect(resources(staging, 'aws_s3_bucket_replication_configuration')).toEqual({});
  });

  it('in a dr environment creates no bucket and takes over the replica of the environment it recovers', () => {
    const dr = json.get('dr-usw2')!;
    expect(Object.keys(resources(dr, 'aws_s3_bucket'))).toEqual([]);
    expect(dr.output?.['bucket_bucket_name']?.['value']).toBe(
      resources(prod, 'aws_s3_bucket')['bucket_replica-us-west-2_1DCED4BD']?.['bucket'],
    );
  });

  it('keeps Terraform addresses of the buckets stable (renaming one replaces a bucket full of objects)', () => {
    expect(inRegion(prod, 'aws_s3_bucket').map(([id]) => id)).toEqual(['bucket_3056591E']);
    expect(inRegion(prod, 'aws_s3_bucket', 'aws.us_west_2').map(([id]) => id)).toEqual(['bucket_replica-us-west-2_1DCED4BD']);
  });
});
