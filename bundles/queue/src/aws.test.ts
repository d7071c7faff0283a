import { TerraformStack, Testing } from 'cdktn';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { NAME_RULES, namer } from '@parity/model';
import { AWS_PAIR, REPO_ROOT, resolveFixture, synthToJson, withParams, type TerraformJson, type Block, resources } from '@parity/synth';
import { deploy } from './aws.js';
import type { QueueParams } from './index.js';

const envs = await resolveFixture(AWS_PAIR);
// The example definition archives every message (replay: archive); the plain queues first.
const archivedEnv = envs.get('prod-use1')!;
const prodEnv = withParams<QueueParams>(archivedEnv, 'queue', { replay: 'none' });
const prod = await synthToJson(REPO_ROOT, prodEnv);
const archived = await synthToJson(REPO_ROOT, archivedEnv);
const params = prodEnv.bundles.find((b) => b.name === 'queue')!.params as QueueParams;
const name = namer(prodEnv.platform, prodEnv.name);
const ARCHIVE_ADDRESSES = ['queue_events-archive-us-west-2_CA839E61', 'queue_orders-archive-us-west-2_BA046BA5'];

/** The queue whose physical name is `physical`, with its Terraform address. */
function queueNamed(json: TerraformJson, physical: string): [string, Block] {
  const found = Object.entries(resources(json, 'aws_sqs_queue')).find(([, q]) => q['name'] === physical);
  expect(found, `queue ${physical}`).toBeDefined();
  return found!;
}

/** Synthesize the queue bundle alone with other queue names, the way the synth module scopes it. */
function synthQueues(queues: string[]): TerraformJson {
  const stack = new TerraformStack(Testing.app(), prodEnv.name);
  const bundle = prodEnv.bundles.find((b) => b.name === 'queue')!;
  deploy(new Construct(stack, 'queue'), {
    env: prodEnv,
    bundle,
    params: { ...params, queues },
    inputs: {},
    name,
    tags: {},
    providerFor: () => {
      throw new Error('not used');
    },
  });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

describe('aws queue', () => {
  it('creates a queue and a dead-letter queue for each configured name', () => {
    expect(params.queues).toEqual(['orders', 'events']);
    expect(Object.keys(resources(prod, 'aws_sqs_queue'))).toHaveLength(2 * params.queues.length);
    for (const q of params.queues) {
      const [dlqId, dlq] = queueNamed(prod, name('aws.sqsQueue', q, 'dlq'));
      const [, main] = queueNamed(prod, name('aws.sqsQueue', q));
      expect(main['redrive_policy']).toBe(
        `\${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.${dlqId}.arn, "maxReceiveCount" = ${params.maxReceiveCount}})}`,
      );
      expect(main).toMatchObject({
        visibility_timeout_seconds: params.visibilityTimeoutSeconds,
        message_retention_seconds: params.retentionSeconds,
      });
      expect(dlq['message_retention_seconds']).toBe(1_209_600);
      expect(dlq).not.toHaveProperty('redrive_policy');
    }
  });

  it('encrypts every queue with one customer-managed, rotating KMS key', () => {
    const keys = Object.entries(resources(prod, 'aws_kms_key')).filter(([k]) => k.startsWith('queue_'));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0]!;
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    for (const q of Object.values(resources(prod, 'aws_sqs_queue'))) {
      expect(q['kms_master_key_id']).toBe(`\${aws_kms_key.${keyId}.arn}`);
      expect(q['kms_data_key_reuse_period_seconds']).toBe(300);
      expect(q).not.toHaveProperty('sqs_managed_sse_enabled');
    }
    const alias = Object.values(resources(prod, 'aws_kms_alias')).find((a) => a['target_key_id'] === `\${aws_kms_key.${keyId}.key_id}`);
    expect(alias?.['name']).toBe(`alias/${name('aws.kmsAlias', 'queue')}`);
  });

  it('lets each dead-letter queue receive redrives only from its own queue', () => {
    const policies = Object.values(resources(prod, 'aws_sqs_queue_redrive_allow_policy'));
    expect(policies).toHaveLength(params.queues.length);
    for (const q of params.queues) {
      const [dlqId] = queueNamed(prod, name('aws.sqsQueue', q, 'dlq'));
      const [mainId] = queueNamed(prod, name('aws.sqsQueue', q));
      const policy = policies.find((p) => p['queue_url'] === `\${aws_sqs_queue.${dlqId}.url}`);
      expect(policy?.['redrive_allow_policy']).toBe(
        `\${jsonencode({"redrivePermission" = "byQueue", "sourceQueueArns" = [aws_sqs_queue.${mainId}.arn]})}`,
      );
    }
  });

  it('keeps Terraform addresses derived from queue names, so adding or reordering queues replaces nothing', () => {
    // Renaming these construct IDs replaces the queues and loses the messages in them.
    expect(Object.keys(resources(prod, 'aws_sqs_queue')).sort()).toEqual([
      'queue_events-dlq_68405EFE',
      'queue_events_5CE4C62A',
      'queue_orders-dlq_864DC403',
      'queue_orders_FDA5F899',
    ]);
    const before = Object.keys(resources(synthQueues(['orders', 'events']), 'aws_sqs_queue')).sort();
    const after = Object.keys(resources(synthQueues(['audit', 'events', 'orders']), 'aws_sqs_queue'));
    expect(before).toEqual(Object.keys(resources(prod, 'aws_sqs_queue')).sort());
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after).toHaveLength(6);
  });

  it('exports URLs, ARNs and dead-letter ARNs in the order of `queues`', () => {
    const ids = params.queues.map(
      (q) => [queueNamed(prod, name('aws.sqsQueue', q))[0], queueNamed(prod, name('aws.sqsQueue', q, 'dlq'))[0]] as const,
    );
    expect(prod.output?.['queue_queue_ids']?.['value']).toEqual(ids.map(([m]) => `\${aws_sqs_queue.${m}.url}`));
    expect(prod.output?.['queue_topic_ids']?.['value']).toEqual(ids.map(([m]) => `\${aws_sqs_queue.${m}.arn}`));
    expect(prod.output?.['queue_dead_letter_ids']?.['value']).toEqual(ids.map(([, d]) => `\${aws_sqs_queue.${d}.arn}`));
  });

  it('keeps the longest queue names within the SQS limit', () => {
    const longest = 'q'.repeat(31);
    const json = synthQueues([longest]);
    for (const q of Object.values(resources(json, 'aws_sqs_queue'))) {
      expect(String(q['name']).length).toBeLessThanOrEqual(NAME_RULES['aws.sqsQueue'].max);
      expect(String(q['name'])).toMatch(/^[a-z0-9_-]+$/);
    }
    expect(Object.values(resources(json, 'aws_sqs_queue')).map((q) => q['name'])).toEqual([
      name('aws.sqsQueue', longest, 'dlq'),
      name('aws.sqsQueue', longest),
    ]);
  });
});

