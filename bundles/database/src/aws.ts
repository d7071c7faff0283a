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
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { DbInstance, type DbInstanceConfig } from '@cdktf/provider-aws/lib/db-instance/index.js';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group/index.js';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { Fn, Token, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { awsKey } from '@parity/constructs/aws';
import { inputList, inputString, namer, type DeployContext, type Exports } from '@parity/model';
import type { DatabaseParams } from './index.js';
import { replicaSource } from './replica-source.js';

/** Instance classes by size. Graviton; Performance Insights works on all of them (not on t4g.micro/small). */
const INSTANCE_CLASS: Readonly<Record<DatabaseParams['size'], string>> = {
  small: 'db.t4g.medium',
  medium: 'db.r6g.large',
  large: 'db.r6g.xlarge',
  xlarge: 'db.r6g.2xlarge',
};

const PORT = 5432;
/** RDS publishes its metrics (ReplicaLag among them) every minute. */
const LAG_PERIOD_SECONDS = 60;

type DbInstanceConfigCommon = Omit<DbInstanceConfig, 'identifier' | 'tags'>;

interface Shared {
  readonly keyArn: string;
  readonly parameterGroup: string;
  readonly subnetGroup: string;
  readonly securityGroup: string;
}

/**
 * What every mode sets: the replica configuration. `promoted` is exactly this (the provider then
 * makes one PromoteReadReplica call and no ModifyDBInstance, terraform-provider-aws#4419), and
 * `primary` adds `primaryOnly` to it. ForceNew arguments (engine, kms_key_id, storage_encrypted)
 * are the same in every mode, so no step replaces the instance. A restore keeps the snapshot's
 * key (RDS cannot re-encrypt on restore); setting another key would make Terraform replace it.
 */
function instanceConfig(ctx: DeployContext<DatabaseParams, TerraformProvider>, s: Shared): DbInstanceConfigCommon {
  const p = ctx.params;
  const restoring = p.mode === 'primary' && p.restoreFromSnapshot !== undefined && p.restoreFromSnapshot !== '';
  return {
    engine: 'postgres',
    // A major version only (RDS picks the latest minor and upgrades it); raising postgresVersion
    // is a deliberate in-place major upgrade, which RDS refuses without this flag.
    engineVersion: p.postgresVersion,
    allowMajorVersionUpgrade: true,
    autoMinorVersionUpgrade: true,
    instanceClass: INSTANCE_CLASS[p.size],
    parameterGroupName: s.parameterGroup,
    allocatedStorage: p.storageGb,
    maxAllocatedStorage: p.storageGb * 4,
    storageType: 'gp3',
    storageEncrypted: true,
    ...(restoring ? { snapshotIdentifier: p.restoreFromSnapshot } : { kmsKeyId: s.keyArn }),
    iamDatabaseAuthenticationEnabled: true,
    dbSubnetGroupName: s.subnetGroup,
    vpcSecurityGroupIds: [s.securityGroup],
    publiclyAccessible: false,
    port: PORT,
    multiAz: p.highAvailability,
    copyTagsToSnapshot: true,
    deletionProtection: p.deletionProtection,
    skipFinalSnapshot: !p.deletionProtection,
    ...(p.deletionProtection ? { finalSnapshotIdentifier: finalSnapshotIdentifier(ctx) } : {}),
    // Protected databases keep their automated backups (and PITR) for the retention period after deletion.
    deleteAutomatedBackups: !p.deletionProtection,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: s.keyArn,
    performanceInsightsRetentionPeriod: 7,
    enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
  };
}

/**
 * The final snapshot's name: `<identifier>-final-<UTC creation time, YYYYMMDDhhmmss>`. The time is
 * Terraform's `timestamp()` when the instance is created, kept by `ignore_changes` (see
 * `LIFECYCLE`): every generation of the instance (re-created by a failover, a failback, a restore)
 * leaves a snapshot of its own, where a fixed `<identifier>-final` met the first generation's
 * (DBSnapshotAlreadyExists) on the second delete. The synthesized text is the same for the same
 * inputs; an instance created before this keeps the name its state holds.
 */
