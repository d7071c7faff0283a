import { afterAll, describe, expect, it } from 'vitest';
import { dataPlaces, residencyFindings } from '@parity/checks';
import { KEY_USER_ROLE, kmsLocation, loadWorkspace, resolveEnvironments, storageLocationOfKms } from '@parity/model';
import { synthToJson, type TerraformJson } from '@parity/synth';
import { fleetEnvironmentsAsync, fleetWorkspace } from '@parity/testkit';

// Customer-managed keys on the tests' GCP fleet (@parity/testkit, whatever the repository's own fleet is), read from real synth: every data store names a
// key, the key lives where the data does, and the service agent that encrypts with it is granted
// the key before the data store is created.

type Body = Record<string, unknown>;

// stamped without blocking the worker (a synchronous stamp of a minute trips vitest's RPC timeout)
await fleetEnvironmentsAsync();
const fleet = fleetWorkspace();
afterAll(() => fleet.cleanup());
const ws = await loadWorkspace(fleet.root);
const gcp = resolveEnvironments(ws).envs.filter((e) => e.cloud === 'gcp');
const json = new Map<string, TerraformJson>();
for (const e of gcp) json.set(e.name, await synthToJson(fleet.root, e));

const resources = (j: TerraformJson, type: string) => Object.entries((j.resource?.[type] ?? {}) as Record<string, Body>);
const blockOf = (v: unknown): Body => (Array.isArray(v) ? (v[0] as Body) : (v as Body)) ?? {};
/** The crypto key a `${google_kms_crypto_key.<id>.id}` reference names. */
const keyId = (ref: unknown) => /^\$\{google_kms_crypto_key\.([\w-]+)\.id\}$/.exec(String(ref))?.[1];

/** Per GCP data store: where its key is named, where its data lives, which agent encrypts with the key. */
const STORES: Array<{ type: string; key: (r: Body) => unknown; location: (r: Body) => string; agent: RegExp }> = [
  {
    type: 'google_sql_database_instance',
    key: (r) => r.encryption_key_name,
    location: (r) => String(r.region),
    agent: /^serviceAccount:service-\$\{data\.google_project\.[\w-]+\.number\}@gcp-sa-cloud-sql\.iam\.gserviceaccount\.com$/,
  },
  {
    type: 'google_pubsub_topic',
    key: (r) => r.kms_key_name,
    location: () => '',
    agent: /^serviceAccount:service-\$\{data\.google_project\.[\w-]+\.number\}@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/,
  },
  {
    type: 'google_container_node_pool',
    key: (r) => blockOf(r.node_config).boot_disk_kms_key,
    location: (r) => String(r.location),
    agent: /^serviceAccount:service-\$\{data\.google_project\.[\w-]+\.number\}@compute-system\.iam\.gserviceaccount\.com$/,
  },
  // (no google_gke_backup_backup_plan: the tests' fleet keeps no cluster volumes, `volumes: none`;
  // the backup bundle's own tests check the Backup for GKE plan's key where a cluster keeps them)
  {
    type: 'google_storage_bucket',
    key: (r) => blockOf(r.encryption).default_kms_key_name,
    location: (r) => kmsLocation(String(r.location)),
    agent: /^\$\{data\.google_storage_project_service_account\.[\w-]+\.member\}$/,
  },
];

describe('customer-managed keys on GCP', () => {
  it('covers both GCP environments', () => {
    expect(gcp.map((e) => e.name).sort()).toEqual(['dr-gcp-euw4', 'prod-gcp-euw1']);
  });

  it.each(STORES.map((s) => [s.type, s] as const))('%s: a key where the data lives, usable by its service agent first', (_type, store) => {
    let seen = 0;
    for (const e of gcp) {
      const j = json.get(e.name)!;
      for (const [id, r] of resources(j, store.type)) {
        seen++;
        const where = `${e.name} ${store.type}.${id}`;
        const key = keyId(store.key(r));
        expect(key, where).toBeDefined();
        const body = (j.resource!.google_kms_crypto_key as Record<string, Body>)[key!]!;
        expect(body.rotation_period, where).toBe('7776000s');
        const ring = /^\$\{google_kms_key_ring\.([\w-]+)\.id\}$/.exec(String(body.key_ring))?.[1];
        const ringBody = (j.resource!.google_kms_key_ring as Record<string, Body>)[ring!]!;
        // Pub/Sub topics keep messages anywhere in the jurisdiction; their key is in the environment's region.
        expect(ringBody.location, where).toBe(store.location(r) || e.region);
        expect(ringBody.project, where).toBe(e.gcpProject);

        const grants = resources(j, 'google_kms_crypto_key_iam_member').filter(
          ([, g]) => g.crypto_key_id === `\${google_kms_crypto_key.${key}.id}` && g.role === KEY_USER_ROLE,
        );
        const agent = grants.find(([, g]) => store.agent.test(String(g.member)));
        expect(agent, `${where}: grant to ${store.agent.source}`).toBeDefined();
        expect(r.depends_on as string[], where).toContain(`google_kms_crypto_key_iam_member.${agent![0]}`);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("puts a replica's key in the replica's region, in its own project", () => {
    const dr = gcp.find((e) => e.role === 'dr')!;
    const j = json.get(dr.name)!;
    const [, instance] = resources(j, 'google_sql_database_instance')[0]!;
    expect(instance.master_instance_name).toBeDefined();
    const ring = Object.values(j.resource!.google_kms_key_ring as Record<string, Body>).find((k) => String(k.name).includes('-database-'))!;
    expect(ring).toMatchObject({ location: dr.region, project: dr.gcpProject });
    expect(dr.region).not.toBe(dr.recovers!.region);
  });

  it('keeps every key ring inside the jurisdiction (residency), a multi-region one by its countries', () => {
    for (const e of gcp) {
      const j = json.get(e.name)!;
      const rings = dataPlaces(e, j).filter((p) => p.address.startsWith('google_kms_key_ring.'));
      // database, queue, cluster and bucket keys (no Backup for GKE plan: volumes: none)
      expect(rings.length, e.name).toBeGreaterThanOrEqual(3);
      expect(resources(j, 'google_gke_backup_backup_plan'), e.name).toEqual([]);
      for (const r of rings) expect(r.jurisdictions, `${e.name} ${r.address} ${r.location}`).toEqual(['EU']);
      expect(residencyFindings(e, j)).toEqual([]);
    }
    // a key ring moved out of the jurisdiction is a residency violation naming it
    const e = gcp.find((x) => x.role === 'production')!;
    const moved = structuredClone(json.get(e.name)!);
    const [id, ring] = Object.entries(moved.resource!.google_kms_key_ring as Record<string, Body>)[0]!;
    ring.location = 'us-central1';
    expect(residencyFindings(e, moved)).toEqual([
      expect.objectContaining({ severity: 'error', path: expect.stringContaining(`google_kms_key_ring.${id}`) }),
    ]);
  });

  it('maps Cloud Storage locations to Cloud KMS locations', () => {
    expect(kmsLocation('EUROPE-WEST4')).toBe('europe-west4');
    expect(kmsLocation('EU')).toBe('europe');
    expect(kmsLocation('US')).toBe('us');
    expect(kmsLocation('EUR4')).toBe('eur4');
    expect(storageLocationOfKms('europe')).toBe('eu');
    expect(storageLocationOfKms('europe-west4')).toBe('europe-west4');
  });
});
