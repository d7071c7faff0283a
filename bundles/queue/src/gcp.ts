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
 * Replay archive (`replay: archive`): Pub/Sub keeps a message in one region ("Pub/Sub stores the
 * message in an allowed region closest to where the published message enters the Google Cloud
 * network", https://cloud.google.com/pubsub/docs/resource-location-restriction) and copies it
 * nowhere: a message in flight when that region is lost is lost with it. With an archive, each topic
 * has a Cloud Storage subscription that writes every message, as Avro with its publish time, message
 * ID and attributes, into a bucket in each DR region (inside the jurisdiction, encrypted with a key
 * of that region), a new file at least every minute (`max_duration`, "Min 1 minute, max 10 minutes,
 * default 5 minutes"). At failover the files newer than the consumers' checkpoint are replayed into
 * the DR environment's topics (docs/failover-failback.md).
 *
 * Construct IDs are derived from the queue name (a sub-construct per queue), never from its position
 * in `queues`, so adding or removing a queue leaves the others untouched.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member/index.js';
import { KmsCryptoKey } from '@cdktf/provider-google/lib/kms-crypto-key/index.js';
import { KmsKeyRing } from '@cdktf/provider-google/lib/kms-key-ring/index.js';
import { DataGoogleStorageProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-project-service-account/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { KEY_ROTATION_PERIOD, KEY_USER_ROLE, keyNames, serviceAgentMember, type DeployContext, type Exports } from '@parity/model';
import type { QueueParams } from './index.js';

/** Pub/Sub's longest subscription retention: dead letters are kept this long. */
const DEAD_LETTER_RETENTION = '604800s';
/** A new archive file at least every minute, the shortest Pub/Sub allows: the archive's delivery delay. */
const ARCHIVE_MAX_DURATION = '60s';
/** Archived messages are kept two weeks, as long as the AWS archive queues keep theirs. */
const ARCHIVE_RETENTION_DAYS = 14;
/** What the Pub/Sub service agent needs to write a Cloud Storage subscription's files. */
const ARCHIVE_WRITER_ROLES = ['roles/storage.objectCreator', 'roles/storage.legacyBucketReader'] as const;

/** A key ring and key in `location`, with the service agents that encrypt with it allowed to use it. */
function customerKey(
  scope: Construct,
  ctx: DeployContext<QueueParams, TerraformProvider>,
  location: string,
  members: readonly string[],
  id = 'key',
): { key: KmsCryptoKey; grants: KmsCryptoKeyIamMember[] } {
  const names = keyNames(ctx, location);
  const ring = new KmsKeyRing(scope, `${id}-ring`, { project: ctx.env.gcpProject!, name: names.ring, location: names.location });
  const key = new KmsCryptoKey(scope, id, {
    name: names.key,
    keyRing: ring.id,
    rotationPeriod: KEY_ROTATION_PERIOD,
    labels: { ...ctx.tags },
  });
  const grants = members.map(
    (member, i) =>
      new KmsCryptoKeyIamMember(scope, id === 'key' ? 'key-user-pubsub' : `${id}-user-${i}`, {
        cryptoKeyId: key.id,
        role: KEY_USER_ROLE,
        member,
      }),
  );
  return { key, grants };
}

/**
 * A bucket in `region` for the archive: versioned, uniform access, public access prevented,
 * encrypted with a key of its region, objects deleted after the archive's retention; the Pub/Sub
 * service agent may write to it.
 */
function archiveBucket(
  scope: Construct,
  ctx: DeployContext<QueueParams, TerraformProvider>,
  region: string,
  pubsubAgent: string,
  storageAgent: string,
): { region: string; bucket: StorageBucket; writers: StorageBucketIamMember[] } {
  const cmek = customerKey(scope, ctx, region, [storageAgent], `archive-key-${region}`);
  const bucket = new StorageBucket(scope, `archive-${region}`, {
    name: ctx.name('gcp.storageBucket', 'queue-archive', region),
    project: ctx.env.gcpProject!,
    location: region.toUpperCase(),
    encryption: { defaultKmsKeyName: cmek.key.id },
    // Cloud Storage refuses a default key its agent cannot use.
    dependsOn: cmek.grants,
    storageClass: 'STANDARD',
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
    versioning: { enabled: true },
    lifecycleRule: [
      { condition: { age: ARCHIVE_RETENTION_DAYS }, action: { type: 'Delete' } },
      { condition: { daysSinceNoncurrentTime: 1 }, action: { type: 'Delete' } },
    ],
    labels: { ...ctx.tags },
  });
  const writers = ARCHIVE_WRITER_ROLES.map(
    (role) =>
      new StorageBucketIamMember(scope, `archive-${region}-${role.split('.')[1]}`, { bucket: bucket.name, role, member: pubsubAgent }),
  );
  return { region, bucket, writers };
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
  const cmek = customerKey(scope, ctx, env.region, [pubsubAgent]);
  // Pub/Sub refuses a topic whose key its agent cannot use yet.
  const encrypted = { kmsKeyName: cmek.key.id, dependsOn: cmek.grants };
  const neverExpire = { ttl: '' };

  const queueIds: string[] = [];
  const topicIds: string[] = [];
  const deadLetterIds: string[] = [];
  const archiveIds: string[] = [];
  const storageAgent =
    p.replay === 'archive' && env.backup.copyRegions.length > 0
      ? new DataGoogleStorageProjectServiceAccount(scope, 'storage-agent', { project: env.gcpProject }).member
      : undefined;
  const archives = storageAgent ? env.backup.copyRegions.map((region) => archiveBucket(scope, ctx, region, pubsubAgent, storageAgent)) : [];
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

    for (const a of archives) {
      new PubsubSubscription(q, `archive-${a.region}`, {
        name: ctx.name('gcp.pubsubSubscription', n.queue, 'archive', a.region),
        topic: topic.id,
        cloudStorageConfig: {
          bucket: a.bucket.name,
          filenamePrefix: `${n.queue}/`,
          maxDuration: ARCHIVE_MAX_DURATION,
          // publish time, message ID and attributes: what a replay needs to pick messages after a checkpoint
          avroConfig: { writeMetadata: true },
        },
        expirationPolicy: neverExpire,
        dependsOn: a.writers,
      });
      archiveIds.push(`${a.bucket.name}/${n.queue}/`);
    }
    queueIds.push(subscription.id);
    topicIds.push(topic.id);
    deadLetterIds.push(dlqTopic.id);
  }

  return { queueIds, topicIds, deadLetterIds, archiveIds };
}
