import { defineBundle, packageInfo } from '@parity/model';
import { z } from 'zod';

export const params = z
  .object({
    noncurrentVersionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(30)
      .describe('Days an overwritten or deleted object version is kept (in the replicas too) before it expires.'),
    replicationTimeControl: z
      .boolean()
      .default(false)
      .describe(
        'AWS: S3 Replication Time Control on every replication rule: 99.99% of objects in the DR region within 15 minutes (an SLA, with metrics; extra cost per GB). Without it most objects arrive within 15 minutes but some take hours. No effect on GCP.',
      ),
    turboReplication: z
      .boolean()
      .default(true)
      .describe(
        'GCP: turbo replication for a dual-region bucket: every object in both regions within 15 minutes (default replication: 12 hours). No effect on AWS, or where the bucket is not dual-region.',
      ),
  })
  .strict();

export type BucketParams = z.output<typeof params>;

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'bucket',
  description:
    'Object storage: AWS S3 (versioned, KMS-encrypted, private, TLS only, replicated to each DR region) or GCP Cloud Storage (dual-region inside the jurisdiction with turbo replication, or copied into the DR region).',
  params,
  connects: {},
  exports: {
    bucketName: { description: 'The bucket to read and write (in a dr environment: the copy in its region that it takes over).' },
    bucketArn: { description: 'The bucket ARN.', clouds: ['aws'] },
    kmsKeyArn: {
      description: 'The customer-managed key objects are encrypted with (in a dr environment: the alias ARN of the replica key).',
      clouds: ['aws'],
    },
    replicaNames: {
      description: 'Buckets in the DR regions that objects are replicated or copied to (empty when the bucket is dual-region).',
    },
  },
  services: { aws: ['s3', 'kms'], gcp: ['cloudStorage'] },
  stateful: true,
});
export default bundle;
