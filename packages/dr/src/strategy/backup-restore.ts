/**
 * The procedure of a backup & restore failback step, in order, with exact commands: what
 * Terraform does (the reviewed manifest change applied, `-replace` where the database is
 * re-created) and what it does not (the reverse copy awaited, the fence, the switchover snapshot and
 * its copy, deletion protection lifted, traffic, the dr environment destroyed). Nothing here calls
 * an API: `pnpm failback` prints it and runs its own part; the runbook shows it.
 */
import { namer } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { reverseVault } from '../failback/reverse-aws-backup.js';
import type { FailbackStep } from '../failback/section.js';
import {
  applyCommands,
  databaseOf,
  type FailbackProcedureStep,
  fenceStep,
  liftProtection,
  next,
  stackOf,
  trafficBackStep,
} from '../failback/procedure.js';
import type { Pair } from '../pair.js';
import { names } from '../failover/procedure.js';

const pointsCommand = (region: string, vault: string | undefined) =>
  `aws backup list-recovery-points-by-backup-vault --region ${region} --backup-vault-name ${vault ?? '<the copy vault>'} --by-resource-type RDS --query 'RecoveryPoints[?Status==\`COMPLETED\`]|sort_by(@,&CreationDate)[-1]'`;

/** reprotect: the dr environment's backups copied into the production region. */
function reprotect(pair: Pair, drAfter: TerraformJson): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const vault = reverseVault(pair, drAfter);
  return [
    {
      id: 'apply-dr',
      title: `Apply ${dr.name}: its backups are also copied into ${primary.region}`,
      changes: `adds a copy vault ${vault ?? ''} with a key of its own in ${primary.region}, copy actions to it in ${dr.name}'s backup plan, and ${dr.name}'s automated backups replicated there; ${primary.name} is not changed (its old, diverged database stays as it is until the switchover re-creates it, keeping a final snapshot)`,
      commands: applyCommands(dr.name, 'failback.tfplan'),
      by: 'terraform',
    },
    {
      id: 'wait',
      title: `Wait until a copy of ${dr.name}'s database in ${primary.region} is within the RPO, then switch over`,
      changes: `nothing yet: the next pnpm failback waits until the newest copy in ${primary.region} is within the ${dr.dr.rpoMinutes} min RPO (re-protected: ${dr.name} could be recovered from it), then fences ${dr.name}'s writers, snapshots its database, copies it into ${primary.region} and writes failback.step restore`,
      commands: [pointsCommand(primary.region, vault), `pnpm failback ${dr.name} --aws --reason "<why now>" --by "<who>"`],
      by: 'operator',
    },
  ];
}

/** restore: the switchover at a fenced moment, the production database re-created from the fenced snapshot. */
function restore(pair: Pair, primaryBefore: TerraformJson, drJson: TerraformJson, snapshot: string | undefined): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const n = names(primaryBefore, drJson, pair);
  const old = databaseOf(primaryBefore);
  const ddb = databaseOf(drJson)?.id ?? `<${dr.name}'s database>`;
  const snap = snapshot ?? `${ddb}-failback-<time>`;
  const kept = old?.finalSnapshot ? `; Terraform's delete keeps a final snapshot of it, ${old.finalSnapshot}` : '';
  const why = `${primary.name}'s old database diverged at the failover and is re-created from the switchover snapshot${kept}`;
  return [
    fenceStep(pair, n),
    {
      id: 'snapshot',
      title: `Snapshot ${dr.name}'s database after the fence and copy it into ${primary.region}`,
      changes: `a manual snapshot ${snap} in ${dr.region}, holding every write made before the fence (zero data loss), copied into ${primary.region} with ${primary.name}'s database key; pnpm failback runs these and waits until the copy is available before it writes the manifest`,
      commands: [
        `aws rds create-db-snapshot --region ${dr.region} --db-instance-identifier ${ddb} --db-snapshot-identifier ${snap}`,
        `aws rds wait db-snapshot-available --region ${dr.region} --db-snapshot-identifier ${snap}`,
        `aws rds copy-db-snapshot --region ${primary.region} --source-region ${dr.region} --source-db-snapshot-identifier arn:aws:rds:${dr.region}:<account>:snapshot:${snap} --target-db-snapshot-identifier ${snap} --kms-key-id alias/${namer(primary.platform, primary.name)('aws.kmsAlias', 'database')} --copy-tags`,
        `aws rds wait db-snapshot-available --region ${primary.region} --db-snapshot-identifier ${snap}`,
      ],
      by: 'failback',
    },
    ...(old?.protected ? [liftProtection(primary.name, primary.region, old, why)] : []),
    {
      id: 'apply',
      title: `Apply ${primary.name} with failback.step restore, re-creating its database from ${snap}`,
      changes: `REPLACES ${old?.address ?? 'the database'}: the old ${old?.id ?? 'instance'} is deleted${kept} and a new one restored from ${snap} in its place (snapshot_identifier is read at creation only, hence -replace)`,
      commands: applyCommands(primary.name, 'failback.tfplan', old?.address),
      by: 'terraform',
    },
    trafficBackStep(pair, n, old?.id),
    next(pair, 'complete'),
  ];
}

