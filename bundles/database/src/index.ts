import { defineBundle, packageInfo } from '@parity/model';
import { z } from 'zod';

export const params = z
  .object({
    postgresVersion: z.enum(['14', '15', '16', '17']).default('16').describe('PostgreSQL major version.'),
    size: z
      .enum(['small', 'medium', 'large', 'xlarge'])
      .default('small')
      .describe('Instance size. AWS: db.t4g.medium, db.r6g.large, db.r6g.xlarge, db.r6g.2xlarge. GCP: 2, 4, 8, 16 vCPU custom tiers.'),
    storageGb: z.number().int().min(20).max(65536).default(50).describe('Allocated storage in GiB; grows automatically up to 4x.'),
    highAvailability: z.boolean().default(false).describe('A standby in a second zone: AWS Multi-AZ, GCP regional availability.'),
    deletionProtection: z.boolean().default(false).describe('Refuse to delete the instance (and, on AWS, keep a final snapshot).'),
    backupRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(35)
      .default(7)
      .describe('Days automated backups (and point-in-time recovery) are kept.'),
    pointInTimeRecovery: z
      .boolean()
      .default(true)
      .describe('Keep transaction logs for point-in-time recovery (GCP); AWS always has PITR within the retention.'),
    databaseName: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/)
      .default('app')
      .describe('Name of the first database.'),
    username: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,15}$/)
      .default('parity_admin')
      .describe('AWS master user name; its password is generated and kept in Secrets Manager, never in Terraform.'),
    mode: z
      .enum(['primary', 'replica', 'promoted'])
      .default('primary')
      .describe(
        'primary: a standalone instance. replica: a cross-region read replica of the database of the environment this one recovers (pilot light, warm standby; set by the DR strategy). promoted: the replica, promoted: its configuration without the replication source and nothing else changed (failover apply 1); then primary (apply 2).',
      ),
    restoreFromSnapshot: z
      .string()
      .optional()
      .describe(
        'AWS: create the instance from this DB snapshot (identifier or ARN), as a DR failover or a backup & restore failback does. Read when the instance is created only: to re-create an existing instance from it, plan with -replace=<its address> (pnpm failback prints it). @default - a new, empty database',
      ),
    replicateBackupsToDr: z
      .boolean()
      .default(false)
      .describe(
        'AWS: replicate automated backups and transaction logs to each DR region (point-in-time recovery there, RPO of minutes). Only some region pairs support it; resolution refuses the others. GCP: no equivalent; the backup bundle schedules backups into the DR region instead.',
      ),
  })
  .strict();

export type DatabaseParams = z.output<typeof params>;

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'database',
  description:
    'PostgreSQL: AWS RDS (KMS-encrypted, Secrets Manager password, PITR) or GCP Cloud SQL (regional HA, PITR, backups in the jurisdiction).',
  params,
  connects: { network: { description: 'subnets for the instance and private service access' } },
  exports: {
    instanceId: { description: 'RDS instance identifier or Cloud SQL instance name.' },
    instanceArn: { description: 'RDS instance ARN (what AWS Backup selects).', clouds: ['aws'] },
    endpoint: { description: 'Host name (AWS) or private IP (GCP) to connect to.' },
    port: { description: 'TCP port.' },
    kmsKeyArn: { description: 'The customer-managed key the storage is encrypted with.', clouds: ['aws'] },
    secretArn: { description: 'Secrets Manager secret holding the master password.', clouds: ['aws'] },
    connectionName: { description: 'Cloud SQL connection name (project:region:instance).', clouds: ['gcp'] },
    replicatedBackupArns: {
      description: 'ARNs of the automated backups replicated to the DR regions (empty unless replicateBackupsToDr).',
      clouds: ['aws'],
    },
    mode: { description: 'What the instance is: primary, replica or promoted (the mode parameter as resolved).' },
  },
  services: { aws: ['rds', 'kms', 'secretsmanager'], gcp: ['cloudSql'] },
  stateful: true,
  rules: (p, env) =>
    env.cloud === 'gcp' && p.restoreFromSnapshot !== undefined
      ? [
          {
            param: 'restoreFromSnapshot',
            message: 'is an AWS parameter (an RDS snapshot); Cloud SQL restores a backup into an instance instead',
            fix: 'remove it from this GCP environment and restore with gcloud sql backups restore',
          },
        ]
      : [],
  features: [
    {
      id: 'rds-automated-backups-replication',
      description: 'RDS cross-region automated backups replication',
      cloud: 'aws',
      param: 'replicateBackupsToDr',
      scope: 'dr-pair',
    },
  ],
});
export default bundle;