function finalSnapshotIdentifier(ctx: DeployContext<DatabaseParams, TerraformProvider>): string {
  return `${ctx.name('aws.dbInstance', 'db', 'final')}-${Fn.formatdate('YYYYMMDDhhmmss', Fn.timestamp())}`;
}

/**
 * Arguments read when the instance is created, and never again:
 * - `snapshot_identifier` is ForceNew in the provider: without this, removing a restore source
 *   (a failover's or failback's section going away) would replace the restored database with an
 *   empty one. Re-creating an existing instance from a snapshot is an explicit
 *   `terraform plan -replace=<address>`, which `pnpm failback` and the runbooks print.
 * - `final_snapshot_identifier`: its creation time stays the instance's (see finalSnapshotIdentifier).
 */
const LIFECYCLE = { ignoreChanges: ['snapshot_identifier', 'final_snapshot_identifier'] };

/**
 * What only a standalone instance sets: a replica takes its database, user and backups from its
 * source, and may not set them (username and db_name conflict with replicate_source_db). After a
 * promotion the instance already has the source's username and db_name (ForceNew, Computed): the
 * definition makes them the same everywhere, so these values match and Terraform modifies in place.
 */
function primaryOnly(ctx: DeployContext<DatabaseParams, TerraformProvider>, keyArn: string): Partial<DbInstanceConfig> {
  const p = ctx.params;
  return {
    dbName: p.databaseName,
    username: p.username,
    manageMasterUserPassword: true,
    masterUserSecretKmsKeyId: keyArn,
    backupRetentionPeriod: p.backupRetentionDays,
  };
}

/**
 * The ARN of the database this replica copies: built from the partition and account of this
 * stack's credentials and the naming helper for the source environment. Nothing is read from the
 * source region, so the DR environment plans and applies while that region is down.
 */
function replicaSourceArn(scope: Construct, ctx: DeployContext<DatabaseParams, TerraformProvider>): string {
  const source = replicaSource(ctx);
  const partition = new DataAwsPartition(scope, 'partition', {});
  const account = new DataAwsCallerIdentity(scope, 'account', {});
  const sourceId = namer(ctx.env.platform, source.name)('aws.dbInstance', 'db');
  return `arn:${partition.partition}:rds:${source.region}:${account.accountId}:db:${sourceId}`;
}

/**
 * The replica's lag alarm: ReplicaLag above the policy's budget (`replicaLagSeconds`, which is the
 * database's RPO under a replica strategy) for one minute. RDS publishes ReplicaLag every minute, so
 * a period of 60 s and one evaluation is the soonest CloudWatch can tell; `pnpm check` reads the
 * threshold back as the replica's RPO. Missing data is breaching: a replica that stopped reporting
 * is not known to be current.
 */
function replicaLagAlarm(scope: Construct, ctx: DeployContext<DatabaseParams, TerraformProvider>, identifier: string): void {
  const budget = ctx.env.dr.replicaLagSeconds;
  new CloudwatchMetricAlarm(scope, 'replica-lag', {
    alarmName: `${identifier}-replica-lag`,
    alarmDescription: `${ctx.env.name}: the replica of ${ctx.env.dr.replicaSource?.name} lags more than ${budget} s (policy ${ctx.env.dr.policy}: the database's RPO)`,
    namespace: 'AWS/RDS',
    metricName: 'ReplicaLag',
    dimensions: { DBInstanceIdentifier: identifier },
    statistic: 'Maximum',
    period: LAG_PERIOD_SECONDS,
    evaluationPeriods: 1,
    threshold: budget,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'breaching',
  });
}

/** The instance's own subnet group, security group (PostgreSQL from the VPC) and parameter group. */
function placement(scope: Construct, ctx: DeployContext<DatabaseParams, TerraformProvider>) {
  const networkId = inputString(ctx, 'network', 'networkId');
  const subnetIds = inputList(ctx, 'network', 'subnetIds');
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
    // the range as the network exports it (written as a literal there, so plans show it)
    cidrIpv4: inputString(ctx, 'network', 'cidr'),
  });

  // One group per major version (the family changes with it); TLS is required for every connection.
  const major = ctx.params.postgresVersion;
  const parameters = new DbParameterGroup(scope, 'parameters', {
    name: ctx.name('aws.dbParameterGroup', 'db', `pg${major}`),
    family: `postgres${major}`,
    description: `${ctx.env.name} database: PostgreSQL ${major} parameters`,
    parameter: [{ name: 'rds.force_ssl', value: '1', applyMethod: 'pending-reboot' }],
    lifecycle: { createBeforeDestroy: true },
  });

  return { subnetGroup, sg, parameters };
}

