/**
 * GCP backup: a Backup for GKE plan (Kubernetes resources, secrets and volume data) on the schedule
 * derived from the RPO, kept in `ctx.env.backup.location`: the DR region when the environment has a
 * DR target, so backups already sit where they will be restored, else the environment's region.
 *
 * Cloud SQL needs nothing here: the database bundle sets its automated backups' location to the
 * same `ctx.env.backup.location`, so database backups reach the DR region without a copy job.
 *
 * Construct IDs are public API: changing one replaces the plan (its backups are deleted with it).
 */
import type { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { GkeBackupBackupPlan } from '@cdktf/provider-google/lib/gke-backup-backup-plan/index.js';
import { inputString, type DeployContext, type Exports } from '@parity/model';
import type { BackupParams } from './index.js';

/** Backup for GKE: backup_retain_days is at most 365 ... */
export const MAX_RETAIN_DAYS = 365;
/** ... and, with a cron schedule, at most 360 times the interval between backups. */
export const MAX_BACKUPS_RETAINED = 360;

export function deploy(scope: Construct, ctx: DeployContext<BackupParams, TerraformProvider>): Exports {
  const p = ctx.params;
  const env = ctx.env;
  const location = env.backup.location;
  if (!env.dataRegions.includes(location)) {
    throw new Error(
      `backup: backup location ${location} of ${env.name} is outside its jurisdiction ${env.jurisdiction} (${env.dataRegions.join(', ')}); backups may not leave it`,
    );
  }
  const limit = Math.min(MAX_RETAIN_DAYS, Math.floor((MAX_BACKUPS_RETAINED * env.backup.intervalMinutes) / 1440));
  if (p.retentionDays > limit) {
    throw new Error(
      `backup: retentionDays ${p.retentionDays} is more than Backup for GKE keeps for a backup every ${env.backup.intervalMinutes} minutes ` +
        `(at most ${MAX_BACKUPS_RETAINED} backups and ${MAX_RETAIN_DAYS} days: ${limit} days); lower retentionDays to ${limit} or less`,
    );
  }

  const plan = new GkeBackupBackupPlan(scope, 'gke-plan', {
    name: ctx.name('gcp.gkeBackupPlan', 'gke'),
    description: `Backups of the ${env.name} cluster, kept in ${location}`,
    location,
    cluster: inputString(ctx, 'cluster', 'clusterId'),
    retentionPolicy: { backupRetainDays: p.retentionDays },
    backupSchedule: { cronSchedule: env.backup.cron },
    backupConfig: {
      includeVolumeData: p.includeClusterVolumes,
      includeSecrets: true,
      allNamespaces: true,
    },
  });

  return { planId: plan.id, location };
}
