/**
 * The procedure of a failback step, in order, with exact commands: Terraform's part (synth, apply
 * the reviewed manifest change, with `-replace` where AWS requires a new instance) and what
 * Terraform does not do (lift deletion protection on an instance to be replaced, fence the
 * writers, wait for the reverse replica, move traffic, verify). AWS only, as the failback is.
 * Nothing here calls an API: `pnpm failback` prints it and runs its own part; the runbook shows it.
 */
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';
import type { FailbackStep } from './section.js';
import type { Pair } from '../pair.js';
import { names } from '../failover/procedure.js';

export interface FailbackProcedureStep {
  readonly id:
    | 'lift-protection'
    | 'apply'
    | 'apply-primary'
    | 'apply-dr'
    | 'wait'
    | 'fence'
    | 'wait-zero'
    | 'snapshot'
    | 'traffic'
    | 'destroy'
    | 'verify'
    | 'next';
  readonly title: string;
  /** What running it changes. */
  readonly changes: string;
  readonly commands: readonly string[];
  /** Terraform (the team's apply), `pnpm failback` itself, or a person. */
  readonly by: 'terraform' | 'failback' | 'operator';
}

/** The final snapshot's name as people read it: the creation time Terraform stamps into it shown as a placeholder. */
function finalName(v: unknown): string | undefined {
  return typeof v === 'string' ? v.replace(/\$\{[^}]*timestamp\(\)[^}]*\}/, '<its creation time, YYYYMMDDhhmmss>') : undefined;
}

/** The database of an environment's Terraform: its address, identifier, protection and final snapshot. */
export function databaseOf(json: TerraformJson): { address: string; id?: string; protected: boolean; finalSnapshot?: string } | undefined {
  const db = placedResources(json, 'aws_db_instance')[0];
  if (!db) return undefined;
  return {
    address: db.address,
    id: literal(db.body.identifier),
    protected: db.body.deletion_protection === true,
    finalSnapshot: db.body.skip_final_snapshot === true ? undefined : finalName(db.body.final_snapshot_identifier),
  };
}

export const stackOf = (env: string) => `environments/${env}/cdktf.out/stacks/${env}`;

export function applyCommands(env: string, plan: string, replace?: string): string[] {
  return [
    `pnpm synth ${env}`,
    `terraform -chdir=${stackOf(env)} init -input=false`,
    `terraform -chdir=${stackOf(env)} plan${replace ? ` -replace=${replace}` : ''} -out=${plan}`,
    `terraform -chdir=${stackOf(env)} apply ${plan}`,
  ];
}

export function liftProtection(
  env: string,
  region: string,
  db: NonNullable<ReturnType<typeof databaseOf>>,
  why: string,
): FailbackProcedureStep {
  return {
    id: 'lift-protection',
    title: `Lift deletion protection on ${env}'s database ${db.id ?? db.address} in ${region}`,
    changes: `${why}; AWS refuses to delete a protected instance, and Terraform cannot lift it in the apply that replaces it`,
    commands: [
      `aws rds modify-db-instance --region ${region} --db-instance-identifier ${db.id} --no-deletion-protection --apply-immediately`,
    ],
    by: 'operator',
  };
}

const lagCommand = (region: string, id: string | undefined) =>
  `aws cloudwatch get-metric-statistics --region ${region} --namespace AWS/RDS --metric-name ReplicaLag --dimensions Name=DBInstanceIdentifier,Value=${id} --statistics Maximum --period 60 --start-time $(date -u -d '-10 min' +%FT%TZ) --end-time $(date -u +%FT%TZ)`;

/** reprotect: the old primary replaced by a replica of the dr environment's database. */
function reprotect(pair: Pair, before: TerraformJson, after: TerraformJson): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const old = databaseOf(before);
  const db = databaseOf(after);
  const out: FailbackProcedureStep[] = [];
  const kept = old?.finalSnapshot ? ` Terraform's delete keeps a final snapshot, ${old.finalSnapshot}` : '';
  const why = `the old instance diverged at the failover (what it took after the loss never reached ${dr.name}) and AWS cannot turn a standalone instance into a read replica: it is replaced.${kept}`;
  if (old?.protected) out.push(liftProtection(primary.name, primary.region, old, why));
  out.push({
    id: 'apply',
    title: `Apply ${primary.name} with failback.step reprotect, replacing its database`,
    changes: `REPLACES ${db?.address ?? 'the database'}: the old ${old?.id ?? 'instance'} is deleted and a read replica of ${dr.name}'s database is created in ${primary.region} in its place (a full copy: it takes as long as a new replica); ${primary.name}'s compute goes to standby size`,
    commands: applyCommands(primary.name, 'failback.tfplan', db?.address),
    by: 'terraform',
  });
  out.push({
    id: 'wait',
    title: `Wait until the replica in ${primary.region} has caught up, then switch over`,
    changes: `nothing yet: the next pnpm failback waits until ${db?.id ?? 'the replica'}'s ReplicaLag (read in ${primary.region}) is within the ${pair.dr.dr.rpoMinutes} min RPO, fences ${dr.name}'s writers, waits for lag 0 and writes failback.step promote`,
    commands: [lagCommand(primary.region, db?.id), `pnpm failback ${dr.name} --aws --reason "<why now>" --by "<who>"`],
    by: 'operator',
  });
  return out;
}

