/**
 * AWS queues: for each name in `queues`, an SQS queue and its dead-letter queue, both encrypted
 * with one customer-managed KMS key. Each dead-letter queue accepts redrives only from its own
 * source queue.
 *
 * Replay archive (`replay: archive`): SQS has no cross-Region replication, so a message in flight
 * when the region is lost is lost with it. With an archive, producers publish to the queue's SNS
 * topic instead (`topicIds`), which delivers every message (raw) to the queue and, across Regions,
 * to an archive queue in each DR region ("Amazon SNS supports the cross-region delivery of
 * notifications to Amazon SQS queues", https://docs.aws.amazon.com/sns/latest/dg/sns-cross-region-delivery.html).
 * The archive keeps every message for SQS's longest retention, encrypted with a key of its own
 * region, and is created here, through an aliased provider, so it exists long before the DR
 * environment is applied. At failover `pnpm failover` replays the archived messages newer than the
 * consumers' checkpoint into the DR environment's queue (docs/failover-failback.md has the contract
 * producers and consumers keep). Chosen over Firehose to S3 with replication (16 minutes or more,
 * and SNS to Firehose is not emulated) and EventBridge archives (producers would change API, and
 * the emulator replays without the time window): docs/dr-strategies.md says why.
 *
 * Construct IDs are derived from the queue name (`orders`, `orders-dlq`, `orders-archive-<region>`),
 * never from its position, so adding or reordering queues never replaces another queue (and loses
 * its messages).
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy/index.js';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { Fn, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { awsKey } from '@parity/constructs/aws';
import type { DeployContext, Exports } from '@parity/model';
import type { QueueParams } from './index.js';

/** The longest SQS allows: dead letters wait 14 days for someone to look at them, and so does the archive. */
const MAX_RETENTION_SECONDS = 1_209_600;
/** How long SQS reuses a data key before calling KMS again (cost vs. key freshness). */
const KMS_DATA_KEY_REUSE_SECONDS = 300;

/** What a queue's producers and consumers are handed: the queue, and what to publish to. */
interface Built {
  readonly queue: SqsQueue;
  readonly dlq: SqsQueue;
  readonly topic?: SnsTopic;
  readonly archives: SqsQueue[];
}

export function deploy(scope: Construct, ctx: DeployContext<QueueParams, TerraformProvider>): Exports {
  const p = ctx.params;
  const archive = p.replay === 'archive';
  const account = archive ? accountOf(scope) : undefined;
  // With an archive, SNS delivers to queues encrypted with the key: its policy lets SNS use it.
  const key = awsKey(scope, 'key', ctx, {
    purpose: 'queue messages',
    alias: ['queue'],
    ...(account ? { policy: snsKeyPolicy(account) } : {}),
  });
  // One key per DR region for the archives there: a copy must not need the region it recovers from.
  const archiveKeys = archive && account ? ctx.env.backup.copyRegions.map((region) => archiveKey(scope, ctx, region, account)) : [];

  const built = p.queues.map((q) => {
    const b = queueAndDeadLetters(scope, ctx, q, key);
    if (!archive) return b;
    const topic = fanOut(scope, ctx, q, key, b.queue);
    const archives = archiveKeys.map((k) => archiveQueue(scope, ctx, q, topic, k));
    return { ...b, topic, archives };
  });

  return {
    queueIds: built.map((b) => b.queue.url),
    topicIds: built.map((b) => (b.topic ? b.topic.arn : b.queue.arn)),
    deadLetterIds: built.map((b) => b.dlq.arn),
    archiveIds: built.flatMap((b) => b.archives.map((a) => a.url)),
  };
}

/** The partition and account of this stack's credentials, for key policies. */
function accountOf(scope: Construct): { partition: string; id: string } {
  return {
    partition: new DataAwsPartition(scope, 'partition', {}).partition,
    id: new DataAwsCallerIdentity(scope, 'account', {}).accountId,
  };
}

