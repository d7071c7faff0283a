import { defineBundle, packageInfo, type DeployContext } from '@parity/model';
import { z } from 'zod';

export const params = z
  .object({
    retentionDays: z.number().int().min(1).max(3650).default(35).describe("Days each backup is kept in the environment's own vault."),
    copyRetentionDays: z.number().int().min(1).max(3650).default(35).describe('Days each copy is kept in the DR region.'),
    includeClusterVolumes: z
      .boolean()
      .default(true)
      .describe(
        'Also back up cluster volumes (AWS: resources tagged parity:backup; GCP: Backup for GKE volume data), where the cluster keeps data on them (cluster.volumes: backup); a stateless cluster (volumes: none) gets no backup plan at all.',
      ),
  })
  .strict();

export type BackupParams = z.output<typeof params>;

/**
 * Whether the cluster's workloads keep data on volumes (its `volumes` export): only then are they
 * backed up. A cluster bundle older than that export always backed its volumes up, so its absence
 * reads as `backup`.
 */
export function clusterVolumes(ctx: DeployContext<unknown>): 'none' | 'backup' {
  return ctx.inputs['cluster']?.['volumes'] === 'none' ? 'none' : 'backup';
}

/** Backup for GKE keeps a backup at most 365 days ... */
export const GKE_MAX_RETAIN_DAYS = 365;
/** ... and, on a cron schedule, at most 360 backups. */
export const GKE_MAX_BACKUPS_RETAINED = 360;

/** The longest retention Backup for GKE accepts for a backup every `intervalMinutes`. */
export function gkeRetentionLimitDays(intervalMinutes: number): number {
  return Math.min(GKE_MAX_RETAIN_DAYS, Math.floor((GKE_MAX_BACKUPS_RETAINED * intervalMinutes) / 1440));
}

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'backup',
  description:
    'Backups that already sit in the DR region, on the schedule derived from the RPO: AWS Backup vault and plan with a copy action to a vault in each DR region; GCP Backup for GKE plan and scheduled on-demand Cloud SQL backups, both stored in the DR location.',
  params,
  connects: {
    database: { description: 'the database to back up' },
    cluster: { description: 'the cluster whose volumes are backed up' },
  },
  exports: {
    vaultArn: { description: "The environment's backup vault.", clouds: ['aws'] },
    planId: { description: 'AWS Backup plan ID or Backup for GKE plan ID (empty on GCP for a stateless cluster: no plan).' },
    copyVaultArns: { description: 'Vaults in the DR regions that receive copies.', clouds: ['aws'] },
    location: { description: 'Where backups are kept (the DR region when there is one).' },
    sqlBackupScheduleId: {
      description: 'Cloud Scheduler job that takes on-demand Cloud SQL backups on the RPO schedule, kept in the backup location.',
      clouds: ['gcp'],
    },
  },
  services: { aws: ['backup', 'kms', 'iam'], gcp: ['backupForGke'] },
  stateful: false,
  rules: (p, env) => {
    const limit = gkeRetentionLimitDays(env.backupIntervalMinutes);
    // a stateless cluster gets no Backup for GKE plan, so its limits do not apply
    const gkePlan = env.connected?.['cluster']?.['volumes'] !== 'none';
    return env.cloud === 'gcp' && gkePlan && p.retentionDays > limit
      ? [
          {
            param: 'retentionDays',
            message: `${p.retentionDays} days is more than Backup for GKE keeps for a backup every ${env.backupIntervalMinutes} minutes (at most ${GKE_MAX_BACKUPS_RETAINED} backups and ${GKE_MAX_RETAIN_DAYS} days)`,
            allowed: `1-${limit}`,
            fix: `lower retentionDays to ${limit} or less`,
          },
        ]
      : [];
  },
});
export default bundle;
