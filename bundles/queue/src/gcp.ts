/**
 * GCP queues: per queue, a Pub/Sub topic and pull subscription with a dead-letter topic (and a
 * subscription on it, so dead letters are kept rather than dropped).
 *
 * Residency: every topic's message storage policy allows only the regions of the environment's
 * jurisdiction (`ctx.env.dataRegions`) and enforces it in transit, so messages are never stored or
 * routed outside it.
 *
 * Encryption: every topic with a customer-managed key (`kms_key_name`) in the environment's region,
 * which the project's Pub/Sub service agent may use; the topics wait for that grant.
 *
 * Construct IDs are derived from the queue name (a sub-construct per queue), never from its position
 * in `queues`, so adding or removing a queue leaves the others untouched.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktn';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member/index.js';
import { KmsCryptoKey } from '@cdktf/provider-google/lib/kms-crypto-key/index.js';
import { KmsKeyRing } from '@cdktf/provider-google/lib/kms-key-ring/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import {
  KEY_ROTATION_PERIOD,
  KEY_USER_ROLE,
  keyNames,
  serviceAgentMember,
  type DeployContext,
  type Exports,
  type GcpKeyUser,
} from '@parity/model';
import type { QueueParams } from './index.js';

/** Pub/Sub's longest subscription retention: dead letters are kept this long. */
const DEAD_LETTER_RETENTION = '604800s';

/** A key ring and key in `location`, with the service agents that encrypt with it allowed to use it. */
function customerKey(
  scope: Construct,
  ctx: DeployContext<QueueParams, TerraformProvider>,
  location: string,
  projectNumber: string,
  users: readonly GcpKeyUser[],
): { key: KmsCryptoKey; grants: KmsCryptoKeyIamMember[] } {
  const names = keyNames(ctx, location);
  const ring = new KmsKeyRing(scope, 'key-ring', { project: ctx.env.gcpProject!, name: names.ring, location: names.location });
  const key = new KmsCryptoKey(scope, 'key', {
    name: names.key,
    keyRing: ring.id,
    rotationPeriod: KEY_ROTATION_PERIOD,
    labels: { ...ctx.tags },
  });
  const grants = users.map(
    (u) =>
      new KmsCryptoKeyIamMember(scope, `key-user-${u}`, {
        cryptoKeyId: key.id,
        role: KEY_USER_ROLE,
        member: serviceAgentMember(u, projectNumber),
      }),
  );
  return { key, grants };
}

export function deploy(scope: Construct, ctx: DeployContext<QueueParams, TerraformProvider>): Exports {
  const p = ctx.params;
  const env = ctx.env;
  if (!env.gcpProject) throw new Error(`queue: environment ${env.name} has no GCP project`);
  const regions = [...env.dataRegions];
  if (regions.length === 0) {
    throw new Error(
      `queue: ${env.name} has no GCP regions in jurisdiction ${env.jurisdiction}; Pub/Sub topics could not be confined to it`,
    );
  }

  // Physical names must be unique: a queue called "orders-dlq" would take the name of the
  // dead-letter topic of "orders".
  const names = p.queues.map((q) => ({
    queue: q,
    topic: ctx.name('gcp.pubsubTopic', q),
    subscription: ctx.name('gcp.pubsubSubscription', q),
    dlqTopic: ctx.name('gcp.pubsubTopic', q, 'dlq'),
    dlqSubscription: ctx.name('gcp.pubsubSubscription', q, 'dlq'),
  }));
  const seen = new Map<string, string>();
  for (const n of names) {
    for (const name of [n.topic, n.subscription, n.dlqTopic, n.dlqSubscription]) {
      const other = seen.get(name);
      if (other !== undefined && other !== n.queue) {
        throw new Error(
          `queue: queues "${other}" and "${n.queue}" both need the Pub/Sub name ${name}; rename one (names ending in -dlq are taken by dead-letter topics)`,
        );
      }
      seen.set(name, n.queue);
    }
  }

  // Pub/Sub forwards dead letters as its service agent, which needs publish on the dead-letter topic
  // and subscribe (to ack the forwarded message) on the source subscription.
  const project = new DataGoogleProject(scope, 'project', { projectId: env.gcpProject });
  const pubsubAgent = serviceAgentMember('pubsub', project.number);
  const messageStoragePolicy = { allowedPersistenceRegions: regions, enforceInTransit: true };
  const cmek = customerKey(scope, ctx, env.region, project.number, ['pubsub']);
  // Pub/Sub refuses a topic whose key its agent cannot use yet.
  const encrypted = { kmsKeyName: cmek.key.id, dependsOn: cmek.grants };
  const neverExpire = { ttl: '' };

  const queueIds: string[] = [];
  const topicIds: string[] = [];
  const deadLetterIds: string[] = [];
  for (const n of names) {
    const q = new Construct(scope, n.queue);

    const dlqTopic = new PubsubTopic(q, 'dlq-topic', { name: n.dlqTopic, messageStoragePolicy, ...encrypted });
    new PubsubSubscription(q, 'dlq-subscription', {
      name: n.dlqSubscription,
      topic: dlqTopic.id,
      messageRetentionDuration: DEAD_LETTER_RETENTION,
      ackDeadlineSeconds: p.visibilityTimeoutSeconds,
      expirationPolicy: neverExpire,
    });
    new PubsubTopicIamMember(q, 'dlq-publisher', { topic: dlqTopic.id, role: 'roles/pubsub.publisher', member: pubsubAgent });

    const topic = new PubsubTopic(q, 'topic', { name: n.topic, messageStoragePolicy, ...encrypted });
    const subscription = new PubsubSubscription(q, 'subscription', {
      name: n.subscription,
      topic: topic.id,
      ackDeadlineSeconds: p.visibilityTimeoutSeconds,
      messageRetentionDuration: `${p.retentionSeconds}s`,
      deadLetterPolicy: { deadLetterTopic: dlqTopic.id, maxDeliveryAttempts: p.maxReceiveCount },
      retryPolicy: { minimumBackoff: '10s', maximumBackoff: '600s' },
      // Subscriptions otherwise expire after 31 days without subscribers.
      expirationPolicy: neverExpire,
    });
    new PubsubSubscriptionIamMember(q, 'subscriber', {
      subscription: subscription.name,
      role: 'roles/pubsub.subscriber',
      member: pubsubAgent,
    });

    queueIds.push(subscription.id);
    topicIds.push(topic.id);
    deadLetterIds.push(dlqTopic.id);
  }

  return { queueIds, topicIds, deadLetterIds };
}