/**
 * A queue key's policy when SNS delivers to queues encrypted with it: the SNS service may use it for
 * this account's topics (AWS: "Enable compatibility between event sources from AWS services and
 * encrypted queues"); the account keeps full control.
 */
function snsKeyPolicy(account: { partition: string; id: string }): string {
  return Fn.jsonencode({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministers',
        Effect: 'Allow',
        Principal: { AWS: `arn:${account.partition}:iam::${account.id}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'SnsDeliversToEncryptedQueues',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': account.id } },
      },
    ],
  });
}

/** The key of the archives in `region`: a copy must not need the region it recovers from. */
function archiveKey(
  scope: Construct,
  ctx: DeployContext<QueueParams, TerraformProvider>,
  region: string,
  account: { partition: string; id: string },
): { region: string; key: KmsKey } {
  const key = awsKey(scope, `archive-key-${region}`, ctx, {
    purpose: `queue messages archived in ${region}`,
    alias: ['queue', 'archive', region],
    aliasId: `archive-key-alias-${region}`,
    provider: ctx.providerFor(region),
    policy: snsKeyPolicy(account),
  });
  return { region, key };
}

/** The queue and its dead-letter queue, which accepts redrives from that queue only. */
function queueAndDeadLetters(scope: Construct, ctx: DeployContext<QueueParams, TerraformProvider>, q: string, key: KmsKey): Built {
  const p = ctx.params;
  const dlq = new SqsQueue(scope, `${q}-dlq`, {
    name: ctx.name('aws.sqsQueue', q, 'dlq'),
    messageRetentionSeconds: MAX_RETENTION_SECONDS,
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
  return { queue, dlq, archives: [] };
}

/** The topic producers publish to, delivering every message unchanged (raw) to the queue. */
function fanOut(scope: Construct, ctx: DeployContext<QueueParams, TerraformProvider>, q: string, key: KmsKey, queue: SqsQueue): SnsTopic {
  const topic = new SnsTopic(scope, `${q}-topic`, { name: ctx.name('aws.snsTopic', q), kmsMasterKeyId: key.arn });
  subscribe(scope, `${q}-subscription`, topic, queue);
  return topic;
}

/** An archive queue in `region` that the topic also delivers every message to. */
function archiveQueue(
  scope: Construct,
  ctx: DeployContext<QueueParams, TerraformProvider>,
  q: string,
  topic: SnsTopic,
  k: { region: string; key: KmsKey },
): SqsQueue {
  const archive = new SqsQueue(scope, `${q}-archive-${k.region}`, {
    provider: ctx.providerFor(k.region),
    name: ctx.name('aws.sqsQueue', q, 'archive'),
    messageRetentionSeconds: MAX_RETENTION_SECONDS,
    kmsMasterKeyId: k.key.arn,
    kmsDataKeyReusePeriodSeconds: KMS_DATA_KEY_REUSE_SECONDS,
  });
  subscribe(scope, `${q}-archive-${k.region}-subscription`, topic, archive, ctx.providerFor(k.region));
  return archive;
}

/**
 * Raw delivery from the topic to a queue, and the queue's policy letting only that topic send. The
 * subscription is made in the topic's Region (the provider's default); the policy with the queue's.
 */
function subscribe(scope: Construct, id: string, topic: SnsTopic, queue: SqsQueue, queueProvider?: TerraformProvider): void {
  const policy = new SqsQueuePolicy(scope, `${id}-policy`, {
    ...(queueProvider ? { provider: queueProvider } : {}),
    queueUrl: queue.url,
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TopicSends',
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queue.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': topic.arn } },
        },
      ],
    }),
  });
  new SnsTopicSubscription(scope, id, {
    topicArn: topic.arn,
    protocol: 'sqs',
    endpoint: queue.arn,
    rawMessageDelivery: true,
    // the queue must accept the topic before the first message is delivered
    dependsOn: [policy],
  });
}
