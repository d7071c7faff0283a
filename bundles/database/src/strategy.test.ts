/**
 * The database per DR strategy, and the failover sequence replica → promoted → primary, proven
 * on the arguments Terraform sees (provider schemas read from terraform-provider-aws
 * internal/service/rds/instance.go: username, db_name, kms_key_id, engine, storage_encrypted are
 * ForceNew; username and db_name conflict with replicate_source_db; removing replicate_source_db
 * makes the update call PromoteReadReplica, then ModifyDBInstance only if anything else changed).
 */
import { describe, expect, it } from 'vitest';
import { namer, type Failover } from '@parity/model';
import type { ManifestInput } from '@parity/model/testing';
import { AWS_PAIR, GCP_PAIR, REPO_ROOT, resolveFixture, synthToJson, only, type Block, type TerraformJson } from '@parity/synth';

/** The AWS pair under a policy, the dr manifest at a failover step. */
async function awsDr(policy: string, failover?: Failover): Promise<TerraformJson> {
  const fleet: ManifestInput[] = AWS_PAIR.map((m) =>
    m.name === 'prod-use1' ? { ...m, drPolicy: policy } : m.name === 'dr-usw2' && failover ? { ...m, failover } : m,
  );
  const envs = await resolveFixture(fleet);
  return synthToJson(REPO_ROOT, envs.get('dr-usw2')!);
}
async function gcpDr(policy: string, failover?: Failover): Promise<TerraformJson> {
  const fleet: ManifestInput[] = GCP_PAIR.map((m) =>
    m.name === 'prod-gcp-euw1' ? { ...m, drPolicy: policy } : m.name === 'dr-gcp-euw4' && failover ? { ...m, failover } : m,
  );
  const envs = await resolveFixture(fleet);
  return synthToJson(REPO_ROOT, envs.get('dr-gcp-euw4')!);
}
const db = (json: TerraformJson): Block => only(json, 'aws_db_instance')[1];
const sql = (json: TerraformJson): Block => only(json, 'google_sql_database_instance')[1];
const without = (b: Block, ...keys: string[]): Block => Object.fromEntries(Object.entries(b).filter(([k]) => !keys.includes(k)));

/** Arguments of aws_db_instance that force a new instance when they change (provider schema). */
const FORCE_NEW = [
  'identifier',
  'engine',
  'kms_key_id',
  'storage_encrypted',
  'username',
  'db_name',
  'availability_zone',
  'character_set_name',
  'snapshot_identifier',
  'timezone',
];

describe('aws database per strategy', () => {
  it('backup & restore: the dr environment holds a standalone instance (applied at failover)', async () => {
    const d = db(await awsDr('standard'));
    expect(d['replicate_source_db']).toBeUndefined();
    expect(d).toMatchObject({ username: 'parity_admin', db_name: 'app', manage_master_user_password: true });
  }, 60_000);

  it('pilot light: a cross-region replica of the primary, its ARN built without reading the source region', async () => {
    const json = await awsDr('important');
    const d = db(json);
    const sourceId = namer('acme', 'prod-use1')('aws.dbInstance', 'db');
    const partition = Object.keys(json.data!['aws_partition'] as object).find((k) => k.startsWith('database_'))!;
    const account = Object.keys(json.data!['aws_caller_identity'] as object).find((k) => k.startsWith('database_'))!;
    expect(d['replicate_source_db']).toBe(
      `arn:\${data.aws_partition.${partition}.partition}:rds:us-east-1:\${data.aws_caller_identity.${account}.account_id}:db:${sourceId}`,
    );
    // the data sources are this stack's default provider (the DR region): nothing in us-east-1
    for (const t of ['aws_partition', 'aws_caller_identity'])
      for (const b of Object.values(json.data![t] as Record<string, Block>)) expect(b['provider']).toBeUndefined();
    // a replica may not set its user, database, password or backups; it has its own key and groups
    for (const k of [
      'username',
      'db_name',
      'manage_master_user_password',
      'master_user_secret_kms_key_id',
      'snapshot_identifier',
      'backup_retention_period',
    ])
      expect(d[k], k).toBeUndefined();
    const keyAddress = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(String(d['kms_key_id']))?.[1];
    expect((json.resource!['aws_kms_key'] as Record<string, Block>)[keyAddress!]!['provider']).toBeUndefined();
    expect(d['db_subnet_group_name']).toMatch(/aws_db_subnet_group/);
    expect(d['parameter_group_name']).toMatch(/aws_db_parameter_group/);
    expect(d['vpc_security_group_ids']).toEqual([expect.stringMatching(/aws_security_group/)]);
    expect(d['storage_encrypted']).toBe(true);
    // a replica is not put into AWS Backup: neither tagged nor selected (its source's backups reach this region)
    expect((d['tags'] as Block)['parity:backup']).toBeUndefined();
    expect(
      Object.values((json.resource!['aws_backup_selection'] ?? {}) as Record<string, Block>).some((sel) =>
        JSON.stringify(sel['resources'] ?? '').includes('aws_db_instance'),
      ),
    ).toBe(false);
    const alarm = only(json, 'aws_cloudwatch_metric_alarm')[1];
    // the policy's lag budget (important: replicaLagSeconds 300), alarmed within the minute RDS reports it
    expect(alarm).toMatchObject({
      metric_name: 'ReplicaLag',
      namespace: 'AWS/RDS',
      threshold: 300,
      period: 60,
      evaluation_periods: 1,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'breaching',
    });
    const critical = only(await awsDr('critical'), 'aws_cloudwatch_metric_alarm')[1];
    expect(critical['threshold']).toBe(60);
  }, 60_000);

  it('promote: exactly the replica configuration without replicate_source_db (one PromoteReadReplica, no ModifyDBInstance)', async () => {
    const replica = db(await awsDr('important'));
    const promoted = db(await awsDr('important', { step: 'promote' }));
    expect(promoted['replicate_source_db']).toBeUndefined();
    expect(promoted).toEqual(without(replica, 'replicate_source_db'));
  }, 60_000);

  it("complete: the primary configuration keeps every ForceNew argument the promoted instance has, and sets those it inherited from its source to the source's values", async () => {
    const promoted = db(await awsDr('important', { step: 'promote' }));
    const primary = db(await awsDr('important', { step: 'complete' }));
    for (const k of FORCE_NEW) if (promoted[k] !== undefined) expect(primary[k], k).toEqual(promoted[k]);
    // username and db_name are Computed on the promoted instance: they are the source's
    const envs = await resolveFixture(AWS_PAIR);
    const source = db(await synthToJson(REPO_ROOT, envs.get('prod-use1')!));
    expect(primary['username']).toBe(source['username']);
    expect(primary['db_name']).toBe(source['db_name']);
    expect(primary).toMatchObject({ manage_master_user_password: true, backup_retention_period: 14 });
  }, 60_000);
});