/** complete: the original roles; the production database kept as restored, the dr environment gone again. */
function complete(pair: Pair, primaryAfter: TerraformJson, drBefore: TerraformJson): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const db = databaseOf(primaryAfter);
  const drDb = databaseOf(drBefore);
  const vault = reverseVault(pair, drBefore);
  return [
    {
      id: 'apply-primary',
      title: `Apply ${primary.name} without its failback section: its database stays`,
      changes: `the restore source leaves ${primary.name}'s Terraform; snapshot_identifier is read at creation only, so the restored ${db?.id ?? 'database'} is kept (the plan must show no replacement)`,
      commands: applyCommands(primary.name, 'complete.tfplan'),
      by: 'terraform',
    },
    {
      id: 'destroy',
      title: `Destroy ${dr.name} (backup & restore keeps only the backup plane in ${dr.region} in peacetime)`,
      changes: `deletes ${dr.name}'s restored database (its final snapshot kept), compute and the rest. The copy vault ${vault ?? ''} in ${primary.region} holds ${dr.name}'s recovery points under a vault lock: delete them when their retention allows, or remove the vault from the state first (terraform state rm) to keep them`,
      commands: [
        ...(drDb?.protected
          ? [
              `aws rds modify-db-instance --region ${dr.region} --db-instance-identifier ${drDb.id} --no-deletion-protection --apply-immediately`,
            ]
          : []),
        `pnpm synth ${dr.name}`,
        `terraform -chdir=${stackOf(dr.name)} init -input=false`,
        `terraform -chdir=${stackOf(dr.name)} plan -destroy -out=destroy.tfplan`,
        `terraform -chdir=${stackOf(dr.name)} apply destroy.tfplan`,
      ],
      by: 'operator',
    },
    {
      id: 'verify',
      title: `Verify ${primary.name} and ${dr.name}`,
      changes: 'nothing: reads only',
      commands: [
        `pnpm check ${primary.name} ${dr.name}`,
        `terraform -chdir=${stackOf(primary.name)} plan -detailed-exitcode`,
        `aws rds describe-db-instances --region ${primary.region} --db-instance-identifier ${db?.id} --query 'DBInstances[0].[DBInstanceStatus,KmsKeyId,BackupRetentionPeriod]'`,
        `pnpm gen runbook ${dr.name} --check`,
      ],
      by: 'operator',
    },
  ];
}

/** The steps of one backup & restore failback step, in order. */
export function backupFailbackProcedure(
  pair: Pair,
  step: FailbackStep,
  json: { primaryBefore: TerraformJson; primaryAfter: TerraformJson; drBefore: TerraformJson; drAfter: TerraformJson },
  snapshot?: string,
): FailbackProcedureStep[] {
  if (step === 'reprotect') return reprotect(pair, json.drAfter);
  if (step === 'restore') return restore(pair, json.primaryBefore, json.drBefore, snapshot);
  return complete(pair, json.primaryAfter, json.drBefore);
}
