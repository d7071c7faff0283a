import { defineBundle, packageInfo } from '@parity/model';
import { z } from 'zod';

export const params = z
  .object({
    queues: z
      .array(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and hyphens, at most 31'))
      .min(1)
      .refine((q) => new Set(q).size === q.length, 'queue names must be unique')
      .refine((q) => !q.some((n) => n.endsWith('-dlq')), 'names ending in -dlq are taken by dead-letter queues')
      .default(['events'])
      .describe('Queues to create; each gets its own dead-letter queue.'),
    maxReceiveCount: z.number().int().min(5).max(100).default(5).describe('Deliveries before a message moves to the dead-letter queue.'),
    visibilityTimeoutSeconds: z.number().int().min(10).max(600).default(30).describe('Visibility timeout (AWS) or ack deadline (GCP).'),
    retentionSeconds: z
      .number()
      .int()
      .min(600)
      .max(604800)
      .default(345600)
      .describe('How long unconsumed messages are kept (86400 is a day).'),
    replay: z
      .enum(['none', 'archive'])
      .default('none')
      .describe(
        "none: a message lives only in its queue, in the environment's region; what is in flight when that region is lost is lost. archive: every message is also archived in each DR region (AWS: producers publish to the queue's SNS topic, which delivers to the queue and, across Regions, to an archive queue in the DR region; GCP: a Cloud Storage subscription writes every message into a bucket in the DR region), so `pnpm failover` can replay what consumers had not checkpointed into the DR queues. Producers set the message attributes idempotency-key and produced-at;docs/failover-failback.md has the contract.",
      ),
  })
  .strict();

export type QueueParams = z.output<typeof params>;

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'queue',
  description: 'Message queues with dead-letter queues: AWS SQS (KMS-encrypted) or GCP Pub/Sub (storage restricted to the jurisdiction).',
  params: params as unknown as z.ZodObject,
  connects: {},
  exports: {
    queueIds: { description: 'Queue URLs (AWS) or subscription IDs (GCP), in the order of `queues`.' },
    topicIds: {
      description:
        'What producers send to, in the order of `queues`: queue ARNs (AWS, replay none), SNS topic ARNs (AWS, replay archive) or topic IDs (GCP).',
    },
    deadLetterIds: { description: 'Dead-letter queue ARNs (AWS) or topic IDs (GCP).' },
    archiveIds: {
      description:
        'replay archive: per queue and DR region, the archive (AWS: archive queue URL; GCP: bucket name and prefix); empty otherwise.',
    },
  },
  services: { aws: ['sqs', 'sns', 'kms'], gcp: ['pubsub'] },
  // a data place once every message is archived in the DR region: its RPO is the archive's delay
  stateful: true,
  statefulWhen: (p) => (p as QueueParams).replay === 'archive',
});
export default bundle;
