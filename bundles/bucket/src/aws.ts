/**
 * AWS object storage: an S3 bucket, versioned, encrypted with a customer-managed KMS key, closed
 * to the public and to plain HTTP; and, for every DR environment that recovers this one, a
 * replica bucket in the DR region (created here, through an aliased provider, like the backup
 * copy vaults), encrypted with a key of that region, that S3 replicates every object version and
 * delete marker to. Replication Time Control (15-minute SLA) is a parameter.
 *
 * A dr environment creates no bucket: it takes over the replica the environment it recovers keeps
 * in its region, named by the one naming helper, so nothing is read from the lost region.
 *
 * Construct IDs are public API: renaming `bucket` or a `replica-<region>` replaces a bucket,
 * which S3 refuses while it holds objects.
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { Fn, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { awsKey } from '@parity/constructs/aws';
import { destroyedWithContent, namer, type DeployContext, type Exports } from '@parity/model';
import type { BucketParams } from './index.js';

/** S3 Replication Time Control's only threshold: 15 minutes. */
const RTC_MINUTES = 15;

/** A bucket with its key and versioning, so replication can depend on both. */
interface SecuredBucket {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;
  readonly versioning: S3BucketVersioningA;
}

export function deploy(scope: Construct, ctx: DeployContext<BucketParams, TerraformProvider>): Exports {
  const env = ctx.env;
  if (env.role === 'dr' && env.recovers) return takeOverReplica(scope, ctx, env.recovers.name);

  const primary = securedBucket(scope, ctx, {
    id: 'bucket',
    name: ctx.name('aws.s3Bucket', 'data'),
    keyAlias: ['bucket'],
    what: 'objects',
  });
  const replicas = env.backup.copyRegions.map((region) =>
    securedBucket(scope, ctx, {
      id: `replica-${region}`,
      name: ctx.name('aws.s3Bucket', 'data', region),
      keyAlias: ['bucket', 'replica', region],
      what: `object replicas in ${region}`,
      provider: ctx.providerFor(region),
    }),
  );
  if (replicas.length > 0) replicate(scope, ctx, primary, replicas);

  return {
    bucketName: primary.bucket.bucket,
    bucketArn: primary.bucket.arn,
    kmsKeyArn: primary.key.arn,
    replicaNames: replicas.map((r) => r.bucket.bucket),
  };
}

/** A dr environment's bucket: the replica of the environment it recovers, in this region, by name. */
function takeOverReplica(scope: Construct, ctx: DeployContext<BucketParams, TerraformProvider>, recovered: string): Exports {
  const name = namer(ctx.env.platform, recovered);
  const bucket = name('aws.s3Bucket', 'data', ctx.env.region);
  const partition = new DataAwsPartition(scope, 'partition', {});
  const account = new DataAwsCallerIdentity(scope, 'account', {});
  const alias = `alias/${name('aws.kmsAlias', 'bucket', 'replica', ctx.env.region)}`;
  return {
    bucketName: bucket,
    bucketArn: `arn:${partition.partition}:s3:::${bucket}`,
    kmsKeyArn: `arn:${partition.partition}:kms:${ctx.env.region}:${account.accountId}:${alias}`,
    replicaNames: [],
  };
}

/** A bucket that keeps every version, encrypts with its own region's key, and refuses public access and plain HTTP. */
function securedBucket(
  scope: Construct,
  ctx: DeployContext<BucketParams, TerraformProvider>,
  o: { id: string; name: string; keyAlias: [string, ...string[]]; what: string; provider?: TerraformProvider },
): SecuredBucket {
  const provider = o.provider ? { provider: o.provider } : {};
  const key = awsKey(scope, `${o.id}-key`, ctx, { purpose: o.what, alias: o.keyAlias, ...provider });
  const bucket = new S3Bucket(scope, o.id, { ...provider, bucket: o.name, ...destroyedWithContent(ctx.env) });
  const versioning = new S3BucketVersioningA(scope, `${o.id}-versioning`, {
    ...provider,
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  });
  new S3BucketServerSideEncryptionConfigurationA(scope, `${o.id}-encryption`, {
    ...provider,
    bucket: bucket.id,
    // A bucket key cuts KMS requests (and their cost) by reusing a data key per bucket.
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
  });
  const block = new S3BucketPublicAccessBlock(scope, `${o.id}-public-access`, {
    ...provider,
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketPolicy(scope, `${o.id}-policy`, {
    ...provider,
    bucket: bucket.id,
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TlsOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    }),
    // S3 rejects a policy while the public access block is being written.
    dependsOn: [block],
  });
  new S3BucketLifecycleConfiguration(scope, `${o.id}-lifecycle`, {
    ...provider,
    bucket: bucket.id,
    rule: [
      {
        id: 'expire-noncurrent-versions',
        status: 'Enabled',
        filter: [{}],
        noncurrentVersionExpiration: [{ noncurrentDays: ctx.params.noncurrentVersionDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      },
    ],
    dependsOn: [versioning],
  });
  return { bucket, key, versioning };
}

/** Cross-region replication of every version and delete marker to each replica, by a role that may do only that. */
function replicate(
  scope: Construct,
  ctx: DeployContext<BucketParams, TerraformProvider>,
  source: SecuredBucket,
  replicas: readonly SecuredBucket[],
): void {
  const role = new IamRole(scope, 'replication-role', {
    name: ctx.name('aws.iamRole', 'bucket', 'replication'),
    description: `${ctx.env.name}: S3 replication of the bucket to the DR regions`,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  new IamRolePolicy(scope, 'replication-policy', {
    role: role.id,
    name: 'replicate',
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: [source.bucket.arn] },
        {
          Effect: 'Allow',
          Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
          Resource: [`${source.bucket.arn}/*`],
        },
        {
          Effect: 'Allow',
          Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
          Resource: replicas.map((r) => `${r.bucket.arn}/*`),
        },
        { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [source.key.arn] },
        { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: replicas.map((r) => r.key.arn) },
      ],
    }),
  });
  const rtc = ctx.params.replicationTimeControl;
  new S3BucketReplicationConfigurationA(scope, 'replication', {
    role: role.arn,
    bucket: source.bucket.id,
    rule: replicas.map((r, i) => ({
      id: `to-${ctx.env.backup.copyRegions[i]}`,
      status: 'Enabled',
      priority: i + 1,
      filter: { prefix: '' },
      deleteMarkerReplication: { status: 'Enabled' },
      sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
      destination: {
        bucket: r.bucket.arn,
        storageClass: 'STANDARD',
        encryptionConfiguration: { replicaKmsKeyId: r.key.arn },
        ...(rtc
          ? {
              replicationTime: { status: 'Enabled', time: { minutes: RTC_MINUTES } },
              metrics: { status: 'Enabled', eventThreshold: { minutes: RTC_MINUTES } },
            }
          : {}),
      },
    })),
    // S3 refuses replication until versioning is on at both ends.
    dependsOn: [source.versioning, ...replicas.map((r) => r.versioning)],
  });
}
