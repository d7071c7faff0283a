/**
 * GCP database: Cloud SQL for PostgreSQL on a private IP only, regional HA when asked, automated
 * backups with point-in-time recovery, kept in `ctx.env.backup.location`.
 *
 * Disaster recovery: `ctx.env.backup.location` is the DR region when the environment has a DR
 * target (else its own region); both lie inside the environment's jurisdiction. Keeping the
 * automated backups there means they already sit where a DR environment restores them. The
 * backup bundle relies on this (it has nothing to copy for Cloud SQL), and adds on-demand backups
 * into the same location on the schedule derived from the RPO, since automated backups run daily.
 * `replicateBackupsToDr` (RDS automated-backups replication) has no Cloud SQL equivalent and is
 * ignored here: it must match across environments, so refusing it would break mixed platforms.
 *
 * Credentials: no `google_sql_user` and no password anywhere. Applications sign in with IAM
 * database authentication (`cloudsql.iam_authentication`); IAM users are added outside Terraform
 * state, so no secret lands in it.
 *
 * Encryption: a customer-managed key (`encryption_key_name`) in the instance's region (a replica's
 * in the replica's region, in its own environment), which the project's Cloud SQL service agent
 * may use. The GA provider has no `google_project_service_identity`, so the agent is named by its
 * documented email pattern on the project number; it exists once the project has used the Cloud
 * SQL Admin API for CMEK (`gcloud beta services identity create --service=sqladmin.googleapis.com`
 * creates it ahead of the first apply). The instance waits for the grant. Cloud SQL takes a key
 * only at creation: an instance created without one is replaced (docs/guardrails.md, "Customer-managed keys").
 *
 * Construct IDs are public API: the instance's Terraform address is pinned in gcp.test.ts, because
 * changing it destroys the database.
 */
import type { Construct } from 'constructs';
import { DefaultTokenResolver, StringConcat, Tokenization, type TerraformProvider } from 'cdktn';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import { SqlDatabase } from '@cdktf/provider-google/lib/sql-database/index.js';
import { SqlDatabaseInstance, type SqlDatabaseInstanceSettings } from '@cdktf/provider-google/lib/sql-database-instance/index.js';
import { environmentProject, gcpKey, projectNumber, serviceAgents } from '@parity/constructs/gcp';
import { assertRules, backupLocation, inputString, namer, type DeployContext, type Exports } from '@parity/model';
import { bundle, type DatabaseParams } from './index.js';
import { replicaSource } from './replica-source.js';

/** Cloud SQL Enterprise custom machine types (vCPU, memory MiB) per size. */
export const TIERS: Record<DatabaseParams['size'], string> = {
  small: 'db-custom-2-7680',
  medium: 'db-custom-4-15360',
  large: 'db-custom-8-30720',
  xlarge: 'db-custom-16-61440',
};

/** Cloud SQL's storage ceiling, GiB. */
const MAX_STORAGE_GB = 65536;
/** Enterprise edition keeps at most 7 days of transaction logs. */
const MAX_TRANSACTION_LOG_DAYS = 7;
const CONNECTION_TYPE = 'google_service_networking_connection';

/**
 * The Terraform address of the resource a reference token points at. Used to make the instance
 * wait for the private service access peering, which it does not otherwise reference.
 */
