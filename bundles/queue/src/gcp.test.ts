import { describe, expect, it } from 'vitest';
import { regionCatalog } from '@parity/model';
import { GCP_PAIR, withParams, REPO_ROOT, synthToJson, type TerraformJson, type Block, ref, resources, synthFixtures } from '@parity/synth';
import type { QueueParams } from './index.js';

const { envs, json } = await synthFixtures(GCP_PAIR);

const env = (name: string) => envs.get(name)!;
/** The one resource of `type` whose Terraform address starts with `prefix`. */
const byPrefix = (j: TerraformJson, type: string, prefix: string): [string, Block] => {
  const hits = Object.entries(resources(j, type)).filter(([id]) => id.startsWith(prefix));
  expect(hits).toHaveLength(1);
  return hits[0]!;
};

describe('queue on GCP', () => {
  it('creates a topic, subscription, dead-letter topic and dead-letter subscription per queue', () => {
    const j = json.get('prod-gcp-euw1')!;
    expect(Object.keys(resources(j, 'google_pubsub_topic'))).toHaveLength(4);
    // and, with replay: archive (the example definition), one archive subscription per queue
    expect(Object.keys(resources(j, 'google_pubsub_subscription'))).toHaveLength(6);
    for (const q of ['orders', 'events']) {
      expect(byPrefix(j, 'google_pubsub_topic', `queue_${q}_topic_`)[1].name).toBe(`acme-prod-gcp-euw1-${q}`);
      expect(byPrefix(j, 'google_pubsub_topic', `queue_${q}_dlq-topic_`)[1].name).toBe(`acme-prod-gcp-euw1-${q}-dlq`);
    }
  });

  it('keeps every topic inside the jurisdiction, in storage and in transit', () => {
    const cat = regionCatalog();
    for (const e of envs.values()) {
      const topics = Object.values(resources(json.get(e.name)!, 'google_pubsub_topic'));
      expect(topics.length).toBeGreaterThan(0);
      for (const t of topics) {
        const policy = t.message_storage_policy as { allowed_persistence_regions: string[]; enforce_in_transit: boolean };
        expect(policy.enforce_in_transit).toBe(true);
        const regions = policy.allowed_persistence_regions;
        expect(regions.length).toBeGreaterThan(0);
        expect([...regions].sort()).toEqual([...e.dataRegions].sort());
        for (const r of regions) expect(cat.get('gcp', r)?.jurisdiction).toBe(e.jurisdiction);
      }
    }
    // The EU environment's topics may store messages only in EU regions.
    const eu = Object.values(resources(json.get('prod-gcp-euw1')!, 'google_pubsub_topic'));
    for (const t of eu) {
      const regions = (t.message_storage_policy as { allowed_persistence_regions: string[] }).allowed_persistence_regions;
      expect(regions).toContain('europe-west1');
      expect(regions.filter((r) => !r.startsWith('europe-'))).toEqual([]);
    }
    const us = Object.values(resources(json.get('staging-gcp')!, 'google_pubsub_topic'));
    for (const t of us) {
      const regions = (t.message_storage_policy as { allowed_persistence_regions: string[] }).allowed_persistence_regions;
      expect(regions.filter((r) => !r.startsWith('us-'))).toEqual([]);
    }
  });

  it('sends undeliverable messages of each subscription to its own dead-letter topic', () => {
    const j = json.get('prod-gcp-euw1')!;
    for (const q of ['orders', 'events']) {
      const [topicId] = byPrefix(j, 'google_pubsub_topic', `queue_${q}_topic_`);
      const [dlqId] = byPrefix(j, 'google_pubsub_topic', `queue_${q}_dlq-topic_`);
      const [, sub] = byPrefix(j, 'google_pubsub_subscription', `queue_${q}_subscription_`);
      expect(sub).toMatchObject({
        name: `acme-prod-gcp-euw1-${q}`,
        topic: ref('google_pubsub_topic', topicId, 'id'),
        ack_deadline_seconds: 30,
        message_retention_duration: '345600s',
        dead_letter_policy: { dead_letter_topic: ref('google_pubsub_topic', dlqId, 'id'), max_delivery_attempts: 5 },
        expiration_policy: { ttl: '' },
      });
      expect(sub.retry_policy).toBeDefined();
    }
  });

  it('keeps dead letters in a subscription on each dead-letter topic', () => {
    const j = json.get('prod-gcp-euw1')!;
    for (const q of ['orders', 'events']) {
      const [dlqId] = byPrefix(j, 'google_pubsub_topic', `queue_${q}_dlq-topic_`);
      const [, sub] = byPrefix(j, 'google_pubsub_subscription', `queue_${q}_dlq-subscription_`);
      expect(sub).toMatchObject({
        topic: ref('google_pubsub_topic', dlqId, 'id'),
        message_retention_duration: '604800s',
        expiration_policy: { ttl: '' },
      });
      expect(sub.dead_letter_policy).toBeUndefined();
    }
  });

  it('lets the Pub/Sub service agent publish dead letters and ack the originals', () => {
    const j = json.get('prod-gcp-euw1')!;
    const [projectId, project] = Object.entries((j.data?.google_project ?? {}) as Record<string, Block>).find(([k]) =>
      k.startsWith('queue_'),
    )!;
    expect(project.project_id).toBe('acme-prod-gcp-euw1');
    const agent = `serviceAccount:service-\${data.google_project.${projectId}.number}@gcp-sa-pubsub.iam.gserviceaccount.com`;
    for (const q of ['orders', 'events']) {
      const [dlqId] = byPrefix(j, 'google_pubsub_topic', `queue_${q}_dlq-topic_`);
      const [subId] = byPrefix(j, 'google_pubsub_subscription', `queue_${q}_subscription_`);
      expect(byPrefix(j, 'google_pubsub_topic_iam_member', `queue_${q}_`)[1]).toEqual({
        topic: ref('google_pubsub_topic', dlqId, 'id'),
        role: 'roles/pubsub.publisher',
        member: agent,
      });
      expect(byPrefix(j, 'google_pubsub_subscription_iam_member', `queue_${q}_`)[1]).toEqual({
        subscription: ref('google_pubsub_subscription', subId, 'name'),
        role: 'roles/pubsub.subscriber',
        member: agent,
      });
    }
  });

  it('exports subscription, topic and dead-letter IDs in the order of queues', () => {
    const out = json.get('prod-gcp-euw1')!.output!;
    expect(out.queue_queue_ids?.value).toEqual([
      '${google_pubsub_subscription.queue_orders_subscription_6E44070D.id}',
      '${google_pubsub_subscription.queue_events_subscription_12DCA3C8.id}',
    ]);
    expect(out.queue_topic_ids?.value).toEqual([
      '${google_pubsub_topic.queue_orders_topic_1761291A.id}',
      '${google_pubsub_topic.queue_events_topic_B8C438E7.id}',
    ]);
    expect(out.queue_dead_letter_ids?.value).toEqual([
      '${google_pubsub_topic.queue_orders_dlq-topic_33F8A0BD.id}',
      '${google_pubsub_topic.queue_events_dlq-topic_04A0247F.id}',
    ]);
  });

  it('derives Terraform addresses from queue names, not positions', async () => {
    const reordered = await synthToJson(
      REPO_ROOT,
      withParams<QueueParams>(env('prod-gcp-euw1'), 'queue', { queues: ['events', 'orders'] }),
    );
    const prod = json.get('prod-gcp-euw1')!;
    for (const type of [
      'google_pubsub_topic',
      'google_pubsub_subscription',
      'google_pubsub_topic_iam_member',
      'google_pubsub_subscription_iam_member',
    ]) {
      expect(Object.keys(resources(reordered, type)).sort()).toEqual(Object.keys(resources(prod, type)).sort());
    }
    const fewer = await synthToJson(REPO_ROOT, withParams<QueueParams>(env('prod-gcp-euw1'), 'queue', { queues: ['events'] }));
    expect(Object.keys(resources(fewer, 'google_pubsub_topic')).sort()).toEqual([
      'queue_events_dlq-topic_04A0247F',
      'queue_events_topic_B8C438E7',
    ]);
  });

  it('fails when a queue takes the dead-letter name of another', async () => {
    await expect(
      synthToJson(REPO_ROOT, withParams<QueueParams>(env('staging-gcp'), 'queue', { queues: ['orders', 'orders-dlq'] })),
    ).rejects.toThrow(/queues "orders" and "orders-dlq" both need the Pub\/Sub name acme-staging-gcp-orders-dlq/);
    await expect(
      synthToJson(REPO_ROOT, withParams<QueueParams>(env('staging-gcp'), 'queue', { queues: ['orders', 'orders-dlq'] })),
    ).rejects.toMatchObject({ issues: [{ kind: 'bundle-rule', path: 'queues', fix: 'rename one of them' }] });
  });

  it('fails when the jurisdiction has no regions to keep messages in', async () => {
    // Only the queue bundle, so the database's own residency check does not answer first.
    const e = env('staging-gcp');
    const queueOnly = { ...e, dataRegions: [], bundles: e.bundles.filter((b) => b.name === 'queue') };
    await expect(synthToJson(REPO_ROOT, queueOnly)).rejects.toThrow(/no GCP regions in jurisdiction US/);
    await expect(synthToJson(REPO_ROOT, queueOnly)).rejects.toMatchObject({ issues: [{ kind: 'bundle-rule', path: 'jurisdiction' }] });
  });
});

