/**
 * AWS backups: a KMS-encrypted vault in the environment's region, a plan on the schedule derived
 * from the RPO, and, for every DR environment that recovers this one, a vault in the DR region
 * (created here, through an aliased provider) that each backup is copied to. So the copies are
 * in the DR region long before the DR environment is ever applied.
 *
 * Construct IDs are public API: renaming `vault` or a `copy-vault-<region>` replaces a vault,
 * which AWS refuses while it holds recovery points.
 */
import { BackupPlan } from '@cdktf/provider-aws/lib/backup-plan/index.js';
import { BackupSelection } from '@cdktf/provider-aws/lib/backup-selection/index.js';
import { BackupVaultLockConfiguration } from '@cdktf/provider-aws/lib/backup-vault-lock-configuration/index.js';
import { BackupVault } from '@cdktf/provider-aws/lib/backup-vault/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import type { TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { awsKey } from '@parity/constructs/aws';
import { destroyedWithContent, inputString, type DeployContext, type Exports } from '@parity/model';
import { clusterVolumes, type BackupParams } from './index.js';

const SERVICE_ROLE_POLICIES = ['AWSBackupServiceRolePolicyForBackup', 'AWSBackupServiceRolePolicyForRestores'] as const;

/** Minutes a scheduled job may wait to start, and to finish. */
const START_WINDOW_MINUTES = 60;
const COMPLETION_WINDOW_MINUTES = 180;

/** The tag that puts a resource (cluster volumes, the database) into this environment's backups. */
const BACKUP_TAG = 'parity:backup';

type Ctx = DeployContext<BackupParams, TerraformProvider>;

export function deploy(scope: Construct, ctx: Ctx): Exports {
  const env = ctx.env;
  const instanceArn = inputString(ctx, 'database', 'instanceArn');
  const partition = new DataAwsPartition(scope, 'partition', {}).partition;
  const vault = primaryVault(scope, ctx);
  const copyVaults = env.backup.copyRegions.map((region) => copyVault(scope, ctx, region));
  const role = serviceRole(scope, ctx, partition);
  const plan = createPlan(scope, ctx, vault, copyVaults);
  selections(scope, ctx, plan, role, instanceArn);
  return {
    vaultArn: vault.arn,
    planId: plan.id,
    copyVaultArns: copyVaults.map((v) => v.arn),
    location: env.backup.copyRegions[0] ?? env.region,
  };
}

/** The environment's vault, encrypted with a key of its own and locked for the retention. */
function primaryVault(scope: Construct, ctx: Ctx): BackupVault {
  const key = awsKey(scope, 'key', ctx, { purpose: 'backup vault', alias: ['backup'] });
  const vault = new BackupVault(scope, 'vault', {
    name: ctx.name('aws.backupVault', 'vault'),
    kmsKeyArn: key.arn,
    ...destroyedWithContent(ctx.env),
  });
  lock(scope, 'vault-lock', vault, ctx.params.retentionDays);
  return vault;
}

/** A vault in a DR region, through that region's provider, with a key of that region, locked for the copies' retention. */
function copyVault(scope: Construct, ctx: Ctx, region: string): BackupVault {
  const provider = ctx.providerFor(region);
  const key = awsKey(scope, `copy-key-${region}`, ctx, {
    purpose: `backup copies in ${region}`,
    alias: ['backup', 'copy', region],
    aliasId: `copy-key-alias-${region}`,
    provider,
  });
  const vault = new BackupVault(scope, `copy-vault-${region}`, {
    provider,
    name: ctx.name('aws.backupVault', 'copy', region),
    kmsKeyArn: key.arn,
  });
  lock(scope, `copy-vault-lock-${region}`, vault, ctx.params.copyRetentionDays, provider);
  return vault;
}

/** AWS Backup's service role, with the managed policies for backups and restores (ARNs built from the partition). */
function serviceRole(scope: Construct, ctx: Ctx, partition: string): { role: IamRole; attachments: IamRolePolicyAttachment[] } {
  const role = new IamRole(scope, 'role', {
    name: ctx.name('aws.iamRole', 'backup'),
    description: `${ctx.env.name}: AWS Backup service role`,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  const attachments = SERVICE_ROLE_POLICIES.map(
    (policy) =>
      new IamRolePolicyAttachment(scope, `role-${policy}`, {
        role: role.name,
        policyArn: `arn:${partition}:iam::aws:policy/service-role/${policy}`,
      }),
  );
  return { role, attachments };
}

/** The plan: one rule on the schedule derived from the RPO, copying each backup to every DR vault. */
function createPlan(scope: Construct, ctx: Ctx, vault: BackupVault, copyVaults: readonly BackupVault[]): BackupPlan {
  const p = ctx.params;
  return new BackupPlan(scope, 'plan', {
    name: ctx.name('aws.backupPlan', 'plan'),
    rule: [
      {
        ruleName: 'scheduled',
        targetVaultName: vault.name,
        schedule: ctx.env.backup.awsCron,
        startWindow: START_WINDOW_MINUTES,
        completionWindow: COMPLETION_WINDOW_MINUTES,
        // No cold storage: AWS would then require delete_after >= cold_storage_after + 90.
        lifecycle: { deleteAfter: p.retentionDays },
        recoveryPointTags: { ...ctx.tags },
        ...(copyVaults.length > 0
          ? { copyAction: copyVaults.map((v) => ({ destinationVaultArn: v.arn, lifecycle: { deleteAfter: p.copyRetentionDays } })) }
          : {}),
      },
    ],
  });
}

/**
 * What the plan backs up: the database, unless it is a read replica (a dr environment under pilot
 * light or warm standby: its source's backups already reach this region, and it is backed up once
 * it is the primary); and, with `includeClusterVolumes`, every resource tagged for this environment.
 */
function selections(scope: Construct, ctx: Ctx, plan: BackupPlan, service: ReturnType<typeof serviceRole>, instanceArn: string): void {
  const common = { planId: plan.id, iamRoleArn: service.role.arn, dependsOn: service.attachments };
  if (inputString(ctx, 'database', 'mode') === 'primary') {
    new BackupSelection(scope, 'database', { name: ctx.name('aws.backupSelection', 'database'), resources: [instanceArn], ...common });
  }
  if (ctx.params.includeClusterVolumes && clusterVolumes(ctx) === 'backup') {
    new BackupSelection(scope, 'tagged', {
      name: ctx.name('aws.backupSelection', 'tagged'),
      selectionTag: [{ type: 'STRINGEQUALS', key: BACKUP_TAG, value: ctx.env.name }],
      ...common,
    });
  }
}

/**
 * A vault lock in governance mode (no `changeable_for_days`): no recovery point can be deleted
 * before `minDays`, the retention the plan gives it, by anyone without
 * `backup:DeleteBackupVaultLockConfiguration`. Compliance mode would make it permanent, also for
 * the drill's teardown; policy rule PAR-RES-005 asks for a lock.
 */
function lock(scope: Construct, id: string, vault: BackupVault, minDays: number, provider?: TerraformProvider): void {
  new BackupVaultLockConfiguration(scope, id, {
    ...(provider ? { provider } : {}),
    backupVaultName: vault.name,
    minRetentionDays: minDays,
  });
}
