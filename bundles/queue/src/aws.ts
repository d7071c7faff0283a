/**
 * AWS queues: for each name in `queues`, an SQS queue and its dead-letter queue, both encrypted
 * with one customer-managed KMS key. Each dead-letter queue accepts redrives only from its own
 * source queue.
 *
 * Construct IDs are derived from the queue name (`orders`, `orders-dlq`), never from its position,
 * so adding or reordering queues never replaces another queue (and loses its messages).
 */
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { Fn, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { awsKey } from '@parity/constructs/aws';
import type { DeployContext, Exports } from '@parity/model';
import type { QueueParams } from './index.js';

/** The longest SQS allows: dead letters wait 14 days for someone to look at them. */
const DLQ_RETENTION_SECONDS = 1_209_600;
/** How long SQS reuses a data key before calling KMS again (cost vs. key freshness). */
const KMS_DATA_KEY_REUSE_SECONDS = 300;

export function deploy(scope: Construct, ctx: DeployContext<QueueParams, TerraformProvider>): Exports {
  const p = ctx.params;

  const key = awsKey(scope, 'key', ctx, { purpose: 'queue messages', alias: ['queue'] });

  const queues: SqsQueue[] = [];
  const deadLetters: SqsQueue[] = [];
  for (const q of p.queues) {
    const dlq = new SqsQueue(scope, `${q}-dlq`, {
      name: ctx.name('aws.sqsQueue', q, 'dlq'),
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      kmsMasterKeyId: key.arn,
      kmsDataKeyReusePeriodSeconds: KMS_DATA_KEY_REUSE_SECONDS,
    });
    const queue = new SqsQueue(scope, q, {
      name: ctx.name('aws.sqsQueue', q),
      visibilityTimeoutSeconds: p.visibilityTimeoutSeconds,
      messageRetentionSeconds: p.retentionSeconds,
      kmsMasterKeyId: key.arn,
      kmsDataKeyReusePeriodSeconds: KMS_DATA_KEY_REUSE_SECONDS,
      redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: dlq.arn, maxReceiveCount: p.maxReceiveCount }),
    });
    // A separate resource, so the two queues do not reference each other.
    new SqsQueueRedriveAllowPolicy(scope, `${q}-dlq-allow`, {
      queueUrl: dlq.url,
      redriveAllowPolicy: Fn.jsonencode({ redrivePermission: 'byQueue', sourceQueueArns: [queue.arn] }),
    });
    queues.push(queue);
    deadLetters.push(dlq);
  }

  return {
    queueIds: queues.map((q) => q.url),
    topicIds: queues.map((q) => q.arn),
    deadLetterIds: deadLetters.map((q) => q.arn),
  };
}