describe('aws queue with a replay archive', () => {
  const topics = resources(archived, 'aws_sns_topic');
  const subscriptions = Object.values(resources(archived, 'aws_sns_topic_subscription'));
  const keyOf = (queue: Block) =>
    resources(archived, 'aws_kms_key')[/^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(String(queue['kms_master_key_id']))![1]!]!;

  it('publishes through an SNS topic per queue, delivering every message raw to the queue and to an archive queue in the DR region', () => {
    expect(
      Object.values(topics)
        .map((t) => t['name'])
        .sort(),
    ).toEqual(params.queues.map((q) => name('aws.snsTopic', q)).sort());
    for (const q of params.queues) {
      const [topicId, topic] = Object.entries(topics).find(([, t]) => t['name'] === name('aws.snsTopic', q))!;
      const [mainId] = queueNamed(archived, name('aws.sqsQueue', q));
      const [archiveId, archive] = queueNamed(archived, name('aws.sqsQueue', q, 'archive'));
      const mine = subscriptions.filter((x) => x['topic_arn'] === `\${aws_sns_topic.${topicId}.arn}`);
      expect(mine.map((x) => [x['protocol'], x['raw_message_delivery'], x['endpoint']]).sort()).toEqual([
        ['sqs', true, `\${aws_sqs_queue.${archiveId}.arn}`],
        ['sqs', true, `\${aws_sqs_queue.${mainId}.arn}`],
      ]);
      // the subscription is made in the topic's region (the default provider); the archive lives in the DR region
      expect(mine.every((x) => x['provider'] === undefined)).toBe(true);
      expect(archive).toMatchObject({ provider: 'aws.us_west_2', message_retention_seconds: 1_209_600 });
      expect(keyOf(archive)).toMatchObject({ provider: 'aws.us_west_2', enable_key_rotation: true });
      expect(String(topic['kms_master_key_id'])).toMatch(/^\$\{aws_kms_key\.queue_key_\w+\.arn\}$/);
    }
  });

  it('lets only its topic send to each queue, and SNS use the queue keys of this account', () => {
    const policies = Object.values(resources(archived, 'aws_sqs_queue_policy'));
    expect(policies).toHaveLength(2 * params.queues.length);
    for (const p of policies) {
      expect(String(p['policy'])).toMatch(/"Principal" = \{"Service" = "sns.amazonaws.com"\}/);
      expect(String(p['policy'])).toMatch(/"ArnEquals" = \{"aws:SourceArn" = aws_sns_topic\.queue_\w+-topic_\w+\.arn\}/);
    }
    const keys = Object.entries(resources(archived, 'aws_kms_key')).filter(([k]) => k.startsWith('queue_'));
    expect(keys).toHaveLength(2);
    for (const [, k] of keys) expect(String(k['policy'])).toMatch(/"Service" = "sns.amazonaws.com".*"aws:SourceAccount"/s);
  });

  it('exports the topics producers publish to, and the archives', () => {
    const topicIds = params.queues.map((q) => Object.entries(topics).find(([, t]) => t['name'] === name('aws.snsTopic', q))![0]);
    expect(archived.output?.['queue_topic_ids']?.['value']).toEqual(topicIds.map((t) => `\${aws_sns_topic.${t}.arn}`));
    expect(archived.output?.['queue_archive_ids']?.['value']).toEqual(
      params.queues.map((q) => `\${aws_sqs_queue.${queueNamed(archived, name('aws.sqsQueue', q, 'archive'))[0]}.url}`),
    );
  });

  it('keeps the Terraform addresses of the archives', () => {
    // Renaming these construct IDs replaces the archive queues and loses what they hold.
    expect(
      Object.keys(resources(archived, 'aws_sqs_queue'))
        .filter((k) => k.includes('archive'))
        .sort(),
    ).toEqual(ARCHIVE_ADDRESSES);
  });

  it('archives nowhere from a dr or staging environment: its topics deliver to its own queues only', async () => {
    for (const e of ['dr-usw2', 'staging']) {
      const json = await synthToJson(REPO_ROOT, envs.get(e)!);
      expect(Object.values(resources(json, 'aws_sqs_queue')).filter((q) => q['provider'])).toEqual([]);
      expect(Object.keys(resources(json, 'aws_sns_topic'))).toHaveLength(params.queues.length);
      expect(json.output?.['queue_archive_ids']?.['value']).toEqual([]);
    }
  });
});
