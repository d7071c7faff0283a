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
    topicIds: { description: 'Queue ARNs (AWS) or topic IDs (GCP) to send to, in the order of `queues`.' },
    deadLetterIds: { description: 'Dead-letter queue ARNs (AWS) or topic IDs (GCP).' },
  },
  services: { aws: ['sqs', 'kms'], gcp: ['pubsub'] },
  stateful: false,
});
export default bundle;
