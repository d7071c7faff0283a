/**
 * Resilience rules (PAR-RES-…): what a DR product promises beyond security scanners. Deletion
 * protection, Multi-AZ and final snapshots matter where users are served (production and dr
 * environments); backups, vault locks and state placement everywhere.
 */
import type { TfResource } from '../tf.js';
import {
  block,
  equivalent,
  isTrue,
  numberOf,
  on,
  referencing,
  resourcesOf,
  s3Versioned,
  stricter,
  type PolicyContext,
  type Rule,
  type Violation,
} from './types.js';

/** The most days RDS keeps automated backups. */
const RDS_MAX_RETENTION_DAYS = 35;

/** PAR-RES-001: production data cannot be deleted by one apply, and leaves a final snapshot if it is. */
function deletionProtection(ctx: PolicyContext): Violation[] {
  if (!ctx.production) return [];
  const out: Violation[] = [];
  for (const r of ctx.doc.resources('aws_db_instance')) {
    const b = r.body;
    if (!isTrue(b.deletion_protection))
      out.push(
        on(r, {
          message: `deletion protection is off in ${ctx.env.role} environment ${ctx.env.name}`,
          fix: 'set database.deletionProtection: true (the production tier does), or deletion_protection = true',
          checkov: 'CKV_AWS_293',
        }),
      );
    // RDS takes no final snapshot of a read replica: its data is the source's.
    if (!b.replicate_source_db && (!(b.skip_final_snapshot === false || b.skip_final_snapshot === 'false') || !b.final_snapshot_identifier))
      out.push(
        on(r, {
          message: 'no final snapshot is taken if the database is deleted',
          fix: 'set skip_final_snapshot = false and a final_snapshot_identifier (database.deletionProtection: true does both)',
        }),
      );
  }
  for (const r of ctx.doc.resources('google_sql_database_instance')) {
    const s = block(r.body.settings) ?? {};
    if (!isTrue(r.body.deletion_protection) || !isTrue(s.deletion_protection_enabled))
      out.push(
        on(r, {
          message: `deletion protection is off in ${ctx.env.role} environment ${ctx.env.name}`,
          fix: 'set database.deletionProtection: true (deletion_protection and settings.deletion_protection_enabled)',
        }),
      );
    if (!r.body.master_instance_name && !isTrue(s.retain_backups_on_delete))
      out.push(
        on(r, {
          message: 'backups are deleted with the instance',
          fix: 'set settings.retain_backups_on_delete = true (database.deletionProtection: true does)',
        }),
      );
  }
  for (const r of ctx.doc.resources('google_container_cluster')) {
    if (r.body.deletion_protection === false)
      out.push(on(r, { message: 'deletion protection is off', fix: 'remove deletion_protection = false' }));
  }
  return out;
}

/**
 * A dr environment between the two applies of a failover (`failover.step: promote`): the promoted
 * database is deliberately the replica's configuration, without backups; `complete` adds them.
 * That is expected for as long as the policy's RPO from the declaration (`failover.at`); later, or
 * with no declaration time, data written since the promotion has no recovery point the RPO allows.
 */
function promoting(ctx: PolicyContext): { expected?: string; fix: string } | undefined {
  const f = ctx.env.dr.failover;
  if (f?.step !== 'promote') return undefined;
  // pnpm failover writes the step on either cloud (--aws; --gcp through Cloud SQL Admin)
  const write = `pnpm failover ${ctx.env.name} ${ctx.env.cloud === 'aws' ? '--aws' : '--gcp'} writes`;
  const fix = `finish the failover: ${write} failover.step: complete (backups, the primary configuration), then apply`;
  const at = f.at ? Date.parse(f.at) : Number.NaN;
  const until = at + ctx.env.dr.rpoMinutes * 60_000;
  if (Number.isNaN(at) || ctx.now.getTime() > until) return { fix };
  // To the minute, rounded down: the time to act by.
  const end = `${new Date(until).toISOString().slice(0, 16)}Z`;
  return {
    expected: `failover step promote since ${f.at}; backups start with step complete, due by ${end} (the ${ctx.env.dr.policy} policy's RPO)`,
    fix,
  };
}

/** The message of a promoted database without backups, saying how long it has been so. */
function promotedMessage(ctx: PolicyContext, what: string): string {
  const f = ctx.env.dr.failover!;
  return f.at
    ? `${what}: the database was promoted at ${f.at} (failover step promote) and has had no backups for longer than the ${ctx.env.dr.rpoMinutes}-minute RPO`
    : `${what}: the database is promoted (failover step promote, no failover.at recorded) and has no backups`;
}

