import { beforeAll, describe, expect, it } from 'vitest';
import type { Exports, ResolvedEnvironment } from '@parity/model';
import { GCP_PAIR, REPO_ROOT, resolveFixture, synthToJson, type TerraformJson, type Block, deployAlone } from '@parity/synth';
import { deploy } from './gcp.js';
import type { DatabaseParams } from './index.js';

let envs: Map<string, ResolvedEnvironment>;
let prod: TerraformJson;
let dr: TerraformJson;
let staging: TerraformJson;

beforeAll(async () => {
  envs = await resolveFixture(GCP_PAIR);
  prod = await synthToJson(REPO_ROOT, envs.get('prod-gcp-euw1')!);
  dr = await synthToJson(REPO_ROOT, envs.get('dr-gcp-euw4')!);
  staging = await synthToJson(REPO_ROOT, envs.get('staging-gcp')!);
}, 120_000);

const env = (name: string) => envs.get(name)!;
const resources = (json: TerraformJson, type: string): Record<string, Block> => (json.resource?.[type] ?? {}) as Record<string, Block>;
const only = (json: TerraformJson, type: string): [string, Block] => {
  const entries = Object.entries(resources(json, type));
  expect(entries).toHaveLength(1);
  return entries[0]!;
};
const instance = (json: TerraformJson) => only(json, 'google_sql_database_instance')[1];
const settings = (json: TerraformJson) => instance(json).settings as Block;
const backup = (json: TerraformJson) => settings(json).backup_configuration as Block;

/** Every object key in a JSON value, recursively. */
function keys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keys(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keys(v, out);
    }
  }
  return out;
}

function withParams(e: ResolvedEnvironment, params: Partial<DatabaseParams>): ResolvedEnvironment {
  return { ...e, bundles: e.bundles.map((b) => (b.name === 'database' ? { ...b, params: { ...b.params, ...params } } : b)) };
}

/** Call deploy directly with hand-made inputs (the shared helper, bound to this bundle). */
function alone(e: ResolvedEnvironment, inputs: Record<string, Exports>): void {
  deployAlone(deploy, e, 'database', inputs);
}