describe('gcp database per strategy', () => {
  it("warm standby: a Cloud SQL replica of the source project's instance, without backups", async () => {
    const json = await gcpDr('critical');
    const s = sql(json);
    expect(s['master_instance_name']).toBe(`acme-prod-gcp-euw1:${namer('acme', 'prod-gcp-euw1')('gcp.sqlInstance', 'postgres')}`);
    expect(s['instance_type']).toBe('READ_REPLICA_INSTANCE');
    expect((s['settings'] as Block)['backup_configuration']).toMatchObject({ enabled: false });
    expect(json.resource!['google_sql_database']).toBeUndefined();
    // the replica's lag alert: Cloud SQL's replica_lag above the policy's budget (critical: 60 s) for a minute
    const alert = only(json, 'google_monitoring_alert_policy')[1];
    const condition = (alert['conditions'] as Block[])[0]!['condition_threshold'] as Block;
    expect(condition).toMatchObject({ comparison: 'COMPARISON_GT', threshold_value: 60, duration: '60s' });
    expect(condition['filter']).toContain('metric.type = "cloudsql.googleapis.com/database/replication/replica_lag"');
    expect(condition['filter']).toContain(
      `resource.labels.database_id = "acme-dr-gcp-euw4:${namer('acme', 'dr-gcp-euw4')('gcp.sqlInstance', 'postgres')}"`,
    );
    // a promoted database is no replica: no lag alert
    expect((await gcpDr('critical', { step: 'promote' })).resource!['google_monitoring_alert_policy']).toBeUndefined();
  }, 60_000);

  it('promote: instance_type CLOUD_SQL_INSTANCE and no master, nothing else changed', async () => {
    const replica = sql(await gcpDr('critical'));
    const promoted = sql(await gcpDr('critical', { step: 'promote' }));
    expect(promoted).toEqual({ ...without(replica, 'master_instance_name'), instance_type: 'CLOUD_SQL_INSTANCE' });
  }, 60_000);

  it('complete: backups on, in place (same name and version), and no second database', async () => {
    const promoted = sql(await gcpDr('critical', { step: 'promote' }));
    const json = await gcpDr('critical', { step: 'complete' });
    const primary = sql(json);
    expect(primary['name']).toBe(promoted['name']);
    expect(primary['database_version']).toBe(promoted['database_version']);
    expect((primary['settings'] as Block)['backup_configuration']).toMatchObject({ enabled: true });
    expect(json.resource!['google_sql_database']).toBeUndefined();
  }, 60_000);
});
