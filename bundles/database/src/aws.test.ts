import { describe, expect, it } from 'vitest';
import { NAME_RULES, namer, regionCatalog, resolveEnvironment, type ResolvedEnvironment } from '@parity/model';
import { fixtureWorkspace, type ManifestInput } from '@parity/model/testing';
import {
  AWS_PAIR,
  REPO_ROOT,
  resolveFixture,
  synthToJson,
  type TerraformJson,
  type Block,
  only,
  resources,
  deployAlone,
} from '@parity/synth';
import { deploy } from './aws.js';
import { bundle } from './index.js';

const envs = await resolveFixture(AWS_PAIR);
const prodEnv = envs.get('prod-use1')!;
const stagingEnv = envs.get('staging')!;
const prod = await synthToJson(REPO_ROOT, prodEnv);
const dr = await synthToJson(REPO_ROOT, envs.get('dr-usw2')!);
const staging = await synthToJson(REPO_ROOT, stagingEnv);

function instance(json: TerraformJson): Block {
  return only(json, 'aws_db_instance')[1];
}
/** Every object key anywhere in the document. */
function keysOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) keysOf(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keysOf(v, out);
    }
  }
  return out;
}

describe('aws database', () => {
  it('keeps the Terraform address of the instance', () => {
    // Renaming the construct ID `instance` (or the bundle scope) changes this address, and
    // Terraform then destroys the database and creates an empty one. Never change it.
    for (const json of [prod, dr, staging]) {
      expect(Object.keys(resources(json, 'aws_db_instance'))).toEqual(['database_instance_D7FC2283']);
      expect(Object.keys(resources(json, 'aws_kms_key'))).toContain('database_key_444EF3EA');
    }
  });

  it('encrypts storage with a customer-managed, rotating KMS key of the stack', () => {
    const db = instance(prod);
    expect(db['storage_encrypted']).toBe(true);
    const keyId = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(String(db['kms_key_id']))?.[1];
    expect(keyId).toBeDefined();
    const key = resources(prod, 'aws_kms_key')[keyId!]!;
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(db['performance_insights_enabled']).toBe(true);
    expect(db['performance_insights_kms_key_id']).toBe(db['kms_key_id']);
    expect(db['master_user_secret_kms_key_id']).toBe(db['kms_key_id']);
    const alias = Object.values(resources(prod, 'aws_kms_alias')).find((a) => a['target_key_id'] === `\${aws_kms_key.${keyId}.key_id}`);
    expect(alias?.['name']).toBe(`alias/${namer(prodEnv.platform, prodEnv.name)('aws.kmsAlias', 'database')}`);
  });

  it('is Multi-AZ and deletion-protected with a final snapshot in production', () => {
    const db = instance(prod);
    expect(db['multi_az']).toBe(true);
    expect(db['deletion_protection']).toBe(true);
    expect(db['skip_final_snapshot']).toBe(false);
    // one snapshot per generation of the instance: its creation time, kept by ignore_changes
    expect(db['final_snapshot_identifier']).toBe(
      `${namer(prodEnv.platform, prodEnv.name)('aws.dbInstance', 'db', 'final')}-\${formatdate("YYYYMMDDhhmmss", timestamp())}`,
    );
    expect((db['lifecycle'] as { ignore_changes?: string[] })?.ignore_changes).toContain('final_snapshot_identifier');
    expect(db['delete_automated_backups']).toBe(false);
  });

  it('is single-AZ and deletable without a final snapshot in staging', () => {
    const db = instance(staging);
    expect(db['multi_az']).toBe(false);
    expect(db['deletion_protection']).toBe(false);
    expect(db['skip_final_snapshot']).toBe(true);
    expect(db).not.toHaveProperty('final_snapshot_identifier');
  });

  it('lets RDS generate the master password into Secrets Manager; no password in the Terraform JSON', () => {
    for (const json of [prod, staging]) {
      const db = instance(json);
      expect(db['manage_master_user_password']).toBe(true);
      expect(db).not.toHaveProperty('password');
      expect(db).not.toHaveProperty('password_wo');
      const keys = keysOf(json);
      for (const forbidden of ['password', 'password_wo', 'secret_string', 'master_password']) expect(keys.has(forbidden)).toBe(false);
      expect(json.resource).not.toHaveProperty('random_password');
      expect(json.resource).not.toHaveProperty('aws_secretsmanager_secret_version');
      // "password" only ever appears as the name of the setting that keeps it out of Terraform.
      expect(new Set(JSON.stringify(json).match(/[^"]*password[^"]*/gi))).toEqual(new Set(['manage_master_user_password']));
    }
    expect(prod.output?.['database_secret_arn']?.['value']).toBe(
      '${aws_db_instance.database_instance_D7FC2283.master_user_secret[0].secret_arn}',
    );
  });

  it('sizes the instance and its storage from the parameters', () => {
    const db = instance(prod);
    expect(db).toMatchObject({
      engine: 'postgres',
      engine_version: '16',
      instance_class: 'db.r6g.xlarge',
      allocated_storage: 200,
      max_allocated_storage: 800,
      storage_type: 'gp3',
    });
    expect(instance(staging)).toMatchObject({ instance_class: 'db.t4g.medium', allocated_storage: 50, max_allocated_storage: 200 });
  });

  it('maps size medium to db.r6g.large', async () => {
    const [, , s] = AWS_PAIR;
    const medium = await resolveFixture([{ ...s!, overrides: { database: { size: 'medium' } } }]);
    const json = await synthToJson(REPO_ROOT, medium.get(s!.name)!);
    expect(instance(json)['instance_class']).toBe('db.r6g.large');
  });

  it('keeps automated backups for point-in-time recovery and tags the instance for AWS Backup', () => {
    const db = instance(prod);
    expect(db['backup_retention_period']).toBe(14);
    expect(db['copy_tags_to_snapshot']).toBe(true);
    expect((db['tags'] as Record<string, string>)['parity:backup']).toBe(prodEnv.name);
    expect((instance(staging)['tags'] as Record<string, string>)['parity:backup']).toBe(stagingEnv.name);
  });

  it('is private: in the network private subnets, reachable on 5432 only from the VPC', () => {
    const db = instance(prod);
    expect(db['publicly_accessible']).toBe(false);
    expect(db['iam_database_authentication_enabled']).toBe(true);
    const [groupId, group] = only(prod, 'aws_db_subnet_group');
    expect(db['db_subnet_group_name']).toBe(`\${aws_db_subnet_group.${groupId}.name}`);
    expect(group['subnet_ids']).toEqual(prod.output?.['network_subnet_ids']?.['value']);

    const [sgId, sg] = only(prod, 'aws_security_group');
    expect(db['vpc_security_group_ids']).toEqual([`\${aws_security_group.${sgId}.id}`]);
    expect(sg['vpc_id']).toBe(prod.output?.['network_network_id']?.['value']);
    const [, rule] = only(prod, 'aws_vpc_security_group_ingress_rule');
    expect(rule).toMatchObject({
      security_group_id: `\${aws_security_group.${sgId}.id}`,
      ip_protocol: 'tcp',
      from_port: 5432,
      to_port: 5432,
      cidr_ipv4: '10.40.0.0/16',
    });
  });

  it('requires TLS through a parameter group of the major version', () => {
    const [pgId, pg] = only(prod, 'aws_db_parameter_group');
    expect(pg['family']).toBe('postgres16');
    expect(pg['parameter']).toEqual([expect.objectContaining({ name: 'rds.force_ssl', value: '1' })]);
    expect(instance(prod)['parameter_group_name']).toBe(`\${aws_db_parameter_group.${pgId}.name}`);
  });

  it('names the instance with the naming helper, within the RDS limit', () => {
    for (const [env, json] of [
      [prodEnv, prod],
      [stagingEnv, staging],
    ] as const) {
      const id = String(instance(json)['identifier']);
      expect(id).toBe(namer(env.platform, env.name)('aws.dbInstance', 'db'));
      expect(id.length).toBeLessThanOrEqual(NAME_RULES['aws.dbInstance'].max);
      expect(id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(id).not.toContain('--');
    }
  });

  it('exports the instance, endpoint, port, key and secret', () => {
    const out = prod.output!;
    expect(out['database_instance_arn']?.['value']).toBe('${aws_db_instance.database_instance_D7FC2283.arn}');
    expect(out['database_instance_id']?.['value']).toBe('${aws_db_instance.database_instance_D7FC2283.identifier}');
    expect(out['database_endpoint']?.['value']).toBe('${aws_db_instance.database_instance_D7FC2283.address}');
    expect(out['database_port']?.['value']).toBe('${aws_db_instance.database_instance_D7FC2283.port}');
    expect(out['database_kms_key_arn']?.['value']).toBe(instance(prod)['kms_key_id']);
    expect(out).not.toHaveProperty('database_connection_name');
  });

  it('restores from a snapshot, keeping the snapshot key', async () => {
    const [p, d] = AWS_PAIR;
    const snapshot = 'arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:copyjob-0123';
    const restored = await resolveFixture([p!, { ...d!, overrides: { database: { restoreFromSnapshot: snapshot } } }]);
    const json = await synthToJson(REPO_ROOT, restored.get(d!.name)!);
    const db = instance(json);
    expect(db['snapshot_identifier']).toBe(snapshot);
    // RDS restores with the snapshot's key; naming another would make Terraform replace the restored instance.
    expect(db).not.toHaveProperty('kms_key_id');
    expect(db['storage_encrypted']).toBe(true);
    expect(json.output?.['database_kms_key_arn']?.['value']).toBe('${aws_db_instance.database_instance_D7FC2283.kms_key_id}');
    expect(instance(dr)).not.toHaveProperty('snapshot_identifier');
  });

  it('keeps a restored instance when its restore source goes away (snapshot_identifier is ForceNew): the argument is read at creation only', async () => {
    const [p, d] = AWS_PAIR;
    const restored = await resolveFixture([p!, { ...d!, overrides: { database: { restoreFromSnapshot: 'copy-1' } } }]);
    const before = instance(await synthToJson(REPO_ROOT, restored.get(d!.name)!));
    const after = instance(dr);
    expect(before['snapshot_identifier']).toBe('copy-1');
    expect(after).not.toHaveProperty('snapshot_identifier');
    for (const db of [before, after]) {
      expect((db['lifecycle'] as { ignore_changes?: string[] }).ignore_changes).toEqual([
        'snapshot_identifier',
        'final_snapshot_identifier',
      ]);
    }
    // every other ForceNew argument is the same with and without the restore source
    for (const k of ['identifier', 'engine', 'storage_encrypted', 'username', 'db_name', 'db_subnet_group_name'])
      expect(before[k]).toEqual(after[k]);
  });

  it('fails as a replica without the environment it replicates (a deploy called without resolution)', async () => {
    const e = envs.get('dr-usw2')!;
    const { replicaSource: _, ...dr } = e.dr;
    const replica = e.bundles.map((b) => (b.name === 'database' ? { ...b, params: { ...b.params, mode: 'replica' } } : b));
    await expect(synthToJson(REPO_ROOT, { ...e, dr, bundles: replica })).rejects.toMatchObject({
      issues: [{ kind: 'bundle-rule', path: 'mode', message: expect.stringMatching(/mode replica needs the environment it replicates/) }],
    });
  });

  it('fails when the network bundle is not connected', () => {
    expect(() => deployAlone(deploy, prodEnv, 'database')).toThrow(/needs export "networkId" of bundle "network"/);
  });

  it('opens its port to the range the network exports, not to a parameter it reads itself', () => {
    const alone = deployAlone(deploy, stagingEnv, 'database', {
      network: { networkId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], cidr: '10.99.0.0/16' },
    });
    expect(only(alone, 'aws_vpc_security_group_ingress_rule')[1]).toMatchObject({ from_port: 5432, cidr_ipv4: '10.99.0.0/16' });
    expect(() => deployAlone(deploy, stagingEnv, 'database', { network: { networkId: 'vpc-1', subnetIds: ['subnet-a'] } })).toThrow(
      /needs export "cidr" of bundle "network"/,
    );
  });
});

