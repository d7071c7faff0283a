import { TerraformStack, Testing } from 'cdktn';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { NAME_RULES, namer } from '@parity/model';
import {
  AWS_PAIR,
  REPO_ROOT,
  resolveFixture,
  synthToJson,
  withParams,
  type TerraformJson,
  type Block,
  only,
  resources,
} from '@parity/synth';
import { deploy } from './aws.js';
import type { BackupParams } from './index.js';

interface Rule {
  rule_name: string;
  target_vault_name: string;
  schedule: string;
  start_window: number;
  completion_window: number;
  lifecycle: Record<string, number>;
  recovery_point_tags: Record<string, string>;
  copy_action?: Array<{ destination_vault_arn: string; lifecycle: Record<string, number> }>;
}

const envs = await resolveFixture(AWS_PAIR);
// The example definition's cluster is stateless (volumes: none); most tests are about a cluster with data on volumes.
const statelessProd = await synthToJson(REPO_ROOT, envs.get('prod-use1')!);
const prodEnv = withParams(envs.get('prod-use1')!, 'cluster', { volumes: 'backup' });
const drEnv = envs.get('dr-usw2')!;
const stagingEnv = envs.get('staging')!;
const prod = await synthToJson(REPO_ROOT, prodEnv);
const dr = await synthToJson(REPO_ROOT, drEnv);
const staging = await synthToJson(REPO_ROOT, stagingEnv);

function rule(json: TerraformJson): Rule {
  const [, plan] = only(json, 'aws_backup_plan');
  const rules = plan['rule'] as Rule[];
  expect(rules).toHaveLength(1);
  return rules[0]!;
}
/** The vault an ARN or name reference points at. */
function vaultOf(json: TerraformJson, ref: string): [string, Block] {
  const id = /^\$\{aws_backup_vault\.([\w-]+)\.(arn|name)\}$/.exec(ref)?.[1];
  const vault = id ? resources(json, 'aws_backup_vault')[id] : undefined;
  expect(vault, `vault referenced by ${ref}`).toBeDefined();
  return [id!, vault!];
}
function keyOf(json: TerraformJson, ref: string): Block {
  const id = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(ref)?.[1];
  const key = id ? resources(json, 'aws_kms_key')[id] : undefined;
  expect(key, `key referenced by ${ref}`).toBeDefined();
  return key!;
}
/** The region of the provider a resource uses (`aws.us_west_2`, or the default one). */
function regionOf(json: TerraformJson, resource: Block): string {
  const providers = json.provider?.['aws'] ?? [];
  const alias = resource['provider'] === undefined ? undefined : String(resource['provider']).replace(/^aws\./, '');
  const provider = providers.find((p) => p['alias'] === alias);
  expect(provider, `provider ${String(resource['provider'] ?? 'aws')}`).toBeDefined();
  return String(provider!['region']);
}

