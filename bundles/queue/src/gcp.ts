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
import type { TerraformProvider } from 'cdktn';
import { DataGoogleStorageProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-project-service-account/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { environmentProject, gcpKey, projectNumber, serviceAgents } from '@parity/constructs/gcp';
import { bundleRuleBroken, refuseOne, serviceAgentMember, type DeployContext, type Exports } from '@parity/model';
import type { QueueParams } from './index.js';

/** Pub/Sub's longest subscription retention: dead letters are kept this long. */
const DEAD_LETTER_RETENTION = '604800s';
/** A new archive file at least every minute, the shortest Pub/Sub allows: the archive's delivery delay. */
const ARCHIVE_MAX_DURATION = '60s';
/** Archived messages are kept two weeks, as long as the AWS archive queues keep theirs. */
const ARCHIVE_RETENTION_DAYS = 14;
/** What the Pub/Sub service agent needs to write a Cloud Storage subscription's files. */
const ARCHIVE_WRITER_ROLES = ['roles/storage.objectCreator', 'roles/storage.legacyBucketReader'] as const;
/** Subscriptions otherwise expire after 31 days without subscribers. */
const NEVER_EXPIRE = { ttl: '' };

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
  /** replay archive: the bucket in each DR region every topic also writes to. */
  readonly archives: readonly Archive[];
}

/** A DR region's archive bucket, and the grants the subscriptions writing to it wait for. */
interface Archive {
  readonly region: string;
  readonly bucket: StorageBucket;
  readonly writers: readonly StorageBucketIamMember[];
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
    archives: archiveBuckets(scope, ctx, project, serviceAgentMember('pubsub', number)),
  };
  const queues = names.map((n) => createQueue(new Construct(scope, n.queue), ctx, n, shared));
  return {
    queueIds: queues.map((q) => q.subscription.id),
    topicIds: queues.map((q) => q.topic.id),
    deadLetterIds: queues.map((q) => q.dlqTopic.id),
    archiveIds: queues.flatMap((q) => q.archiveIds),
  };
}

/** replay archive: a bucket in each DR region (none without one, or with replay none). */
function archiveBuckets(scope: Construct, ctx: Ctx, project: string, pubsubAgent: string): Archive[] {
  const regions = ctx.params.replay === 'archive' ? ctx.env.backup.copyRegions : [];
  if (regions.length === 0) return [];
  const storageAgent = new DataGoogleStorageProjectServiceAccount(scope, 'storage-agent', { project }).member;
  return regions.map((region) => archiveBucket(scope, ctx, { project, region, pubsubAgent, storageAgent }));
}

/**
 * A bucket in `region` for the archive: versioned, uniform access, public access prevented,
 * encrypted with a key of its region (usable by Cloud Storage's agent), objects deleted after the
 * archive's retention; the Pub/Sub service agent may write to it.
 */
function archiveBucket(
  scope: Construct,
  ctx: Ctx,
  o: { project: string; region: string; pubsubAgent: string; storageAgent: string },
): Archive {
  const { project, region } = o;
  const cmek = gcpKey(scope, ctx, {
    project,
    location: region,
    users: [{ id: `key-user-storage-archive-${region}`, member: o.storageAgent }],
    idSuffix: `-archive-${region}`,
  });
  const bucket = new StorageBucket(scope, `archive-${region}`, {
    name: ctx.name('gcp.storageBucket', 'queue-archive', region),
    project,
    location: region.toUpperCase(),
    encryption: { defaultKmsKeyName: cmek.key.id },
    // Cloud Storage refuses a default key its agent cannot use.
    dependsOn: [...cmek.grants],
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
      new StorageBucketIamMember(scope, `archive-${region}-${role.split('.')[1]}`, { bucket: bucket.name, role, member: o.pubsubAgent }),
  );
  return { region, bucket, writers };
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
  const dlqTopic = new PubsubTopic(q, 'dlq-topic', { name: n.dlqTopic, ...shared.topic });
  new PubsubSubscription(q, 'dlq-subscription', {
    name: n.dlqSubscription,
    topic: dlqTopic.id,
    messageRetentionDuration: DEAD_LETTER_RETENTION,
    ackDeadlineSeconds: p.visibilityTimeoutSeconds,
    expirationPolicy: NEVER_EXPIRE,
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
    expirationPolicy: NEVER_EXPIRE,
  });
  new PubsubSubscriptionIamMember(q, 'subscriber', {
    subscription: subscription.name,
    role: 'roles/pubsub.subscriber',
    member: shared.pubsubAgent,
  });
  const archiveIds = shared.archives.map((a) => archiveSubscription(q, ctx, n.queue, topic, a));
  return { topic, subscription, dlqTopic, archiveIds };
}

/** A Cloud Storage subscription writing every message of `topic` into the archive bucket; returns the archive's ID (bucket/prefix). */
function archiveSubscription(q: Construct, ctx: Ctx, queue: string, topic: PubsubTopic, a: Archive): string {
  new PubsubSubscription(q, `archive-${a.region}`, {
    name: ctx.name('gcp.pubsubSubscription', queue, 'archive', a.region),
    topic: topic.id,
    cloudStorageConfig: {
      bucket: a.bucket.name,
      filenamePrefix: `${queue}/`,
      maxDuration: ARCHIVE_MAX_DURATION,
      // publish time, message ID and attributes: what a replay needs to pick messages after a checkpoint
      avroConfig: { writeMetadata: true },
    },
    expirationPolicy: NEVER_EXPIRE,
    dependsOn: [...a.writers],
  });
  return `${a.bucket.name}/${queue}/`;
}
