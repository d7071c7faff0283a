/**
 * AWS database: RDS for PostgreSQL in the private subnets, encrypted with a customer-managed KMS
 * key, master password generated and rotated by RDS in Secrets Manager (never in Terraform),
 * point-in-time recovery within `backupRetentionDays`, and tagged for AWS Backup.
 *
 * With `replicateBackupsToDr`, RDS also replicates the automated backups and transaction logs to
 * every DR region (`ctx.env.backup.copyRegions`), encrypted there with a key of that region, so a
 * DR environment can restore to any point in time within the retention, not only to the last
 * AWS Backup copy. Only some region pairs offer it; resolution refuses the others before synth.
 *
 * Construct IDs are public API: renaming `instance` (or moving it to another scope) makes
 * Terraform replace the database, which loses its data. `aws.test.ts` pins the addresses.
 */
import { DbInstanceAutomatedBackupsReplication } from '@cdktf/provider-aws/lib/db-instance-automated-backups-replication/index.js';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance/index.js';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group/index.js';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Token, type TerraformProvider } from 'cdktf';
import type { Construct } from 'constructs';
import { inputList, inputString, type DeployContext, type Exports } from '@parity/model';
import type { DatabaseParams } from './index.js';

/** Instance classes by size. Graviton; Performance Insights works on all of them (not on t4g.micro/small). */
const INSTANCE_CLASS: Readonly<Record<DatabaseParams['size'], string>> = {
  small: 'db.t4g.medium',
  medium: 'db.r6g.large',
  large: 'db.r6g.xlarge',
  xlarge: 'db.r6g.2xlarge',
};

const PORT = 5432;

/** The VPC's address range, from the network bundle's resolved parameters (static, so plans show it). */
function vpcCidr(ctx: DeployContext<DatabaseParams, TerraformProvider>): string {
  const cidr = ctx.env.bundles.find((b) => b.name === 'network')?.params['cidr'];
  if (typeof cidr !== 'string') {
    throw new Error(`bundle database in ${ctx.env.name}: needs the network bundle's cidr to open port ${PORT} to the VPC, but the environment has no network bundle`);
  }
  return cidr;
}