/** Buckets are versioned, which replication needs too (S3 refuses a replication configuration on an unversioned bucket). */
function versionedBuckets(ctx: PolicyContext): Violation[] {
  const out: Violation[] = [];
  for (const r of ctx.doc.resources('aws_s3_bucket')) {
    if (!s3Versioned(ctx.doc, r))
      out.push(
        on(r, {
          message: 'the bucket is not versioned: an overwrite or a delete cannot be undone',
          fix: 'add aws_s3_bucket_versioning (status Enabled), and replication for DR',
          checkov: 'CKV_AWS_21',
        }),
      );
  }
  for (const r of ctx.doc.resources('google_storage_bucket')) {
    if (!isTrue(block(r.body.versioning)?.enabled))
      out.push(on(r, { message: 'the bucket is not versioned', fix: 'set versioning { enabled = true }', checkov: 'CKV_GCP_78' }));
  }
  return out;
}

/** PAR-RES-002: every stateful resource is backed up for at least the definition's minimum, or replicated. */
function backups(ctx: PolicyContext): Violation[] {
  const kit = backupKit(ctx);
  rdsBackups(ctx, kit);
  backupPlans(ctx, kit);
  cloudSqlBackups(ctx, kit);
  for (const r of ctx.doc.resources('google_gke_backup_backup_plan'))
    kit.short(
      r,
      block(r.body.retention_policy)?.backup_retain_days,
      'retention_policy.backup_retain_days',
      `set backup.retentionDays to ${kit.min} or more`,
    );
  kit.out.push(...versionedBuckets(ctx));
  return kit.out;
}

/** What PAR-RES-002's parts share: the minimum, the violations so far, and the two ways a resource falls short. */
interface BackupKit {
  readonly min: number;
  readonly out: Violation[];
  readonly failover: ReturnType<typeof promoting>;
  /** `days` under the minimum (or unset): a violation with `fix`. */
  short(r: TfResource, days: unknown, what: string, fix: string, checkov?: string): void;
  /** The promoted database of a failover in progress: expected for a while, then a violation naming the next step. */
  promoted(r: TfResource, what: string, checkov: string): void;
}

function backupKit(ctx: PolicyContext): BackupKit {
  const min = ctx.definition.guardrails.minBackupRetentionDays;
  const out: Violation[] = [];
  const failover = promoting(ctx);
  return {
    min,
    out,
    failover,
    short(r, days, what, fix, checkov) {
      if ((numberOf(days) ?? -1) >= min) return;
      out.push(
        on(r, {
          message: `${what} ${days === undefined ? 'is not set' : `is ${JSON.stringify(days)}`}; at least ${min} days are required (guardrails.minBackupRetentionDays)`,
          fix,
          ...(checkov ? { checkov } : {}),
        }),
      );
    },
    promoted(r, what, checkov) {
      out.push(
        on(r, {
          message: failover!.expected ? `${what}: the database was promoted by a failover in progress` : promotedMessage(ctx, what),
          fix: failover!.fix,
          checkov,
          ...(failover!.expected ? { expected: failover!.expected } : {}),
        }),
      );
    },
  };
}

/** RDS instances and clusters: retention within RDS's limit and the minimum; a replica's backups not turned off. */
function rdsBackups(ctx: PolicyContext, { min, out, failover, short, promoted }: BackupKit): void {
  for (const r of resourcesOf(ctx.doc, 'aws_db_instance', 'aws_rds_cluster')) {
    const days = r.body.backup_retention_period;
    const n = numberOf(days);
    if (n !== undefined && n > RDS_MAX_RETENTION_DAYS)
      out.push(
        on(r, {
          message: `backup_retention_period is ${n}: RDS keeps automated backups ${RDS_MAX_RETENTION_DAYS} days at most`,
          fix: `set database.backupRetentionDays between ${min} and ${RDS_MAX_RETENTION_DAYS} (longer: AWS Backup)`,
          checkov: 'CKV_AWS_133',
        }),
      );
    else if (r.body.replicate_source_db || r.body.replication_source_identifier) {
      // A replica is protected by replication; its own backups start when it is promoted. Set to 0, they are off.
      if (n !== undefined && n < 1)
        out.push(
          on(r, {
            message: `the replica's backup_retention_period is ${n}: automated backups are off`,
            fix: `remove backup_retention_period (the replica's data is its source's), or set it between 1 and ${RDS_MAX_RETENTION_DAYS}`,
            checkov: 'CKV_AWS_133',
          }),
        );
    } else if (failover && !((n ?? -1) >= min)) promoted(r, 'no automated backups yet', 'CKV_AWS_133');
    else short(r, days, 'backup_retention_period', `set database.backupRetentionDays to ${min} or more`, 'CKV_AWS_133');
  }
}

