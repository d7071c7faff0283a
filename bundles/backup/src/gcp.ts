/**
 * GCP backup: a Backup for GKE plan (Kubernetes resources, secrets and volume data) on the schedule
 * derived from the RPO, kept in `ctx.env.backup.location`: the DR region when the environment has a
 * DR target, so backups already sit where they will be restored, else the environment's region.
 *
 * Cloud SQL: the database bundle sets its automated backups' location to the same
 * `ctx.env.backup.location`, so database backups reach the DR region without a copy job. But
 * automated backups run once a day, which cannot meet an RPO of hours. So this bundle also takes
 * on-demand Cloud SQL backups on the schedule derived from the RPO (`ctx.env.backup.cron`), kept
 * in the same location: a Cloud Scheduler job calls the Cloud SQL Admin API
 * (`backupRuns.insert`) as a service account of its own that holds `roles/cloudsql.editor`.
 * On-demand backups are not deleted by Cloud SQL's retention; they stay until deleted or until
 * the instance is deleted.
 *
 * Encryption: the plan's backups are encrypted with a customer-managed key in the plan's location
 * (a key must live where the data does, so the DR region's key for backups kept there), which the
 * Backup for GKE service agent may use, and the Compute Engine service agent, which snapshots
 * the volumes the backups include.
 *
 * Construct IDs are public API: changing one replaces the plan (its backups are deleted with it).
 */
import type { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktn';
import { CloudSchedulerJob } from '@cdktf/provider-google/lib/cloud-scheduler-job/index.js';
import { GkeBackupBackupPlan } from '@cdktf/provider-google/lib/gke-backup-backup-plan/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { environmentProject, gcpKey, projectNumber, serviceAgents } from '@parity/constructs/gcp';
import { backupLocation, assertRules, inputString, type DeployContext, type Exports, type GcpKeyUser } from '@parity/model';
import { bundle, clusterVolumes, type BackupParams } from './index.js';

/** What the scheduled Cloud SQL backup's service account holds: it includes `cloudsql.backupRuns.create`. */
export const SQL_BACKUP_ROLE = 'roles/cloudsql.editor';
/** The OAuth scope the Cloud SQL Admin API accepts. */
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The agents that write a Backup for GKE plan's backups: its own, and Compute Engine's for volume snapshots. */
const BACKUP_KEY_USERS: readonly GcpKeyUser[] = ['gke-backup', 'compute'];

type Ctx = DeployContext<BackupParams, TerraformProvider>;

export function deploy(scope: Construct, ctx: Ctx): Exports {
  const env = ctx.env;
  const location = backupLocation(ctx);
  // Resolution reports this with file and field; asserted again for callers that bypass it.
  assertRules(
    'backup',
    bundle.rules!(ctx.params, {
      cloud: 'gcp',
      region: env.region,
      jurisdiction: env.jurisdiction,
      backupIntervalMinutes: env.backup.intervalMinutes,
      connected: { cluster: { volumes: clusterVolumes(ctx) } },
    }),
  );
  const project = environmentProject(ctx, "the backups' key and the scheduled Cloud SQL backup need one");
  // A stateless cluster (volumes: none) is rebuilt from IaC and images: no Backup for GKE plan.
  const plan = clusterVolumes(ctx) === 'backup' ? clusterBackupPlan(scope, ctx, project, location) : undefined;
  const sqlBackupJob = scheduledSqlBackups(scope, ctx, project, location);
  return { planId: plan?.id ?? '', location, sqlBackupScheduleId: sqlBackupJob.id };
}

/** Backup for GKE: the cluster's resources, secrets and (with `includeClusterVolumes`) volumes, encrypted where they are kept. */
function clusterBackupPlan(scope: Construct, ctx: Ctx, project: string, location: string): GkeBackupBackupPlan {
  const p = ctx.params;
  // The backups' key where they are kept, usable by the agents that write them.
  const cmek = gcpKey(scope, ctx, { project, location, users: serviceAgents(BACKUP_KEY_USERS, projectNumber(scope, project)) });
  return new GkeBackupBackupPlan(scope, 'gke-plan', {
    name: ctx.name('gcp.gkeBackupPlan', 'gke'),
    description: `Backups of the ${ctx.env.name} cluster, kept in ${location}`,
    location,
    cluster: inputString(ctx, 'cluster', 'clusterId'),
    retentionPolicy: { backupRetainDays: p.retentionDays },
    backupSchedule: { cronSchedule: ctx.env.backup.cron },
    backupConfig: {
      includeVolumeData: p.includeClusterVolumes,
      includeSecrets: true,
      allNamespaces: true,
      encryptionKey: { gcpKmsEncryptionKey: cmek.key.id },
    },
    // The first backup should not fail for want of the key grant.
    dependsOn: [...cmek.grants],
  });
}

/** Cloud SQL backups on the RPO schedule, into the same location: a Cloud Scheduler job, as a service account of its own. */
function scheduledSqlBackups(scope: Construct, ctx: Ctx, project: string, location: string): CloudSchedulerJob {
  const env = ctx.env;
  const instanceId = inputString(ctx, 'database', 'instanceId');
  const accountId = ctx.name('gcp.serviceAccount', 'sqlbackup');
  if (accountId.length < 6 || accountId.length > 30) {
    throw new Error(`backup: service account ID ${accountId} must be 6-30 characters`);
  }
  const sqlBackupSa = new ServiceAccount(scope, 'sql-backup-sa', {
    accountId,
    displayName: `Scheduled Cloud SQL backups of ${env.name}`,
    description: `Used by Cloud Scheduler to start on-demand Cloud SQL backups in ${location} on the RPO schedule.`,
  });
  const grant = new ProjectIamMember(scope, 'sql-backup-sa-cloudsql-editor', {
    project,
    role: SQL_BACKUP_ROLE,
    member: sqlBackupSa.member,
  });
  // Static values only, so the body is encoded here rather than with Terraform functions.
  const body = Buffer.from(JSON.stringify({ location, description: 'parity: scheduled backup for the RPO' })).toString('base64');
  return new CloudSchedulerJob(scope, 'sql-backup-job', {
    // There is no Cloud Scheduler naming kind. A job ID allows letters, digits, hyphens and
    // underscores, up to 500 characters; the Backup for GKE plan rule (lower-case letters, digits
    // and hyphens, at most 63) is stricter, so every name it produces is a valid job ID.
    name: ctx.name('gcp.gkeBackupPlan', 'sql-backup'),
    description: `On-demand Cloud SQL backups of ${env.name}, kept in ${location}, on the schedule derived from the RPO`,
    region: env.region,
    schedule: env.backup.cron,
    timeZone: 'Etc/UTC',
    attemptDeadline: '320s',
    // A backup refused because another operation is running on the instance is tried again.
    retryConfig: { retryCount: 3 },
    httpTarget: {
      httpMethod: 'POST',
      uri: `https://sqladmin.googleapis.com/v1/projects/${project}/instances/${instanceId}/backupRuns`,
      body,
      headers: { 'Content-Type': 'application/json' },
      oauthToken: { serviceAccountEmail: sqlBackupSa.email, scope: CLOUD_PLATFORM_SCOPE },
    },
    // The first run should not fail for want of the grant.
    dependsOn: [grant],
  });
}
