/**
 * The steps a failback procedure is made of, with exact commands: Terraform's part (synth, apply
 * the reviewed manifest change, with `-replace` where AWS requires a new instance) and what
 * Terraform does not do (lift deletion protection on an instance to be replaced, fence the
 * writers, wait, move traffic back). Each strategy's procedure (strategy/*.ts) is a list of these.
 * The AWS commands are here; GCP's beside its strategy (strategy/gcp-replica-pair.ts). Nothing here calls an API: `pnpm failback` prints the procedure and
 * runs its own part; the runbook shows it.
 */
import type { Failback } from '@parity/model';
import type { Database, Names } from '../names.js';
import { failbackLine } from '../cloud/target.js';
import type { Pair } from '../pair.js';

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

/** The folder `pnpm synth` writes an environment's stack to. */
export const stackOf = (env: string) => `environments/${env}/cdktf.out/stacks/${env}`;

/** `pnpm failback` of the next step, as the operator runs it. */
export const failbackCommand = (pair: Pair) => failbackLine(pair);

/** Deletion protection lifted on an instance Terraform is about to replace. */
export const liftCommand = (region: string, id: string | undefined) =>
  `aws rds modify-db-instance --region ${region} --db-instance-identifier ${id} --no-deletion-protection --apply-immediately`;

/** One node group of the dr side scaled to zero: the fence. */
export const fenceCommand = (region: string, cluster: string | undefined, group: string) =>
  `aws eks update-nodegroup-config --region ${region} --cluster-name ${cluster} --nodegroup-name ${group} --scaling-config minSize=0,maxSize=1,desiredSize=0`;

/** Synth, init, plan (with `-replace` when given) and apply of one environment. */
export function applyCommands(env: string, plan: string, replace?: string): string[] {
  return [
    `pnpm synth ${env}`,
    `terraform -chdir=${stackOf(env)} init -input=false`,
    `terraform -chdir=${stackOf(env)} plan${replace ? ` -replace=${replace}` : ''} -out=${plan}`,
    `terraform -chdir=${stackOf(env)} apply ${plan}`,
  ];
}

export function liftProtection(env: string, region: string, db: Database, why: string): FailbackProcedureStep {
  return {
    id: 'lift-protection',
    title: `Lift deletion protection on ${env}'s database ${db.id ?? db.address} in ${region}`,
    changes: `${why}; AWS refuses to delete a protected instance, and Terraform cannot lift it in the apply that replaces it`,
    commands: [liftCommand(region, db.id)],
    by: 'operator',
  };
}

/** The replica lag, read in the region it replicates into. */
export const lagCommand = (region: string, id: string | undefined) =>
  `aws cloudwatch get-metric-statistics --region ${region} --namespace AWS/RDS --metric-name ReplicaLag --dimensions Name=DBInstanceIdentifier,Value=${id} --statistics Maximum --period 60 --start-time $(date -u -d '-10 min' +%FT%TZ) --end-time $(date -u +%FT%TZ)`;

/** Traffic back at the primary region after a switchover: the operator's own mechanism, with the endpoint to point it at. */
export function trafficBackStep(pair: Pair, n: Names, dbId: string | undefined): FailbackProcedureStep {
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
export function fenceStep(pair: Pair, n: Names): FailbackProcedureStep {
  const { dr } = pair;
  const fence = n.drNodeGroups.map((g) => fenceCommand(dr.region, n.drCluster, g));
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

/** The procedure's last line: run pnpm failback again for the next step. */
export function next(pair: Pair, step: Failback['step']): FailbackProcedureStep {
  return {
    id: 'next',
    title: `Then: failback step ${step}`,
    changes: `writes the next manifest change (${step})`,
    commands: [failbackLine(pair)],
    by: 'operator',
  };
}