/** AWS Backup plans: each rule's retention, and each copy's. */
function backupPlans(ctx: PolicyContext, { short, min }: BackupKit): void {
  for (const r of ctx.doc.resources('aws_backup_plan')) {
    for (const rule of Array.isArray(r.body.rule) ? r.body.rule : [r.body.rule]) {
      const b = block(rule) ?? {};
      short(
        r,
        block(b.lifecycle)?.delete_after,
        `rule ${String(b.rule_name)} lifecycle.delete_after`,
        `set backup.retentionDays to ${min} or more`,
      );
      for (const c of Array.isArray(b.copy_action) ? b.copy_action : b.copy_action ? [b.copy_action] : [])
        short(
          r,
          block(block(c)?.lifecycle)?.delete_after,
          `rule ${String(b.rule_name)} copy_action lifecycle.delete_after`,
          `set backup.copyRetentionDays to ${min} or more`,
        );
    }
  }
}

/** Cloud SQL primaries: automated backups on, kept for the minimum (a replica's are its primary's). */
function cloudSqlBackups(ctx: PolicyContext, { short, min, out, failover, promoted }: BackupKit): void {
  for (const r of ctx.doc.resources('google_sql_database_instance')) {
    if (r.body.master_instance_name) continue;
    const cfg = block(block(r.body.settings)?.backup_configuration);
    if (!isTrue(cfg?.enabled) && failover) promoted(r, 'automated backups are off', 'CKV_GCP_14');
    else if (!isTrue(cfg?.enabled))
      out.push(
        on(r, { message: 'automated backups are off', fix: 'set settings.backup_configuration.enabled = true', checkov: 'CKV_GCP_14' }),
      );
    else
      short(
        r,
        block(cfg?.backup_retention_settings)?.retained_backups,
        'backup_retention_settings.retained_backups (daily backups)',
        `set database.backupRetentionDays to ${min} or more`,
        'CKV_GCP_14',
      );
  }
}

/** PAR-RES-003: production survives the loss of one zone. */
function multiAz(ctx: PolicyContext): Violation[] {
  if (!ctx.production) return [];
  const out: Violation[] = [];
  for (const r of ctx.doc.resources('aws_db_instance')) {
    if (!isTrue(r.body.multi_az))
      out.push(
        on(r, {
          message: `the database is in one availability zone in ${ctx.env.role} environment ${ctx.env.name}`,
          fix: 'set database.highAvailability: true (multi_az)',
          checkov: 'CKV_AWS_157',
        }),
      );
  }
  for (const r of ctx.doc.resources('google_sql_database_instance')) {
    if (block(r.body.settings)?.availability_type !== 'REGIONAL')
      out.push(on(r, { message: 'the instance is zonal', fix: 'set database.highAvailability: true (availability_type REGIONAL)' }));
  }
  for (const r of ctx.doc.resources('aws_eks_node_group')) {
    const subnets = r.body.subnet_ids;
    if (Array.isArray(subnets) && subnets.length < 2)
      out.push(
        on(r, {
          message: 'the node group spans one subnet (one zone)',
          fix: 'give it subnets in at least two availability zones (network.azCount >= 2)',
        }),
      );
  }
  for (const r of ctx.doc.resources('google_container_cluster')) {
    if (typeof r.body.location === 'string' && /-[a-z]$/.test(r.body.location))
      out.push(
        on(r, {
          message: `the cluster is zonal (${r.body.location})`,
          fix: 'set location to a region for a regional control plane and nodes in every zone',
        }),
      );
  }
  return out;
}

