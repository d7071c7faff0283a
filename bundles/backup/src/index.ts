import { defineBundle, packageInfo } from '@parity/model';
import { z } from 'zod';

export const params = z
  .object({
    retentionDays: z.number().int().min(1).max(3650).default(35).describe('Days each backup is kept in the environment\'s own vault. @default 35'),
    copyRetentionDays: z.number().int().min(1).max(3650).default(35).describe('Days each copy is kept in the DR region. @default 35'),
    includeClusterVolumes: z.boolean().default(true).describe('Also back up cluster volumes (AWS: resources tagged parity:backup; GCP: Backup for GKE volume data). @default true'),
  })
  .strict();

export type BackupParams = z.output<typeof params>;

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'backup',
  description:
    'Backups that already sit in the DR region: AWS Backup vault and plan (schedule from the RPO) with a copy action to a vault in each DR region; GCP Backup for GKE plan in the DR location (Cloud SQL backups are located there by the database bundle).',
  params,
  connects: {
    database: { description: 'the database to back up' },
    cluster: { description: 'the cluster whose volumes are backed up' },
  },
  exports: {
    vaultArn: { description: 'The environment\'s backup vault.', clouds: ['aws'] },
    planId: { description: 'AWS Backup plan ID or Backup for GKE plan ID.' },
    copyVaultArns: { description: 'Vaults in the DR regions that receive copies.', clouds: ['aws'] },
    location: { description: 'Where backups are kept (the DR region when there is one).' },
  },
  services: { aws: ['backup', 'kms', 'iam'], gcp: ['backupForGke'] },
  stateful: false,
});
export default bundle;