describe('database on GCP', () => {
  it('keeps the Terraform address of the Cloud SQL instance', () => {
    // Renaming this address (construct IDs "database" / "instance") makes Terraform destroy and
    // recreate the instance: the database and its data are lost. Change it only with a `moved` block.
    expect(Object.keys(resources(prod, 'google_sql_database_instance'))).toEqual(['database_instance_D7FC2283']);
    expect(Object.keys(resources(staging, 'google_sql_database_instance'))).toEqual(['database_instance_D7FC2283']);
    expect(Object.keys(resources(prod, 'google_sql_database'))).toEqual(['database_db_878A5AE3']);
  });

  it('names the instance with the naming helper', () => {
    expect(instance(prod).name).toBe('acme-prod-gcp-euw1-postgres');
    expect(instance(staging).name).toBe('acme-staging-gcp-postgres');
  });

  it('is regional (HA) with deletion protection in production', () => {
    expect(instance(prod).region).toBe('europe-west1');
    expect(instance(prod).database_version).toBe('POSTGRES_16');
    expect(settings(prod).availability_type).toBe('REGIONAL');
    expect(instance(prod).deletion_protection).toBe(true);
    expect(settings(prod).deletion_protection_enabled).toBe(true);
    expect(settings(prod).retain_backups_on_delete).toBe(true);
    expect(settings(prod).tier).toBe('db-custom-8-30720');
    expect(settings(prod).edition).toBe('ENTERPRISE');
    expect(settings(prod).disk_type).toBe('PD_SSD');
    expect(settings(prod).disk_size).toBe(200);
    expect(settings(prod).disk_autoresize).toBe(true);
    expect(settings(prod).disk_autoresize_limit).toBe(800);
  });

  it('is zonal without deletion protection in staging', () => {
    expect(instance(staging).region).toBe('us-central1');
    expect(settings(staging).availability_type).toBe('ZONAL');
    expect(instance(staging).deletion_protection).toBe(false);
    expect(settings(staging).deletion_protection_enabled).toBe(false);
    expect(settings(staging).tier).toBe('db-custom-2-7680');
  });

  it('backs up with point-in-time recovery to an explicit location inside the jurisdiction', () => {
    for (const json of [prod, dr, staging]) {
      expect(backup(json)).toMatchObject({
        enabled: true,
        start_time: '03:00',
        point_in_time_recovery_enabled: true,
        transaction_log_retention_days: 7,
        backup_retention_settings: { retained_backups: 14, retention_unit: 'COUNT' },
      });
    }
    // prod-gcp-euw1 keeps its backups in its DR region, inside the EU.
    expect(backup(prod).location).toBe('europe-west4');
    expect(env('prod-gcp-euw1').dataRegions).toContain(backup(prod).location);
    expect(backup(dr).location).toBe('europe-west4');
    expect(backup(staging).location).toBe('us-central1');
    expect(env('staging-gcp').dataRegions).toContain(backup(staging).location);
  });

  it('caps transaction log retention at 7 days and keeps one backup per retention day', async () => {
    const json = await synthToJson(REPO_ROOT, withParams(env('staging-gcp'), { backupRetentionDays: 3 }));
    expect(backup(json).transaction_log_retention_days).toBe(3);
    expect(backup(json).backup_retention_settings).toEqual({ retained_backups: 3, retention_unit: 'COUNT' });
  });

  it('has only a private IP on the network, requires TLS, and waits for private service access', () => {
    const ip = settings(prod).ip_configuration as Block;
    const [vpc] = only(prod, 'google_compute_network');
    const [psa] = only(prod, 'google_service_networking_connection');
    expect(ip).toEqual({ ipv4_enabled: false, private_network: `\${google_compute_network.${vpc}.id}`, ssl_mode: 'ENCRYPTED_ONLY' });
    expect(instance(prod).depends_on).toContain(`google_service_networking_connection.${psa}`);
  });

  it('logs connections and disconnections', () => {
    expect(settings(prod).database_flags).toEqual([
      { name: 'cloudsql.iam_authentication', value: 'on' },
      { name: 'log_connections', value: 'on' },
      { name: 'log_disconnections', value: 'on' },
    ]);
  });

  it('uses IAM database authentication and holds no password or secret', () => {
    expect(settings(prod).database_flags).toContainEqual({ name: 'cloudsql.iam_authentication', value: 'on' });
    for (const json of [prod, dr, staging]) {
      expect(json.resource?.google_sql_user).toBeUndefined();
      expect(Object.keys(json.resource ?? {}).filter((t) => t.startsWith('google_secret_manager'))).toEqual([]);
      const all = keys(json);
      expect(all.filter((k) => /password/i.test(k))).toEqual([]);
      // The only key mentioning secrets is Backup for GKE's switch to include Kubernetes Secrets.
      expect([...new Set(all.filter((k) => /secret/i.test(k)))]).toEqual([]);
      expect(JSON.stringify(json)).not.toMatch(/password/i);
    }
  });

  it('creates the application database and exports how to reach it', () => {
    const [, db] = only(prod, 'google_sql_database');
    expect(db).toMatchObject({ name: 'app', instance: '${google_sql_database_instance.database_instance_D7FC2283.name}' });
    expect(prod.output?.database_port?.value).toBe('5432');
    expect(prod.output?.database_endpoint?.value).toBe('${google_sql_database_instance.database_instance_D7FC2283.private_ip_address}');
    expect(prod.output?.database_connection_name?.value).toBe('${google_sql_database_instance.database_instance_D7FC2283.connection_name}');
    expect(prod.output?.database_instance_id?.value).toBe('${google_sql_database_instance.database_instance_D7FC2283.name}');
  });

  it('labels the instance (provider default labels do not reach Cloud SQL)', () => {
    expect(settings(prod).user_labels).toMatchObject({ 'parity-environment': 'prod-gcp-euw1', 'parity-role': 'production' });
  });

  it('ignores replicateBackupsToDr, an RDS feature with no Cloud SQL equivalent', async () => {
    const on = await synthToJson(REPO_ROOT, withParams(env('prod-gcp-euw1'), { replicateBackupsToDr: true }));
    expect(on.resource).toEqual(prod.resource);
    expect(on.output).toEqual(prod.output);
    expect(prod.output).not.toHaveProperty('database_replicated_backup_arns');
  });

  it('fails when the backup location is outside the jurisdiction', async () => {
    const e = env('prod-gcp-euw1');
    await expect(synthToJson(REPO_ROOT, { ...e, backup: { ...e.backup, location: 'us-east1' } })).rejects.toThrow(
      /outside its jurisdiction EU/,
    );
  });

  it('fails when asked to restore an AWS snapshot', async () => {
    await expect(synthToJson(REPO_ROOT, withParams(env('staging-gcp'), { restoreFromSnapshot: 'snap-1' }))).rejects.toMatchObject({
      issues: [{ kind: 'bundle-rule', path: 'restoreFromSnapshot', message: expect.stringMatching(/is an AWS parameter/) }],
    });
  });

  it('fails as a replica without the environment it replicates (a deploy called without resolution)', async () => {
    const e = env('dr-gcp-euw4');
    const { replicaSource: _, ...dr } = e.dr;
    const replica = e.bundles.map((b) => (b.name === 'database' ? { ...b, params: { ...b.params, mode: 'replica' } } : b));
    await expect(synthToJson(REPO_ROOT, { ...e, dr, bundles: replica })).rejects.toMatchObject({
      issues: [{ kind: 'bundle-rule', path: 'mode', message: expect.stringMatching(/mode replica needs the environment it replicates/) }],
    });
  });

  it('fails without the network bundle', () => {
    expect(() => alone(env('staging-gcp'), {})).toThrow(/needs export "networkId" of bundle "network"/);
  });

  it('fails when privateServiceAccess is not a reference to the peering connection', () => {
    expect(() =>
      alone(env('staging-gcp'), {
        network: {
          networkId: 'projects/p/global/networks/n',
          privateServiceAccess: 'projects/p/global/networks/n:servicenetworking.googleapis.com',
        },
      }),
    ).toThrow(/must be a reference to a google_service_networking_connection/);
  });
});