/** PAR-RES-004: the state survives what it is meant to recover from. */
function stateBackend(ctx: PolicyContext): Violation[] {
  const backend = (ctx.json.terraform as { backend?: Record<string, Record<string, unknown>> } | undefined)?.backend ?? {};
  const out: Violation[] = [];
  const s3 = backend.s3;
  const gcs = backend.gcs;
  if (!s3 && !gcs)
    return [
      {
        address: 'terraform.backend',
        message: 'no remote state backend: the state lives on one machine',
        fix: 'synthesize with Parity, which sets the state backend from the definition',
      },
    ];
  if (s3 && s3.encrypt !== true)
    out.push({ address: 'terraform.backend.s3', message: 'state objects are not encrypted', fix: 'set encrypt = true' });
  const region = s3 ? String(s3.region) : ctx.env.state.region;
  const failed = ctx.env.recovers?.region;
  if (failed && region === failed)
    out.push({
      address: `terraform.backend.${s3 ? 's3' : 'gcs'}`,
      message: `the state of ${ctx.env.name} lives in ${region}, the region it recovers from`,
      fix: `set state.region in ${ctx.env.file} to ${ctx.env.region}`,
    });
  // The state bucket is versioned where this environment's Terraform creates it.
  const bucket = String((s3 ?? gcs)!.bucket);
  for (const r of ctx.doc.resources('aws_s3_bucket').filter((b) => b.body.bucket === bucket)) {
    if (!s3Versioned(ctx.doc, r))
      out.push(
        on(r, {
          message: `the state bucket ${bucket} is not versioned: a bad write cannot be undone`,
          fix: 'add aws_s3_bucket_versioning with status Enabled',
          checkov: 'CKV_AWS_21',
        }),
      );
  }
  for (const r of ctx.doc.resources('google_storage_bucket').filter((b) => b.body.name === bucket)) {
    if (!isTrue(block(r.body.versioning)?.enabled))
      out.push(
        on(r, { message: `the state bucket ${bucket} is not versioned`, fix: 'set versioning { enabled = true }', checkov: 'CKV_GCP_78' }),
      );
  }
  return out;
}

/** PAR-RES-005: backup vaults are locked, so that neither a mistake nor an intruder deletes the recovery points. */
function vaultLock(ctx: PolicyContext): Violation[] {
  return ctx.doc
    .resources('aws_backup_vault')
    .filter((v) => referencing(ctx.doc, 'aws_backup_vault_lock_configuration', 'backup_vault_name', v).length === 0)
    .map((v) =>
      on(v, {
        message: 'the vault has no lock: its recovery points can be deleted before their retention ends',
        fix: 'add aws_backup_vault_lock_configuration (min_retention_days), or declare an exception saying why not',
      }),
    );
}

export const RESILIENCE_RULES: readonly Rule[] = [
  {
    id: 'PAR-RES-001',
    title: 'Production data has deletion protection and a final snapshot',
    category: 'resilience',
    severity: 'high',
    checkov: [equivalent('CKV_AWS_293', 'deletion_protection = true on aws_db_instance', 'production and dr')],
    covers: 'RDS, Cloud SQL, GKE in production and dr environments',
    check: deletionProtection,
  },
  {
    id: 'PAR-RES-002',
    title: 'Stateful resources are backed up for at least the minimum retention, or replicated',
    category: 'resilience',
    severity: 'high',
    checkov: [
      stricter(
        'CKV_AWS_133',
        'backup_retention_period from guardrails.minBackupRetentionDays to 35 on aws_db_instance and aws_rds_cluster (the check: 1 to 35, unset passing as the default 1 day); a replica may leave it unset or set 1 to 35, as the check',
      ),
      stricter(
        'CKV_GCP_14',
        'backup_configuration.enabled = true and retained_backups at least the minimum; replicas (master_instance_name) are not judged, as the check',
      ),
      stricter(
        'CKV_AWS_21',
        'aws_s3_bucket_versioning referencing the bucket with status Enabled, or versioning.enabled = true; a value Parity cannot read (an expression) fails, where the check evaluates variables',
      ),
      stricter(
        'CKV_GCP_78',
        'versioning.enabled = true on google_storage_bucket; an expression fails, where the check evaluates variables',
      ),
    ],
    covers: 'RDS, AWS Backup plans and copies, Cloud SQL, Backup for GKE, S3, GCS',
    check: backups,
  },
  {
    id: 'PAR-RES-003',
    title: 'Production is Multi-AZ or regional',
    category: 'resilience',
    severity: 'high',
    checkov: [equivalent('CKV_AWS_157', 'multi_az = true on aws_db_instance', 'production and dr')],
    covers: 'RDS, Cloud SQL, EKS node groups, GKE in production and dr environments',
    check: multiAz,
  },
  {
    id: 'PAR-RES-004',
    title: 'State is remote, encrypted, versioned, and outside the region a dr environment recovers from',
    category: 'resilience',
    severity: 'critical',
    checkov: [
      stricter(
        'CKV_AWS_21',
        'the state bucket, where the stack creates it, versioned as PAR-RES-002 reads it (an expression fails, where the check evaluates variables)',
      ),
      stricter(
        'CKV_GCP_78',
        'the state bucket, where the stack creates it: versioning.enabled = true (an expression fails, where the check evaluates variables)',
      ),
    ],
    covers: 'the Terraform backend; the state bucket where the environment creates it',
    check: stateBackend,
  },
  {
    id: 'PAR-RES-005',
    title: 'Backup vaults are locked, or say why not',
    category: 'resilience',
    severity: 'medium',
    checkov: [],
    covers: 'AWS Backup vaults',
    check: vaultLock,
  },
];