function addressOf(scope: Construct, token: string, type: string, what: string): string {
  const resolved: unknown = Tokenization.resolve(token, {
    scope,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
  const m = typeof resolved === 'string' ? /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(resolved) : null;
  if (!m || m[1] !== type) {
    throw new Error(`database: ${what} must be a reference to a ${type} resource in the same stack; got ${JSON.stringify(resolved)}`);
  }
  return `${m[1]}.${m[2]}`;
}

/**
 * Per mode: `replica` is a cross-region read replica of the source environment's instance
 * (`master_instance_name` = its project:name; a PostgreSQL replica needs no replica_configuration,
 * whose fields are MySQL's). Cloud SQL refuses backups and point-in-time recovery on a replica.
 * `promoted` is the same instance with `instance_type = CLOUD_SQL_INSTANCE` and no master, which
 * the provider turns into one promoteReplica call; `primary` then turns backups on in place.
 */
function replicaSettings(ctx: DeployContext<DatabaseParams, TerraformProvider>): { instance: Record<string, string>; backups: boolean } {
  const p = ctx.params;
  if (p.mode === 'primary') return { instance: {}, backups: true };
  if (p.mode === 'promoted') return { instance: { instanceType: 'CLOUD_SQL_INSTANCE' }, backups: false };
  const source = replicaSource(ctx);
  const master = namer(ctx.env.platform, source.name)('gcp.sqlInstance', 'postgres');
  return { instance: { masterInstanceName: `${source.gcpProject}:${master}`, instanceType: 'READ_REPLICA_INSTANCE' }, backups: false };
}

type Ctx = DeployContext<DatabaseParams, TerraformProvider>;
type Replica = ReturnType<typeof replicaSettings>;

/**
 * The replica's lag alert: Cloud SQL's `database/replication/replica_lag` (seconds, "the replica
 * can't apply replication changes fast enough", https://cloud.google.com/sql/docs/postgres/replication/replication-lag)
 * above the policy's budget (`replicaLagSeconds`, the database's RPO under a replica strategy) for
 * a minute. `pnpm check` reads the threshold back as the replica's RPO. Notification channels are
 * the platform team's to add (`transform:` on the policy, or their own alerting).
 */
function replicaLagAlert(scope: Construct, ctx: Ctx, project: string): void {
  const budget = ctx.env.dr.replicaLagSeconds;
  new MonitoringAlertPolicy(scope, 'replica-lag', {
    project,
    displayName: `${ctx.env.name}: replica of ${ctx.env.dr.replicaSource?.name} lags more than ${budget} s`,
    combiner: 'OR',
    conditions: [
      {
        displayName: `replica_lag above ${budget} s (policy ${ctx.env.dr.policy}: the database's RPO)`,
        conditionThreshold: {
          filter: `resource.type = "cloudsql_database" AND resource.labels.database_id = "${project}:${ctx.name('gcp.sqlInstance', 'postgres')}" AND metric.type = "cloudsql.googleapis.com/database/replication/replica_lag"`,
          comparison: 'COMPARISON_GT',
          thresholdValue: budget,
          duration: '60s',
          aggregations: [{ alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_MAX' }],
        },
      },
    ],
    userLabels: { ...ctx.tags },
  });
}

export function deploy(scope: Construct, ctx: Ctx): Exports {
  const p = ctx.params;
  const env = ctx.env;
  const location = backupLocation(ctx);
  const replica = replicaSettings(ctx);
  // Resolution reports this (restoreFromSnapshot on GCP) with file and field; asserted again for callers that bypass it.
  assertRules(
    'database',
    bundle.rules!(p, {
      cloud: 'gcp',
      region: env.region,
      jurisdiction: env.jurisdiction,
      backupIntervalMinutes: env.backup.intervalMinutes,
    }),
  );
  const networkId = inputString(ctx, 'network', 'networkId');
  // The instance only references the network; without an explicit dependency Terraform could create
  // it before the peering exists and Cloud SQL would refuse the private IP.
  const psa = addressOf(scope, inputString(ctx, 'network', 'privateServiceAccess'), CONNECTION_TYPE, 'network.privateServiceAccess');
  const project = environmentProject(ctx, "the instance's key needs one");
  // The instance's key, in its region, usable by the project's Cloud SQL service agent.
  const cmek = gcpKey(scope, ctx, { project, location: env.region, users: serviceAgents(['cloud-sql'], projectNumber(scope, project)) });
  const instance = new SqlDatabaseInstance(scope, 'instance', {
    name: ctx.name('gcp.sqlInstance', 'postgres'),
    databaseVersion: `POSTGRES_${p.postgresVersion}`,
    region: env.region,
    deletionProtection: p.deletionProtection,
    encryptionKeyName: cmek.key.id,
    ...replica.instance,
    dependsOn: [{ fqn: psa }, ...cmek.grants],
    settings: instanceSettings(ctx, { replica, location, networkId }),
  });
  if (p.mode === 'replica') replicaLagAlert(scope, ctx, project);
  createDatabase(scope, ctx, instance, replica);
  return {
    instanceId: instance.name,
    endpoint: instance.privateIpAddress,
    port: '5432',
    connectionName: instance.connectionName,
    mode: p.mode,
  };
}

/** Size, availability, storage, backups (none on a replica), private IP only, flags, insights and maintenance. */
function instanceSettings(ctx: Ctx, o: { replica: Replica; location: string; networkId: string }): SqlDatabaseInstanceSettings {
  const p = ctx.params;
  return {
    tier: TIERS[p.size],
    edition: 'ENTERPRISE',
    availabilityType: p.highAvailability ? 'REGIONAL' : 'ZONAL',
    diskType: 'PD_SSD',
    diskSize: p.storageGb,
    diskAutoresize: true,
    diskAutoresizeLimit: Math.min(p.storageGb * 4, MAX_STORAGE_GB),
    deletionProtectionEnabled: p.deletionProtection,
    // Protected instances keep their automated backups if the instance is deleted anyway.
    retainBackupsOnDelete: p.deletionProtection,
    // Provider default_labels do not reach Cloud SQL's user_labels, so set them here.
    userLabels: { ...ctx.tags },
    backupConfiguration: o.replica.backups
      ? {
          enabled: true,
          startTime: '03:00',
          // Always explicit: the DR region when there is one, else the environment's region.
          location: o.location,
          pointInTimeRecoveryEnabled: p.pointInTimeRecovery,
          transactionLogRetentionDays: Math.min(MAX_TRANSACTION_LOG_DAYS, p.backupRetentionDays),
          // One automated backup a day, so a count of N keeps N days.
          backupRetentionSettings: { retainedBackups: p.backupRetentionDays, retentionUnit: 'COUNT' },
        }
      : { enabled: false, location: o.location },
    ipConfiguration: {
      ipv4Enabled: false,
      privateNetwork: o.networkId,
      sslMode: 'ENCRYPTED_ONLY',
    },
    databaseFlags: [
      { name: 'cloudsql.iam_authentication', value: 'on' },
      // Who connected and for how long, in Cloud Logging (policy rule PAR-SEC-007).
      { name: 'log_connections', value: 'on' },
      { name: 'log_disconnections', value: 'on' },
    ],
    insightsConfig: {
      queryInsightsEnabled: true,
      queryStringLength: 1024,
      recordApplicationTags: true,
      recordClientAddress: false,
    },
    // Sunday 04:00 UTC, after the 03:00 backup.
    maintenanceWindow: { day: 7, hour: 4, updateTrack: 'stable' },
  };
}

/** The application's database. A replica (and a promoted one) already holds the source's databases; creating one would collide. */
function createDatabase(scope: Construct, ctx: Ctx, instance: SqlDatabaseInstance, replica: Replica): void {
  if (!replica.backups || ctx.env.dr.replicaSource) return;
  new SqlDatabase(scope, 'db', {
    name: ctx.params.databaseName,
    instance: instance.name,
    // PostgreSQL refuses to drop a database other roles own objects in; the instance's own deletion
    // (guarded by deletion protection) removes it anyway.
    deletionPolicy: 'ABANDON',
  });
}