/** Traffic back at the primary region after a switchover: the operator's own mechanism, with the endpoint to point it at. */
export function trafficBackStep(pair: Pair, n: ReturnType<typeof names>, dbId: string | undefined): FailbackProcedureStep {
  const { primary } = pair;
  return {
    id: 'traffic',
    title: `Point traffic back at ${primary.region}`,
    changes: `clients use ${primary.name} again: your own mechanism (a DNS record, service discovery), as for the failover`,
    commands: [
      `aws rds describe-db-instances --region ${primary.region} --db-instance-identifier ${dbId} --query 'DBInstances[0].Endpoint.Address' --output text`,
      ...(n.cluster ? [`aws eks update-kubeconfig --region ${primary.region} --name ${n.cluster}`] : []),
    ],
    by: 'operator',
  };
}

/** The fence of a switchover: the dr side's node groups to zero, so nothing writes to its database from here on. */
export function fenceStep(pair: Pair, n: ReturnType<typeof names>): FailbackProcedureStep {
  const { dr } = pair;
  const fence = n.drNodeGroups.map(
    (g) =>
      `aws eks update-nodegroup-config --region ${dr.region} --cluster-name ${n.drCluster} --nodegroup-name ${g} --scaling-config minSize=0,maxSize=1,desiredSize=0`,
  );
  return {
    id: 'fence',
    title: `Fence ${dr.name}'s writers in ${dr.region}`,
    changes: `scales ${dr.name}'s node groups to zero, so nothing writes to ${dr.name}'s database from here on (the moment of the switchover); pnpm failback runs these once confirmed`,
    commands: [
      ...(fence.length ? fence : [`# ${dr.name} defines no cluster`]),
      '# and stop every writer outside the cluster by your own means',
    ],
    by: 'failback',
  };
}

/** promote: the switchover at a fenced moment. */
function promote(pair: Pair, before: TerraformJson, drJson: TerraformJson): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const db = databaseOf(before);
  const n = names(before, drJson, pair);
  return [
    fenceStep(pair, n),
    {
      id: 'wait-zero',
      title: `Wait for replica lag 0 in ${primary.region}`,
      changes: `nothing: pnpm failback waits until ${db?.id ?? 'the replica'} has applied everything ${dr.name} wrote (zero data loss) before it writes the manifest`,
      commands: [lagCommand(primary.region, db?.id)],
      by: 'failback',
    },
    {
      id: 'apply',
      title: `Apply ${primary.name} with failback.step promote`,
      changes: `promotes the read replica ${db?.id ?? ''} to a standalone database (one PromoteReadReplica call: it cannot be undone) and scales ${primary.name}'s compute to full size`,
      commands: applyCommands(primary.name, 'failback.tfplan'),
      by: 'terraform',
    },
    trafficBackStep(pair, n, db?.id),
    next(pair, 'complete'),
  ];
}

export function next(pair: Pair, step: FailbackStep): FailbackProcedureStep {
  return {
    id: 'next',
    title: `Then: failback step ${step}`,
    changes: `writes the next manifest change (${step})`,
    commands: [`pnpm failback ${pair.dr.name} --aws --by "<who>"`],
    by: 'operator',
  };
}

/** The steps of one failback step, in order. `before`: the Terraform the step starts from; `after`: the changed environments'. */
export function failbackProcedure(
  pair: Pair,
  step: FailbackStep,
  json: { primaryBefore: TerraformJson; primaryAfter: TerraformJson; drBefore: TerraformJson; drAfter: TerraformJson },
): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  if (step === 'reprotect') return reprotect(pair, json.primaryBefore, json.primaryAfter);
  if (step === 'promote') return promote(pair, json.primaryBefore, json.drBefore);
  const verify: FailbackProcedureStep = {
    id: 'verify',
    title: `Verify ${primary.name} and ${dr.name}`,
    changes: 'nothing: reads only',
    commands: [
      `pnpm check ${primary.name} ${dr.name}`,
      `aws rds describe-db-instances --region ${primary.region} --db-instance-identifier ${databaseOf(json.primaryAfter)?.id} --query 'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier,BackupRetentionPeriod]'`,
    ],
    by: 'operator',
  };
  if (step === 'complete') {
    return [
      {
        id: 'apply',
        title: `Apply ${primary.name} with failback.step complete`,
        changes: `turns the promoted database into a full primary in ${primary.region} (backups, managed master password, deletion protection, backups replicated to ${dr.region}), in place`,
        commands: applyCommands(primary.name, 'failback.tfplan'),
        by: 'terraform',
      },
      verify,
      next(pair, 'restore'),
    ];
  }
  const drDb = databaseOf(json.drBefore);
  const why = `${dr.name}'s database has been a standalone primary since the failover; it becomes a read replica of ${primary.name}'s again, and AWS cannot turn a standalone instance into one: it is replaced${drDb?.finalSnapshot ? ` (Terraform's delete keeps a final snapshot, ${drDb.finalSnapshot})` : ''}`;
  return [
    ...(drDb?.protected ? [liftProtection(dr.name, dr.region, drDb, why)] : []),
    {
      id: 'apply',
      title: `Apply ${dr.name} without its failover section, replacing its database`,
      changes: `REPLACES ${drDb?.address ?? 'the database'} with a read replica of ${primary.name}'s; ${dr.name}'s compute goes back to its strategy's standby size: the original roles`,
      commands: applyCommands(dr.name, 'restore.tfplan', drDb?.address),
      by: 'terraform',
    },
    {
      id: 'apply-primary',
      title: `Plan ${primary.name} without its failback section: no changes`,
      changes: `nothing: ${primary.name}'s manifest is as before the failover, and its Terraform the same as after failback step complete`,
      commands: [`pnpm synth ${primary.name}`, `terraform -chdir=${stackOf(primary.name)} plan -detailed-exitcode`],
      by: 'operator',
    },
    { ...verify, commands: [...verify.commands, `pnpm gen runbook ${dr.name} --check`] },
  ];
}
