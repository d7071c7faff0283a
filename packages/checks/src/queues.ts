/**
 * Queues and their replay archives, read from the primary's Terraform. Neither SQS nor Pub/Sub
 * carries a message to another region: SQS has no cross-Region replication, and Pub/Sub "stores
 * the message in an allowed region closest to where the published message enters the Google Cloud
 * network" (https://cloud.google.com/pubsub/docs/resource-location-restriction): one region, the
 * message storage policy restricts which, and nothing copies it. So what is in flight when that
 * region is lost is lost, unless every message is also archived where the DR region can read it:
 *
 * - AWS: the queue bundle's SNS topic fans each message out to the queue and, by a cross-Region
 *   subscription ("Amazon SNS supports the cross-region delivery of notifications to Amazon SQS
 *   queues", https://docs.aws.amazon.com/sns/latest/dg/sns-cross-region-delivery.html), to an
 *   archive queue in the DR region. AWS documents no delivery latency: Parity budgets a minute.
 * - GCP: a Cloud Storage subscription writes every message (Avro, with its publish time and
 *   attributes) into a bucket in the DR region; a new file at least every `max_duration` ("Min 1
 *   minute, max 10 minutes, default 5 minutes", Pub/Sub CloudStorageConfig reference), plus a
 *   minute for the write.
 *
 * With an archive the queue is a data store like the others: its RPO is the archive's delivery
 * delay, and `pnpm failover` replays what the consumers had not checkpointed.
 */
import { namesStore, type ResolvedEnvironment } from '@parity/model';
import type { BucketSink } from './buckets.js';
import type { Finding } from './findings.js';
import type { Mechanism } from './standby.js';
import { blocks, type TfResource } from './tf.js';

/** SNS → SQS across Regions: no documented bound on delivery; a minute is budgeted. */
export const SNS_ARCHIVE_RPO_MINUTES = 1;
/** A Cloud Storage subscription's file is written at most this long after its first message (plus the write). */
export const GCS_ARCHIVE_WRITE_MINUTES = 1;

/** The bundle a resource belongs to: construct paths make every Terraform name start with `<bundle>_`. */
function bundleOf(r: TfResource): string {
  return r.name.slice(0, Math.max(0, r.name.indexOf('_')));
}

/** Seconds of a duration written as `60s`. */
function seconds(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(v) : null;
  return m ? Number(m[1]) : undefined;
}

/** Add each queue's replay archive in `drRegion` (and the key it is encrypted with) to the sink. */
export function addQueueArchives(s: BucketSink & { checkKey(address: string, region: string, keyRef: unknown): void }): void {
  const { doc, drRegion } = s;
  if (s.primary.cloud === 'aws') {
    for (const sub of doc.resources('aws_sns_topic_subscription')) {
      if (sub.body.protocol !== 'sqs' || doc.regionOf(sub.body.endpoint) !== drRegion) continue;
      const archive = doc.deref(sub.body.endpoint);
      if (archive) s.checkKey(archive.address, drRegion, archive.body.kms_master_key_id);
      s.out.push({
        bundle: bundleOf(sub),
        kind: 'archive',
        mechanism: `SNS delivers every message to an archive queue in ${drRegion} too (cross-Region subscription, ≤ ${SNS_ARCHIVE_RPO_MINUTES} min budgeted)`,
        rpoMinutes: SNS_ARCHIVE_RPO_MINUTES,
        recovery: 'replay',
        resource: archive?.address ?? sub.address,
      });
    }
    return;
  }
  for (const sub of doc.resources('google_pubsub_subscription')) {
    const cs = blocks(sub.body.cloud_storage_config)[0];
    const bucket = cs ? doc.deref(cs.bucket) : undefined;
    if (!cs || !bucket || String(bucket.body.location ?? '').toLowerCase() !== drRegion) continue;
    const every = (seconds(cs.max_duration) ?? 300) / 60;
    s.out.push({
      bundle: bundleOf(sub),
      kind: 'archive',
      mechanism: `a Cloud Storage subscription writes every message to a bucket in ${drRegion} (a file at least every ${every} min)`,
      rpoMinutes: every + GCS_ARCHIVE_WRITE_MINUTES,
      recovery: 'replay',
      resource: bucket.address,
    });
  }
}

/** What `check` says of a pair's queues: lost in flight, or archived and replayed at failover. */
export function queueSummary(
  p: ResolvedEnvironment,
  d: ResolvedEnvironment,
  archives: readonly Mechanism[],
  replicaStrategy: boolean,
): string | undefined {
  const queue = p.bundles.find((b) => b.name === 'queue');
  if (!queue) return undefined;
  const names = Array.isArray(queue.params.queues) ? (queue.params.queues as string[]).join(', ') : '';
  const held = replicaStrategy ? 'holds them empty already' : 'recreates them empty from IaC';
  const where =
    p.cloud === 'aws'
      ? `SQS has no cross-Region replication`
      : `Pub/Sub stores each message in one allowed region, the one nearest where it is published, and copies it nowhere else`;
  if (archives.length === 0)
    return `${names}: not replicated (${where}). ${d.name} ${held}; messages in flight in ${p.region} are lost unless producers replay them, so consumers must be idempotent.`;
  return `${names}: not replicated (${where}), but every message is archived in ${d.region} (${archives[0]!.mechanism}). ${d.name} ${held}; after the failover's apply, pnpm failover ${d.name} --replay sends them the archived messages newer than the consumers' checkpoint (its plan counts them; consumers keep the idempotency key and publish their checkpoint: docs/failover-failback.md).`;
}

/** A policy that names the queue store needs every queue archived. */
export function queueArchiveFindings(
  p: ResolvedEnvironment,
  d: ResolvedEnvironment,
  archives: readonly Mechanism[],
  definitionFile: string,
): Finding[] {
  const queue = p.bundles.find((b) => b.name === 'queue');
  if (!queue || !namesStore(p.dr, 'queue') || archives.length > 0) return [];
  const names = Array.isArray(queue.params.queues) ? (queue.params.queues as string[]).join(', ') : 'the queues';
  return [
    {
      check: 'dr',
      kind: 'dr-not-covered',
      severity: 'error',
      env: p.name,
      file: definitionFile,
      path: `dr.policies.${p.dr.policy}.storeRpoMinutes.queue`,
      value: p.dr.storeRpoMinutes['queue'],
      message: `policy ${p.dr.policy} gives the queues an RPO of ${p.dr.storeRpoMinutes['queue']} min, but ${names} in ${p.name} have no replay archive: messages in flight in ${p.region} are lost with it, and nothing reaches ${d.region}`,
      fix: `set queue.replay: archive in ${definitionFile} (every message also archived in ${d.region}, replayed at failover)`,
    },
  ];
}
