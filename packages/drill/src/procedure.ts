/**
 * The procedure of a failover step, in order, with exact commands: Terraform's part (synth,
 * apply the reviewed manifest change) and what Terraform does not do (fence the old primary if it
 * is reachable, point traffic at the DR region, verify). Names come from both environments'
 * Terraform; nothing here calls an API. `pnpm failover` prints it; the runbook is made from it.
 */
import { literal, resourcesOf, type TfJson } from './emulator.js';
import type { FailoverStep } from './failover.js';
import type { Pair } from './pair.js';

export interface ProcedureStep {
  readonly id: 'fence-writers' | 'apply' | 'complete' | 'fence-database' | 'traffic' | 'verify';
  readonly title: string;
  /** What running it changes. */
  readonly changes: string;
  readonly commands: readonly string[];
  /** Done by the failover command itself, or by a person (or the team's pipeline). */
  readonly by: 'terraform' | 'operator';
}

interface Names {
  primaryDb?: string;
  drDb?: string;
  cluster?: string;
  nodeGroups: string[];
  drCluster?: string;
  drNodeGroups: string[];
  queues: string[];
}

function names(primaryJson: TfJson, drJson: TfJson, pair: Pair): Names {
  const inRegion = <T extends { region?: string }>(xs: T[], region: string) => xs.filter((x) => x.region === undefined || x.region === region);
  const db = (j: TfJson, region: string) => literal(inRegion(resourcesOf(j, 'aws_db_instance'), region)[0]?.body.identifier);
  const cluster = (j: TfJson, region: string) => literal(inRegion(resourcesOf(j, 'aws_eks_cluster'), region)[0]?.body.name);
  const groups = (j: TfJson, region: string) => inRegion(resourcesOf(j, 'aws_eks_node_group'), region).map((g) => literal(g.body.node_group_name)).filter((n): n is string => !!n);
  const queues = inRegion(resourcesOf(drJson, 'aws_sqs_queue'), pair.dr.region).map((q) => literal(q.body.name)).filter((n): n is string => !!n);
  return {
    primaryDb: db(primaryJson, pair.primary.region),
    drDb: db(drJson, pair.dr.region),
    cluster: cluster(primaryJson, pair.primary.region),
    nodeGroups: groups(primaryJson, pair.primary.region),
    drCluster: cluster(drJson, pair.dr.region),
    drNodeGroups: groups(drJson, pair.dr.region),
    queues,
  };
}

/** The steps of one failover step (restore; promote; complete), in order. */
export function procedure(pair: Pair, step: FailoverStep, primaryJson: TfJson, drJson: TfJson): ProcedureStep[] {
  const n = names(primaryJson, drJson, pair);
  const { primary, dr } = pair;
  const stack = `environments/${dr.name}/cdktf.out/stacks/${dr.name}`;
  const pr = `--region ${primary.region}`;
  const out: ProcedureStep[] = [];
  if (step !== 'complete') {
    out.push({
      id: 'fence-writers',
      title: `Fence the old primary's writers in ${primary.region}, if the region is reachable`,
      changes: `scales ${primary.name}'s node groups to zero, so nothing writes to ${primary.name}'s database while ${dr.name} takes over; skip it if ${primary.region} does not answer`,
      commands: n.cluster
        ? n.nodeGroups.map((g) => `aws eks update-nodegroup-config ${pr} --cluster-name ${n.cluster} --nodegroup-name ${g} --scaling-config minSize=0,maxSize=1,desiredSize=0`)
        : [`# ${primary.name} defines no EKS cluster: stop its writers by your own means`],
      by: 'operator',
    });
  }
  const what: Record<FailoverStep, string> = {
    restore: `creates ${dr.name} in ${dr.region}, its database restored from the recovery point, its cluster at full size`,
    promote: `promotes the read replica ${n.drDb ?? ''} to a standalone database (one PromoteReadReplica: it cannot be undone) and scales ${dr.name}'s compute to full size`,
    complete: `turns the promoted database into a full primary in ${dr.region} (backups, managed master password, deletion protection as the tier says), in place`,
  };
  out.push({
    id: 'apply',
    title: `Apply ${dr.name} with failover.step ${step}`,
    changes: what[step],
    commands: [`pnpm synth ${dr.name}`, `terraform -chdir=${stack} init -input=false`, `terraform -chdir=${stack} plan -out=failover.tfplan`, `terraform -chdir=${stack} apply failover.tfplan`],
    by: 'terraform',
  });
  if (step === 'promote') out.push({ id: 'complete', title: `Complete the failover: pnpm failover ${dr.name} again (failover.step complete), then apply`, changes: what.complete, commands: [`pnpm failover ${dr.name} --reason "<same reason>"`], by: 'operator' });
  if (step !== 'complete' && n.primaryDb) {
    out.push({
      id: 'fence-database',
      title: `Stop the old primary database in ${primary.region}, if reachable`,
      changes: `stops ${n.primaryDb}, so no client can write to it by mistake (its data stays; failback starts from it)`,
      commands: [`aws rds stop-db-instance ${pr} --db-instance-identifier ${n.primaryDb}`],
      by: 'operator',
    });
  }
  out.push({
    id: 'traffic',
    title: `Point traffic at ${dr.region}`,
    changes: `clients use ${dr.name}: Parity generates no DNS records, so this is your own mechanism (a DNS record, a service discovery entry, the applications' configuration)`,
    commands: [
      ...(n.drDb ? [`aws rds describe-db-instances --region ${dr.region} --db-instance-identifier ${n.drDb} --query 'DBInstances[0].Endpoint.Address' --output text`] : []),
      ...(n.drCluster ? [`aws eks update-kubeconfig --region ${dr.region} --name ${n.drCluster}`] : []),
      '# then update the record your clients resolve (for example: aws route53 change-resource-record-sets …) to the addresses above',
    ],
    by: 'operator',
  });
  out.push({
    id: 'verify',
    title: `Verify ${dr.name}`,
    changes: 'nothing: reads only',
    commands: [
      `pnpm check ${primary.name} ${dr.name}`,
      ...(n.drDb ? [`aws rds describe-db-instances --region ${dr.region} --db-instance-identifier ${n.drDb} --query 'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier,StorageEncrypted]'`] : []),
      ...n.drNodeGroups.map((g) => `aws eks describe-nodegroup --region ${dr.region} --cluster-name ${n.drCluster} --nodegroup-name ${g} --query 'nodegroup.[status,scalingConfig]'`),
      ...n.queues.map((q) => `aws sqs get-queue-url --region ${dr.region} --queue-name ${q}`),
      '# and your applications\' own smoke tests against the DR region',
    ],
    by: 'operator',
  });
  return out;
}