describe('aws backup', () => {
  it('backs up into a KMS-encrypted vault in the environment region', () => {
    const r = rule(prod);
    const [, vault] = vaultOf(prod, r.target_vault_name);
    expect(regionOf(prod, vault)).toBe('us-east-1');
    const key = keyOf(prod, String(vault['kms_key_arn']));
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(regionOf(prod, key)).toBe('us-east-1');
  });

  it('copies every backup to a vault in the DR region, created by the production stack', () => {
    const copies = rule(prod).copy_action ?? [];
    expect(copies).toHaveLength(1);
    const [, vault] = vaultOf(prod, copies[0]!.destination_vault_arn);
    expect(vault['provider']).toBe('aws.us_west_2');
    const aliased = prod.provider?.['aws']?.find((p) => p['alias'] === 'us_west_2');
    expect(aliased?.['region']).toBe('us-west-2');
    expect(regionOf(prod, vault)).toBe(drEnv.region);
    // The copy vault's key lives in the DR region too.
    const key = keyOf(prod, String(vault['kms_key_arn']));
    expect(key['provider']).toBe('aws.us_west_2');
    expect(key['enable_key_rotation']).toBe(true);
    expect(copies[0]!.lifecycle).toEqual({ delete_after: 35 });
    expect(vault['name']).toBe(namer(prodEnv.platform, prodEnv.name)('aws.backupVault', 'copy', 'us-west-2'));
  });

  it('locks every vault, in its own region, for the retention its recovery points get', () => {
    const locks = Object.values(resources(prod, 'aws_backup_vault_lock_configuration'));
    const byVault = new Map(locks.map((l) => [vaultOf(prod, String(l['backup_vault_name']))[0], l]));
    const [vaultId] = vaultOf(prod, rule(prod).target_vault_name);
    const [copyId, copyVault] = vaultOf(prod, rule(prod).copy_action![0]!.destination_vault_arn);
    expect(byVault.get(vaultId)).toMatchObject({ min_retention_days: 35 });
    expect(byVault.get(copyId)).toMatchObject({ min_retention_days: 35, provider: copyVault['provider'] });
    // Governance mode: without changeable_for_days the lock can still be lifted by an administrator.
    for (const l of locks) expect(l).not.toHaveProperty('changeable_for_days');
  });

  it('gives a DR or staging environment no copy action and no vault elsewhere', () => {
    for (const json of [dr, staging]) {
      expect(rule(json)).not.toHaveProperty('copy_action');
      expect(Object.keys(resources(json, 'aws_backup_vault'))).toHaveLength(1);
      expect(json.provider?.['aws']).toHaveLength(1);
      expect(json.output?.['backup_copy_vault_arns']?.['value']).toEqual([]);
    }
  });

  it('copies to every DR region when several DR environments recover production', async () => {
    const [p, d] = AWS_PAIR;
    const two = await resolveFixture([
      p!,
      d!,
      { name: 'dr-usw1', cloud: 'aws', region: 'us-west-1', role: 'dr', tier: 'production', recovers: p!.name },
    ]);
    const env = two.get(p!.name)!;
    expect(env.backup.copyRegions).toEqual(['us-west-1', 'us-west-2']);
    const json = await synthToJson(REPO_ROOT, env);
    const copies = rule(json).copy_action ?? [];
    expect(copies.map((c) => regionOf(json, vaultOf(json, c.destination_vault_arn)[1])).sort()).toEqual(['us-west-1', 'us-west-2']);
    expect(json.output?.['backup_copy_vault_arns']?.['value']).toEqual(copies.map((c) => c.destination_vault_arn));
    expect(json.output?.['backup_location']?.['value']).toBe('us-west-1');
  });

  it('failing back under backup & restore, copies the restored dr environment backups into the production region (vault, key, copy action)', async () => {
    const [p, d, st] = AWS_PAIR;
    const reversed = await resolveFixture([
      { ...p!, failback: { step: 'reprotect' } },
      { ...d!, failover: { step: 'restore', snapshot: 'copy-1' } },
      st!,
    ]);
    const env = reversed.get(d!.name)!;
    expect(env.backup.copyRegions).toEqual(['us-east-1']);
    const json = await synthToJson(REPO_ROOT, env);
    const copies = rule(json).copy_action ?? [];
    expect(copies).toHaveLength(1);
    const [id, vault] = vaultOf(json, copies[0]!.destination_vault_arn);
    expect(id).toMatch(/copy-vault-us-east-1/);
    expect(vault['provider']).toBe('aws.us_east_1');
    expect(regionOf(json, vault)).toBe(p!.region);
    expect(vault['name']).toBe(namer(env.platform, env.name)('aws.backupVault', 'copy', 'us-east-1'));
    const key = keyOf(json, String(vault['kms_key_arn']));
    expect(key['provider']).toBe('aws.us_east_1');
    // the restored database is a primary: it is selected, so its backups are taken and copied back
    const selected = Object.values(resources(json, 'aws_backup_selection')).flatMap((s) => (s['resources'] as string[] | undefined) ?? []);
    expect(selected.some((r) => /^\$\{aws_db_instance\.database_instance_\w+\.arn\}$/.test(r))).toBe(true);
    // and the database's automated backups are replicated there too, with a key of that region
    const repl = Object.values(resources(json, 'aws_db_instance_automated_backups_replication'));
    expect(repl.map((r) => r['provider'])).toEqual(['aws.us_east_1']);
    // the production environment itself is unchanged by reprotect: still copying toward the DR region
    const prodJson = await synthToJson(REPO_ROOT, reversed.get(p!.name)!);
    expect(prodJson).toEqual(statelessProd);
  });

  it('runs on the schedule derived from the RPO, keeps backups for retentionDays and never moves them to cold storage', () => {
    for (const [env, json] of [
      [prodEnv, prod],
      [drEnv, dr],
      [stagingEnv, staging],
    ] as const) {
      const r = rule(json);
      expect(r.schedule).toBe(env.backup.awsCron);
      expect(r.start_window).toBe(60);
      expect(r.completion_window).toBeGreaterThan(r.start_window);
      expect(r.lifecycle).toEqual({ delete_after: 35 });
      for (const c of r.copy_action ?? []) expect(c.lifecycle).not.toHaveProperty('cold_storage_after');
      expect(r.recovery_point_tags['parity:environment']).toBe(env.name);
    }
    expect(rule(prod).schedule).toBe('cron(0 0/3 * * ? *)');
  });

  it('runs as a role AWS Backup can assume, with partition-aware managed policies', () => {
    const [roleId, role] = Object.entries(resources(prod, 'aws_iam_role')).find(([k]) => k.startsWith('backup_'))!;
    expect(JSON.parse(String(role['assume_role_policy']))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    const partition = Object.keys(prod.data?.['aws_partition'] ?? {}).find((k) => k.startsWith('backup_'));
    const attached = Object.values(resources(prod, 'aws_iam_role_policy_attachment'))
      .filter((a) => a['role'] === `\${aws_iam_role.${roleId}.name}`)
      .map((a) => a['policy_arn'])
      .sort();
    expect(attached).toEqual([
      `arn:\${data.aws_partition.${partition}.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup`,
      `arn:\${data.aws_partition.${partition}.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores`,
    ]);
    for (const s of Object.values(resources(prod, 'aws_backup_selection')))
      expect(s['iam_role_arn']).toBe(`\${aws_iam_role.${roleId}.arn}`);
  });

  it('selects the database and every resource tagged parity:backup with the environment name', () => {
    const [planId] = only(prod, 'aws_backup_plan');
    const selections = Object.values(resources(prod, 'aws_backup_selection'));
    expect(selections).toHaveLength(2);
    for (const s of selections) expect(s['plan_id']).toBe(`\${aws_backup_plan.${planId}.id}`);
    const [dbId, db] = only(prod, 'aws_db_instance');
    expect(selections.find((s) => s['resources'])?.['resources']).toEqual([`\${aws_db_instance.${dbId}.arn}`]);
    expect(selections.find((s) => s['selection_tag'])?.['selection_tag']).toEqual([
      { type: 'STRINGEQUALS', key: 'parity:backup', value: prodEnv.name },
    ]);
    // The database bundle tags its instance with the same tag.
    expect((db['tags'] as Record<string, string>)['parity:backup']).toBe(prodEnv.name);
  });

  /** The backup bundle of staging deployed alone, handed the database's exports (its ARN and its mode). */
  const alone = (mode: string, includeClusterVolumes: boolean): TerraformJson => {
    const bundle = stagingEnv.bundles.find((b) => b.name === 'backup')!;
    const stack = new TerraformStack(Testing.app(), `alone-${mode}-${includeClusterVolumes}`);
    deploy(new Construct(stack, 'backup'), {
      env: stagingEnv,
      bundle,
      params: { ...(bundle.params as BackupParams), includeClusterVolumes },
      inputs: { database: { instanceArn: 'arn:aws:rds:us-east-1:123456789012:db:x', mode }, cluster: {} },
      name: namer(stagingEnv.platform, stagingEnv.name),
      tags: {},
      providerFor: (region) => {
        throw new Error(`unexpected provider for ${region}`);
      },
    });
    return JSON.parse(Testing.synth(stack)) as TerraformJson;
  };

  it("selects the database only when the database bundle's mode export says it is the primary", () => {
    const selected = (mode: string) => Object.values(resources(alone(mode, true), 'aws_backup_selection')).filter((s) => s['resources']);
    expect(selected('primary')).toHaveLength(1);
    expect(selected('replica')).toEqual([]);
    expect(selected('promoted')).toEqual([]);
  });

  it('selects no tagged volumes for a stateless cluster (volumes: none): only the database', () => {
    expect(Object.values(resources(statelessProd, 'aws_backup_selection')).map((s) => s['resources'] ?? s['selection_tag'])).toEqual([
      [`\${aws_db_instance.${Object.keys(resources(statelessProd, 'aws_db_instance'))[0]}.arn}`],
    ]);
  });

  it('selects only the database when includeClusterVolumes is off', () => {
    const json = alone('primary', false);
    expect(Object.values(resources(json, 'aws_backup_selection')).map((s) => s['resources'])).toEqual([
      ['arn:aws:rds:us-east-1:123456789012:db:x'],
    ]);
  });

  it('names vaults, plan and selections with the naming helper, within the AWS Backup limits', () => {
    const name = namer(prodEnv.platform, prodEnv.name);
    const [, plan] = only(prod, 'aws_backup_plan');
    expect(plan['name']).toBe(name('aws.backupPlan', 'plan'));
    expect(vaultOf(prod, rule(prod).target_vault_name)[1]['name']).toBe(name('aws.backupVault', 'vault'));
    const names = [
      plan['name'],
      ...Object.values(resources(prod, 'aws_backup_vault')).map((v) => v['name']),
      ...Object.values(resources(prod, 'aws_backup_selection')).map((s) => s['name']),
    ].map(String);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(NAME_RULES['aws.backupVault'].max);
    expect(
      Object.values(resources(prod, 'aws_backup_selection'))
        .map((s) => s['name'])
        .sort(),
    ).toEqual([name('aws.backupSelection', 'database'), name('aws.backupSelection', 'tagged')]);
  });

  it('exports the vault, plan, copy vaults and where backups are kept', () => {
    const [planId] = only(prod, 'aws_backup_plan');
    const [vaultId] = vaultOf(prod, rule(prod).target_vault_name);
    const out = prod.output!;
    expect(out['backup_vault_arn']?.['value']).toBe(`\${aws_backup_vault.${vaultId}.arn}`);
    expect(out['backup_plan_id']?.['value']).toBe(`\${aws_backup_plan.${planId}.id}`);
    expect(out['backup_copy_vault_arns']?.['value']).toEqual([rule(prod).copy_action![0]!.destination_vault_arn]);
    expect(out['backup_location']?.['value']).toBe('us-west-2');
    expect(dr.output?.['backup_location']?.['value']).toBe(drEnv.region);
    expect(staging.output?.['backup_location']?.['value']).toBe(stagingEnv.region);
  });

  it('keeps the Terraform addresses of the vaults', () => {
    // Renaming the construct IDs `vault` or `copy-vault-<region>` replaces a vault, which AWS
    // refuses while it holds recovery points. Never change them.
    expect(Object.keys(resources(prod, 'aws_backup_vault')).sort()).toEqual([
      'backup_copy-vault-us-west-2_734A9FA8',
      'backup_vault_A3268EAD',
    ]);
  });
});