describe('queue on GCP with a replay archive', () => {
  const j = json.get('prod-gcp-euw1')!;
  const dr = env('dr-gcp-euw4').region;

  it('writes every message, as Avro with its publish time and attributes, into a bucket in the DR region at least every minute', () => {
    const [bucketId, bucket] = byPrefix(j, 'google_storage_bucket', `queue_archive-${dr}_`);
    expect(bucket).toMatchObject({
      name: `acme-prod-gcp-euw1-queue-archive-${dr}`,
      location: dr.toUpperCase(),
      public_access_prevention: 'enforced',
      uniform_bucket_level_access: true,
      versioning: { enabled: true },
    });
    for (const q of ['orders', 'events']) {
      const [topicId] = byPrefix(j, 'google_pubsub_topic', `queue_${q}_topic_`);
      const [, sub] = byPrefix(j, 'google_pubsub_subscription', `queue_${q}_archive-${dr}_`);
      expect(sub.topic).toBe(ref('google_pubsub_topic', topicId, 'id'));
      expect(sub.cloud_storage_config).toEqual({
        bucket: ref('google_storage_bucket', bucketId, 'name'),
        filename_prefix: `${q}/`,
        max_duration: '60s',
        avro_config: { write_metadata: true },
      });
      expect(sub.expiration_policy).toEqual({ ttl: '' });
    }
  });

  it("encrypts the archive with a key in the DR region, and lets Pub/Sub's agent write to it", () => {
    const [, bucket] = byPrefix(j, 'google_storage_bucket', `queue_archive-${dr}_`);
    // the shared key construct (@parity/constructs gcpKey) with the suffix -archive-<region>
    const [ringId, ring] = byPrefix(j, 'google_kms_key_ring', `queue_key-ring-archive-${dr}_`);
    expect(ring.location).toBe(dr);
    const [keyId, key] = byPrefix(j, 'google_kms_crypto_key', `queue_key-archive-${dr}_`);
    expect(key.key_ring).toBe(ref('google_kms_key_ring', ringId, 'id'));
    // usable by Cloud Storage's agent, which encrypts the bucket's objects with it
    const [, grant] = byPrefix(j, 'google_kms_crypto_key_iam_member', `queue_key-user-storage-archive-${dr}_`);
    expect(grant).toMatchObject({
      crypto_key_id: ref('google_kms_crypto_key', keyId, 'id'),
      role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
    });
    expect(String(grant.member)).toMatch(/^\$\{data\.google_storage_project_service_account\.queue_storage-agent_\w+\.member\}$/);
    expect((bucket.encryption as Block).default_kms_key_name).toBe(ref('google_kms_crypto_key', keyId, 'id'));
    const writers = Object.values(resources(j, 'google_storage_bucket_iam_member')).filter((m) =>
      String(m.role).startsWith('roles/storage.'),
    );
    expect(writers.map((m) => m.role).sort()).toEqual(['roles/storage.legacyBucketReader', 'roles/storage.objectCreator']);
    for (const w of writers) expect(String(w.member)).toMatch(/gcp-sa-pubsub\.iam\.gserviceaccount\.com$/);
  });

  it('archives nothing without replay: archive, nor from an environment without a DR target', async () => {
    const plain = await synthToJson(REPO_ROOT, withParams<QueueParams>(env('prod-gcp-euw1'), 'queue', { replay: 'none' }));
    expect(Object.keys(resources(plain, 'google_storage_bucket')).filter((k) => k.startsWith('queue_'))).toEqual([]);
    expect(Object.keys(resources(plain, 'google_pubsub_subscription'))).toHaveLength(4);
    expect(Object.keys(resources(json.get('dr-gcp-euw4')!, 'google_pubsub_subscription'))).toHaveLength(4);
  });
});
