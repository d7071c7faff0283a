import { describe, expect, it } from 'vitest';
import { regionCatalog } from '@parity/model';
import { GCP_PAIR, REPO_ROOT, type TerraformJson, only, ref, resources, synthFixtures, synthToJson } from '@parity/synth';

const { envs, json } = await synthFixtures(GCP_PAIR);
/** A pair no Cloud Storage dual-region holds: Belgium and Stockholm (both EU). */
const NO_DUAL = await synthFixtures([
  { name: 'prod-gcp-euw1', cloud: 'gcp', region: 'europe-west1', role: 'production', tier: 'production' },
  { name: 'dr-gcp-eun2', cloud: 'gcp', region: 'europe-north2', role: 'dr', tier: 'production', recovers: 'prod-gcp-euw1' },
]);

const buckets = (j: TerraformJson) => Object.entries(resources(j, 'google_storage_bucket')).filter(([id]) => id.startsWith('bucket_'));

describe('gcp bucket', () => {
  it('places the data in a dual-region of exactly the region and the DR region, with turbo replication', () => {
    const [, b] = only(json.get('prod-gcp-euw1')!, 'google_storage_bucket', 'bucket');
    expect(b).toMatchObject({
      name: 'acme-prod-gcp-euw1-data',
      location: 'EU',
      custom_placement_config: { data_locations: ['EUROPE-WEST1', 'EUROPE-WEST4'] },
      rpo: 'ASYNC_TURBO',
    });
    expect(resources(json.get('prod-gcp-euw1')!, 'google_storage_transfer_job')).toEqual({});
  });

  it('keeps the bucket private, versioned and inside the jurisdiction', () => {
    const cat = regionCatalog();
    for (const e of ['prod-gcp-euw1', 'staging-gcp']) {
      for (const [, b] of buckets(json.get(e)!)) {
        expect(b).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced', versioning: { enabled: true } });
        const places = [
          String(b['location']),
          ...((b['custom_placement_config'] as { data_locations?: string[] } | undefined)?.data_locations ?? []),
        ];
        for (const p of places) expect(cat.locationJurisdictions('gcp', p), `${e} ${p}`).toEqual([envs.get(e)!.jurisdiction]);
      }
    }
  });

  it('keeps a bucket with no DR region in its own region', () => {
    const [, b] = only(json.get('staging-gcp')!, 'google_storage_bucket', 'bucket');
    expect(b['location']).toBe('US-CENTRAL1');
    expect(b).not.toHaveProperty('custom_placement_config');
    expect(b).not.toHaveProperty('rpo');
  });

  it('without a dual-region, copies into a bucket in the DR region on the backup schedule', () => {
    const j = NO_DUAL.json.get('prod-gcp-euw1')!;
    const [copyId, copy] = only(j, 'google_storage_bucket', 'bucket_copy-europe-north2');
    expect(copy).toMatchObject({ location: 'EUROPE-NORTH2', public_access_prevention: 'enforced', versioning: { enabled: true } });
    const [sourceId, source] = Object.entries(resources(j, 'google_storage_bucket')).find(
      ([id]) => id.startsWith('bucket_') && !id.startsWith('bucket_copy-'),
    )!;
    expect(source['location']).toBe('EUROPE-WEST1');
    const [, job] = only(j, 'google_storage_transfer_job', 'bucket');
    const interval = NO_DUAL.envs.get('prod-gcp-euw1')!.backup.intervalMinutes;
    expect(job).toMatchObject({
      transfer_spec: {
        gcs_data_source: { bucket_name: ref('google_storage_bucket', sourceId, 'name') },
        gcs_data_sink: { bucket_name: ref('google_storage_bucket', copyId, 'name') },
      },
      schedule: { repeat_interval: `${interval * 60}s` },
    });
    // the bucket bundle's grants (the queue bundle's archive has its own)
    const roles = Object.entries(resources(j, 'google_storage_bucket_iam_member'))
      .filter(([k]) => k.startsWith('bucket_'))
      .map(([, m]) => m['role'])
      .sort();
    expect(roles).toEqual(['roles/storage.legacyBucketReader', 'roles/storage.legacyBucketWriter', 'roles/storage.objectViewer']);
  });

  it('in a dr environment creates no bucket and uses the copy of the environment it recovers in its region', () => {
    expect(buckets(json.get('dr-gcp-euw4')!)).toEqual([]);
    expect(json.get('dr-gcp-euw4')!.output?.['bucket_bucket_name']?.['value']).toBe('acme-prod-gcp-euw1-data');
    expect(NO_DUAL.json.get('dr-gcp-eun2')!.output?.['bucket_bucket_name']?.['value']).toBe('acme-prod-gcp-euw1-data-europe-north2');
  });

  it('fails, as a bundle-rule refusal, when a copy would leave the jurisdiction (a deploy called without resolution)', async () => {
    const e = envs.get('prod-gcp-euw1')!;
    // Only the bucket bundle, so the backup's and database's own residency checks do not answer first.
    const outside = {
      ...e,
      backup: { ...e.backup, copyRegions: ['us-east1'] },
      bundles: e.bundles.filter((b) => b.name === 'bucket'),
    };
    await expect(synthToJson(REPO_ROOT, outside)).rejects.toMatchObject({
      issues: [
        {
          kind: 'bundle-rule',
          path: 'region',
          allowed: e.dataRegions.join(', '),
          message: expect.stringMatching(/us-east1 outside prod-gcp-euw1's jurisdiction EU/),
        },
      ],
    });
  });
});