export function deploy(scope: Construct, ctx: DeployContext<DatabaseParams, TerraformProvider>): Exports {
  const p = ctx.params;
  const restoring = p.mode === 'primary' && p.restoreFromSnapshot !== undefined && p.restoreFromSnapshot !== '';
  const key = awsKey(scope, 'key', ctx, { purpose: 'database storage, Performance Insights and master user secret', alias: ['database'] });
  const instance = createInstance(scope, ctx, key.arn);
  const replications = backupReplications(scope, ctx, instance);
  return {
    instanceId: instance.identifier,
    instanceArn: instance.arn,
    endpoint: instance.address,
    port: Token.asString(instance.port),
    kmsKeyArn: restoring ? instance.kmsKeyId : key.arn,
    // A replica (and a just-promoted one) has no master user secret until the primary configuration is applied.
    secretArn: p.mode === 'primary' ? instance.masterUserSecret.get(0).secretArn : '',
    // The resource's id is the ARN of the replicated automated backup.
    replicatedBackupArns: replications.map((r) => r.id),
    // the parameter as written, not a reference: the backup bundle decides from it what to select
    mode: p.mode,
  };
}

/** The instance in its own subnet group, security group and parameter group; a replica's lag alarm. */
function createInstance(scope: Construct, ctx: DeployContext<DatabaseParams, TerraformProvider>, keyArn: string): DbInstance {
  const p = ctx.params;
  const { subnetGroup, sg, parameters } = placement(scope, ctx);
  const identifier = ctx.name('aws.dbInstance', 'db');
  const instance = new DbInstance(scope, 'instance', {
    identifier,
    ...instanceConfig(ctx, { keyArn, parameterGroup: parameters.name, subnetGroup: subnetGroup.name, securityGroup: sg.id }),
    ...(p.mode === 'replica' ? { replicateSourceDb: replicaSourceArn(scope, ctx) } : {}),
    ...(p.mode === 'primary' ? primaryOnly(ctx, keyArn) : {}),
    // Only a primary carries the backup tag: a replica is not backed up (see the backup bundle).
    tags: { Name: identifier, ...(p.mode === 'primary' ? { 'parity:backup': ctx.env.name } : {}) },
    lifecycle: LIFECYCLE,
  });
  if (p.mode === 'replica') replicaLagAlarm(scope, ctx, identifier);
  return instance;
}

/**
 * Replicated automated backups in each DR region, created through that region's provider (the
 * replication lives in the destination region). The copies are encrypted with a key of the
 * destination region: RDS cannot use a key of another region there. A replica (and a just-promoted
 * one) keeps no automated backups of its own, so there is nothing to replicate until it is a primary.
 */
function backupReplications(
  scope: Construct,
  ctx: DeployContext<DatabaseParams, TerraformProvider>,
  instance: DbInstance,
): DbInstanceAutomatedBackupsReplication[] {
  const p = ctx.params;
  if (!p.replicateBackupsToDr || p.mode !== 'primary') return [];
  return ctx.env.backup.copyRegions.map((region) => {
    const provider = ctx.providerFor(region);
    const replicaKey = awsKey(scope, `replica-key-${region}`, ctx, {
      purpose: `database automated backups replicated to ${region}`,
      alias: ['database', 'replica', region],
      aliasId: `replica-key-alias-${region}`,
      provider,
    });
    return new DbInstanceAutomatedBackupsReplication(scope, `backups-replication-${region}`, {
      provider,
      sourceDbInstanceArn: instance.arn,
      kmsKeyId: replicaKey.arn,
      retentionPeriod: p.backupRetentionDays,
    });
  });
}
