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
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import type { TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { inputString, type DeployContext, type Exports } from '@parity/model';
import type { BackupParams } from './index.js';

const SERVICE_ROLE_POLICIES = ['AWSBackupServiceRolePolicyForBackup', 'AWSBackupServiceRolePolicyForRestores'] as const;

/** Minutes a scheduled job may wait to start, and to finish. */
const START_WINDOW_MINUTES = 60;
const COMPLETION_WINDOW_MINUTES = 180;

/** The tag that puts a resource (cluster volumes, the database) into this environment's backups. */
const BACKUP_TAG = 'parity:backup';

export function deploy(scope: Construct, ctx: DeployContext<BackupParams, TerraformProvider>): Exports {
  const p = ctx.params;
  const env = ctx.env;
  const instanceArn = inputString(ctx, 'database', 'instanceArn');
  const partition = new DataAwsPartition(scope, 'partition', {});

  const key = new KmsKey(scope, 'key', {
    description: `${env.platform} ${env.name}: backup vault`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
  });
  new KmsAlias(scope, 'key-alias', { name: `alias/${ctx.name('aws.kmsAlias', 'backup')}`, targetKeyId: key.keyId });
  const vault = new BackupVault(scope, 'vault', { name: ctx.name('aws.backupVault', 'vault'), kmsKeyArn: key.arn });
  lock(scope, 'vault-lock', vault, p.retentionDays);

  // Vaults in the DR regions, each with a key of its own region.
  const copyVaults = env.backup.copyRegions.map((region) => {
    const provider = ctx.providerFor(region);
    const copyKey = new KmsKey(scope, `copy-key-${region}`, {
      provider,
      description: `${env.platform} ${env.name}: backup copies in ${region}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(scope, `copy-key-alias-${region}`, {
      provider,
      name: `alias/${ctx.name('aws.kmsAlias', 'backup', 'copy', region)}`,
      targetKeyId: copyKey.keyId,
    });
    const copyVault = new BackupVault(scope, `copy-vault-${region}`, {
      provider,
      name: ctx.name('aws.backupVault', 'copy', region),
      kmsKeyArn: copyKey.arn,
    });
    lock(scope, `copy-vault-lock-${region}`, copyVault, p.copyRetentionDays, provider);
    return copyVault;
  });

  const role = new IamRole(scope, 'role', {
    name: ctx.name('aws.iamRole', 'backup'),
    description: `${env.name}: AWS Backup service role`,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  const attachments = SERVICE_ROLE_POLICIES.map(
    (policy) =>
      new IamRolePolicyAttachment(scope, `role-${policy}`, {
        role: role.name,
        policyArn: `arn:${partition.partition}:iam::aws:policy/service-role/${policy}`,
      }),
  );

  const plan = new BackupPlan(scope, 'plan', {
    name: ctx.name('aws.backupPlan', 'plan'),
    rule: [
      {
        ruleName: 'scheduled',
        targetVaultName: vault.name,
        schedule: env.backup.awsCron,
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

  // A read replica (a dr environment under pilot light or warm standby) is not backed up here:
  // its source's backups already reach this region, and it is backed up once it is the primary.
  if (inputString(ctx, 'database', 'mode') === 'primary') {
    new BackupSelection(scope, 'database', {
      name: ctx.name('aws.backupSelection', 'database'),
      planId: plan.id,
      iamRoleArn: role.arn,
      resources: [instanceArn],
      dependsOn: attachments,
    });
  }
  if (p.includeClusterVolumes) {
    new BackupSelection(scope, 'tagged', {
      name: ctx.name('aws.backupSelection', 'tagged'),
      planId: plan.id,
      iamRoleArn: role.arn,
      selectionTag: [{ type: 'STRINGEQUALS', key: BACKUP_TAG, value: env.name }],
      dependsOn: attachments,
    });
  }

  return {
    vaultArn: vault.arn,
    planId: plan.id,
    copyVaultArns: copyVaults.map((v) => v.arn),
    location: env.backup.copyRegions[0] ?? env.region,
  };
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
