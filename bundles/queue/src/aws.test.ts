import { TerraformStack, Testing } from 'cdktn';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { NAME_RULES, namer } from '@parity/model';
import { AWS_PAIR, REPO_ROOT, resolveFixture, synthToJson, type TerraformJson, type Block, resources } from '@parity/synth';
import { deploy } from './aws.js';
import type { QueueParams } from './index.js';

const envs = await resolveFixture(AWS_PAIR);
const prodEnv = envs.get('prod-use1')!;
const prod = await synthToJson(REPO_ROOT, prodEnv);
const params = prodEnv.bundles.find((b) => b.name === 'queue')!.params as QueueParams;
const name = namer(prodEnv.platform, prodEnv.name);

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
