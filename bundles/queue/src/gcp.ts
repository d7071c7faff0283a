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
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { environmentProject, gcpKey, projectNumber, serviceAgents } from '@parity/constructs/gcp';
import { bundleRuleBroken, refuseOne, serviceAgentMember, type DeployContext, type Exports } from '@parity/model';
import type { QueueParams } from './index.js';

/** Pub/Sub's longest subscription retention: dead letters are kept this long. */
const DEAD_LETTER_RETENTION = '604800s';

type Ctx = DeployContext<QueueParams, TerraformProvider>;

/** The physical names of one queue's topics and subscriptions. */
interface QueueNames {
  readonly queue: string;
  readonly topic: string;
  readonly subscription: string;
  readonly dlqTopic: string;
  readonly dlqSubscription: string;
}

/** What every topic and subscription of the environment shares. */
interface Shared {
  /** The Pub/Sub service agent, which forwards dead letters. */
  readonly pubsubAgent: string;
  /** Residency, the customer-managed key, and the grant the topics wait for. */
  readonly topic: Pick<ConstructorParameters<typeof PubsubTopic>[2], 'messageStoragePolicy' | 'kmsKeyName' | 'dependsOn'>;
}

export function deploy(scope: Construct, ctx: Ctx): Exports {
  const project = environmentProject(ctx, "the topics' key needs one");
  const regions = residencyRegions(ctx);
  const names = queueNames(ctx);
  const number = projectNumber(scope, project);
  const cmek = gcpKey(scope, ctx, { project, location: ctx.env.region, users: serviceAgents(['pubsub'], number) });
  const shared: Shared = {
    pubsubAgent: serviceAgentMember('pubsub', number),
    // Pub/Sub refuses a topic whose key its agent cannot use yet.
    topic: {
      messageStoragePolicy: { allowedPersistenceRegions: regions, enforceInTransit: true },
      kmsKeyName: cmek.key.id,
      dependsOn: [...cmek.grants],
    },
  };
  const queues = names.map((n) => createQueue(new Construct(scope, n.queue), ctx, n, shared));
  return {
    queueIds: queues.map((q) => q.subscription.id),
    topicIds: queues.map((q) => q.topic.id),
    deadLetterIds: queues.map((q) => q.dlqTopic.id),
  };
}

/** The regions of the environment's jurisdiction: the only ones the topics may store messages in. */
function residencyRegions(ctx: Ctx): string[] {
  const { env } = ctx;
  if (env.dataRegions.length === 0) {
    refuseOne(
      bundleRuleBroken('queue', {
        param: 'jurisdiction',
        message: `queue: ${env.name} has no GCP regions in jurisdiction ${env.jurisdiction}; Pub/Sub topics could not be confined to it`,
        allowed: "a jurisdiction holding the environment's region (resolution refuses any other first)",
        fix: 'deploy a resolved environment, as pnpm synth does',
      }),
    );
  }
  return [...env.dataRegions];
}

/**
 * Each queue's physical names, refused when two queues would share one: a queue called
 * "orders-dlq" would take the name of the dead-letter topic of "orders".
 */
function queueNames(ctx: Ctx): QueueNames[] {
  const names = ctx.params.queues.map((q) => ({
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
        refuseOne(
          bundleRuleBroken('queue', {
            param: 'queues',
            message: `queue: queues "${other}" and "${n.queue}" both need the Pub/Sub name ${name}`,
            allowed: 'distinct queue names, none ending in -dlq (taken by dead-letter topics)',
            fix: 'rename one of them',
          }),
        );
      }
      seen.set(name, n.queue);
    }
  }
  return names;
}

/**
 * One queue, in a scope of its own (`q`, named after the queue): a topic and pull subscription,
 * a dead-letter topic and a subscription on it, so dead letters are kept rather than dropped.
 * Pub/Sub forwards dead letters as its service agent, which needs publish on the dead-letter
 * topic and subscribe (to ack the forwarded message) on the source subscription.
 */
function createQueue(q: Construct, ctx: Ctx, n: QueueNames, shared: Shared) {
  const p = ctx.params;
  const neverExpire = { ttl: '' };
  const dlqTopic = new PubsubTopic(q, 'dlq-topic', { name: n.dlqTopic, ...shared.topic });
  new PubsubSubscription(q, 'dlq-subscription', {
    name: n.dlqSubscription,
    topic: dlqTopic.id,
    messageRetentionDuration: DEAD_LETTER_RETENTION,
    ackDeadlineSeconds: p.visibilityTimeoutSeconds,
    expirationPolicy: neverExpire,
  });
  new PubsubTopicIamMember(q, 'dlq-publisher', { topic: dlqTopic.id, role: 'roles/pubsub.publisher', member: shared.pubsubAgent });

  const topic = new PubsubTopic(q, 'topic', { name: n.topic, ...shared.topic });
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
    member: shared.pubsubAgent,
  });
  return { topic, subscription, dlqTopic };
}