/**
 * A fixture workspace with `replicateBackupsToDr` on. The parameter must be the same everywhere
 * (no overrides), so it is set in the definition's defaults, as a platform would.
 */
async function withReplication(manifests: readonly ManifestInput[], on = true) {
  const ws = await fixtureWorkspace(manifests);
  ws.definition.data.bundles.database!.defaults.replicateBackupsToDr = on;
  return ws;
}

function resolved(r: ReturnType<typeof resolveEnvironment>): ResolvedEnvironment {
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  return r.env!;
}

describe('aws database: automated backups replicated to the DR region', async () => {
  const ws = await withReplication(AWS_PAIR);
  const on = resolved(resolveEnvironment(ws, 'prod-use1'));
  const json = await synthToJson(REPO_ROOT, on);
  const replications = () => resources(json, 'aws_db_instance_automated_backups_replication');

  it('is off by default, and creates nothing when off', async () => {
    expect(bundle.params.parse({}).replicateBackupsToDr).toBe(false);
    const off = await withReplication(AWS_PAIR, false);
    for (const name of ['prod-use1', 'dr-usw2', 'staging']) {
      const j = await synthToJson(REPO_ROOT, resolved(resolveEnvironment(off, name)));
      expect(j.resource).not.toHaveProperty('aws_db_instance_automated_backups_replication');
      expect(j.output?.['database_replicated_backup_arns']?.['value']).toEqual([]);
    }
  });

  it("replicates the instance's automated backups into us-west-2 through the aliased provider", () => {
    expect(on.backup.copyRegions).toEqual(['us-west-2']);
    const [id, replication] = only(json, 'aws_db_instance_automated_backups_replication');
    // Pinned: a new address would make Terraform delete the replica (and its PITR history) and start over.
    expect(id).toBe('database_backups-replication-us-west-2_3170CC3B');
    expect(replication['provider']).toBe('aws.us_west_2');
    const aliased = json.provider?.['aws']?.find((p) => p['alias'] === 'us_west_2');
    expect(aliased?.['region']).toBe('us-west-2');
    expect(replication['source_db_instance_arn']).toBe('${aws_db_instance.database_instance_D7FC2283.arn}');
    expect(replication['retention_period']).toBe(on.bundles.find((b) => b.name === 'database')!.params['backupRetentionDays']);
    expect(replication['retention_period']).toBe(14);
  });

  it('encrypts the replica with a rotating customer-managed key of the DR region', () => {
    const [, replication] = only(json, 'aws_db_instance_automated_backups_replication');
    const keyId = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(String(replication['kms_key_id']))?.[1];
    expect(keyId).toBeDefined();
    const key = resources(json, 'aws_kms_key')[keyId!]!;
    expect(key).toMatchObject({ provider: 'aws.us_west_2', enable_key_rotation: true, deletion_window_in_days: 30 });
    // Not the source instance's key, which lives in us-east-1.
    expect(replication['kms_key_id']).not.toBe(instance(json)['kms_key_id']);
    const alias = Object.values(resources(json, 'aws_kms_alias')).find((a) => a['target_key_id'] === `\${aws_kms_key.${keyId}.key_id}`);
    expect(alias).toMatchObject({
      provider: 'aws.us_west_2',
      name: `alias/${namer(on.platform, on.name)('aws.kmsAlias', 'database', 'replica', 'us-west-2')}`,
    });
  });

  it("exports the replicated backups' ARNs", () => {
    const ids = Object.keys(replications());
    expect(json.output?.['database_replicated_backup_arns']?.['value']).toEqual(
      ids.map((id) => `\${aws_db_instance_automated_backups_replication.${id}.id}`),
    );
  });

  it('creates nothing in the dr environment itself or in staging', async () => {
    for (const name of ['dr-usw2', 'staging']) {
      const e = resolved(resolveEnvironment(ws, name));
      expect(e.bundles.find((b) => b.name === 'database')!.params['replicateBackupsToDr']).toBe(true);
      expect(e.backup.copyRegions).toEqual([]);
      const j = await synthToJson(REPO_ROOT, e);
      expect(j.resource).not.toHaveProperty('aws_db_instance_automated_backups_replication');
      expect(Object.keys(resources(j, 'aws_kms_key')).filter((k) => k.includes('replica'))).toEqual([]);
      expect(j.output?.['database_replicated_backup_arns']?.['value']).toEqual([]);
    }
  });

  it('fails to resolve when AWS does not replicate from the region to the DR region', async () => {
    // eu-central-1 → eu-south-1 is not among the supported pairs (the reverse is).
    const bad = await withReplication([
      { name: 'prod-euc1', cloud: 'aws', region: 'eu-central-1', role: 'production', tier: 'production' },
      { name: 'dr-eus1', cloud: 'aws', region: 'eu-south-1', role: 'dr', tier: 'production', recovers: 'prod-euc1' },
    ]);
    const r = resolveEnvironment(bad, 'prod-euc1');
    expect(r.env).toBeUndefined();
    const missing = r.issues.filter((i) => i.kind === 'missing-feature');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ severity: 'error', value: 'eu-central-1 → eu-south-1' });
    const allowed = [...String(missing[0]!.allowed).matchAll(/\b([a-z]{2}(?:-[a-z]+)+-\d) \(/g)].map((m) => m[1]!);
    expect(allowed.length).toBeGreaterThan(0);
    const cat = regionCatalog();
    for (const code of allowed) {
      expect(cat.get('aws', code)?.jurisdiction, code).toBe('EU');
      expect(cat.supportsRdsBackupReplication('eu-central-1', code), code).toBe(true);
    }
    expect(allowed).not.toContain('eu-south-1');
    expect(allowed).not.toContain('eu-west-2'); // UK: another jurisdiction
    // Off, the same pair resolves.
    const off = await withReplication(
      [
        { name: 'prod-euc1', cloud: 'aws', region: 'eu-central-1', role: 'production', tier: 'production' },
        { name: 'dr-eus1', cloud: 'aws', region: 'eu-south-1', role: 'dr', tier: 'production', recovers: 'prod-euc1' },
      ],
      false,
    );
    expect(resolveEnvironment(off, 'prod-euc1').issues.filter((i) => i.kind === 'missing-feature')).toEqual([]);
  });
});