export function deploy(scope: Construct, ctx: DeployContext<DatabaseParams, TerraformProvider>): Exports {
  const p = ctx.params;
  const networkId = inputString(ctx, 'network', 'networkId');
  const subnetIds = inputList(ctx, 'network', 'subnetIds');
  const restoring = p.restoreFromSnapshot !== undefined && p.restoreFromSnapshot !== '';

  const key = new KmsKey(scope, 'key', {
    description: `${ctx.env.platform} ${ctx.env.name}: database storage, Performance Insights and master user secret`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
  });
  new KmsAlias(scope, 'key-alias', { name: `alias/${ctx.name('aws.kmsAlias', 'database')}`, targetKeyId: key.keyId });

  const subnetGroup = new DbSubnetGroup(scope, 'subnets', {
    name: ctx.name('aws.dbSubnetGroup', 'db'),
    description: `${ctx.env.name} database: private subnets`,
    subnetIds,
  });

  const sg = new SecurityGroup(scope, 'sg', {
    name: ctx.name('aws.securityGroup', 'db'),
    description: `${ctx.env.name} database: PostgreSQL from inside the VPC`,
    vpcId: networkId,
    tags: { Name: ctx.name('aws.securityGroup', 'db') },
  });
  new VpcSecurityGroupIngressRule(scope, 'sg-postgres', {
    securityGroupId: sg.id,
    description: 'PostgreSQL from the VPC',
    ipProtocol: 'tcp',
    fromPort: PORT,
    toPort: PORT,
    cidrIpv4: vpcCidr(ctx),
  });

  // One group per major version (the family changes with it); TLS is required for every connection.
  const major = p.postgresVersion;
  const parameters = new DbParameterGroup(scope, 'parameters', {
    name: ctx.name('aws.dbParameterGroup', 'db', `pg${major}`),
    family: `postgres${major}`,
    description: `${ctx.env.name} database: PostgreSQL ${major} parameters`,
    parameter: [{ name: 'rds.force_ssl', value: '1', applyMethod: 'pending-reboot' }],
    lifecycle: { createBeforeDestroy: true },
  });

  const identifier = ctx.name('aws.dbInstance', 'db');
  const instance = new DbInstance(scope, 'instance', {
    identifier,
    engine: 'postgres',
    // A major version only (RDS picks the latest minor and upgrades it); raising postgresVersion
    // is a deliberate in-place major upgrade, which RDS refuses without this flag.
    engineVersion: major,
    allowMajorVersionUpgrade: true,
    autoMinorVersionUpgrade: true,
    instanceClass: INSTANCE_CLASS[p.size],
    parameterGroupName: parameters.name,

    allocatedStorage: p.storageGb,
    maxAllocatedStorage: p.storageGb * 4,
    storageType: 'gp3',
    storageEncrypted: true,
    // A restore keeps the snapshot's key (RDS cannot re-encrypt on restore); setting another
    // key here would make Terraform replace the restored instance.
    ...(restoring ? { snapshotIdentifier: p.restoreFromSnapshot } : { kmsKeyId: key.arn }),

    dbName: p.databaseName,
    username: p.username,
    manageMasterUserPassword: true,
    masterUserSecretKmsKeyId: key.arn,
    iamDatabaseAuthenticationEnabled: true,

    dbSubnetGroupName: subnetGroup.name,
    vpcSecurityGroupIds: [sg.id],
    publiclyAccessible: false,
    port: PORT,
    multiAz: p.highAvailability,

    backupRetentionPeriod: p.backupRetentionDays,
    copyTagsToSnapshot: true,
    deletionProtection: p.deletionProtection,
    skipFinalSnapshot: !p.deletionProtection,
    ...(p.deletionProtection ? { finalSnapshotIdentifier: ctx.name('aws.dbInstance', 'db', 'final') } : {}),
    // Protected databases keep their automated backups (and PITR) for the retention period after deletion.
    deleteAutomatedBackups: !p.deletionProtection,

    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: key.arn,
    performanceInsightsRetentionPeriod: 7,
    enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],

    tags: { Name: identifier, 'parity:backup': ctx.env.name },
  });

  // Replicated automated backups in each DR region, created through that region's provider (the
  // replication lives in the destination region). The copies are encrypted with a key of the
  // destination region: RDS cannot use a key of another region there.
  const replications = p.replicateBackupsToDr
    ? ctx.env.backup.copyRegions.map((region) => {
        const provider = ctx.providerFor(region);
        const replicaKey = new KmsKey(scope, `replica-key-${region}`, {
          provider,
          description: `${ctx.env.platform} ${ctx.env.name}: database automated backups replicated to ${region}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
        });
        new KmsAlias(scope, `replica-key-alias-${region}`, {
          provider,
          name: `alias/${ctx.name('aws.kmsAlias', 'database', 'replica', region)}`,
          targetKeyId: replicaKey.keyId,
        });
        return new DbInstanceAutomatedBackupsReplication(scope, `backups-replication-${region}`, {
          provider,
          sourceDbInstanceArn: instance.arn,
          kmsKeyId: replicaKey.arn,
          retentionPeriod: p.backupRetentionDays,
        });
      })
    : [];

  return {
    instanceId: instance.identifier,
    instanceArn: instance.arn,
    endpoint: instance.address,
    port: Token.asString(instance.port),
    kmsKeyArn: restoring ? instance.kmsKeyId : key.arn,
    secretArn: instance.masterUserSecret.get(0).secretArn,
    // The resource's id is the ARN of the replicated automated backup.
    replicatedBackupArns: replications.map((r) => r.id),
  };
}
