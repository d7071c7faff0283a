/**
 * The procedure of a failover step, in order, with exact commands: Terraform's part (synth,
 * apply the reviewed manifest change) and what Terraform does not do (fence the old primary if it
 * is reachable, point traffic at the DR region, verify). Names come from both environments'
 * Terraform; nothing here calls an API. `pnpm failover` prints it; the runbook is made from it.
 */
import type { FailoverStep } from './section.js';
import type { Pair } from '../pair.js';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';

export interface ProcedureStep {
  readonly id: 'fence-writers' | 'apply' | 'complete' | 'fence-database' | 'traffic' | 'verify';
  readonly title: string;
  /** What running it changes. */
  readonly changes: string;
  readonly commands: readonly string[];
  /** Done by the failover command itself, or by a person (or the team's pipeline). */
  readonly by: 'terraform' | 'operator';
}

export interface Names {
  primaryDb?: string;
  drDb?: string;
  cluster?: string;
  nodeGroups: string[];
  drCluster?: string;
  drNodeGroups: string[];
  queues: string[];
}

/** The resource types that name each part, per cloud. */
const TYPES = {
  aws: {
    db: 'aws_db_instance',
    cluster: 'aws_eks_cluster',
    group: 'aws_eks_node_group',
    groupName: 'node_group_name',
    queue: 'aws_sqs_queue',
  },
  gcp: {
    db: 'google_sql_database_instance',
    cluster: 'google_container_cluster',
    group: 'google_container_node_pool',
    groupName: 'name',
    queue: 'google_pubsub_topic',
  },
} as const;

/** The names the procedure uses, from both environments' Terraform. */
export function names(primaryJson: TerraformJson, drJson: TerraformJson, pair: Pair): Names {
  const t = TYPES[pair.dr.cloud];
  const inRegion = <T extends { region?: string }>(xs: T[], region: string) =>
    xs.filter((x) => x.region === undefined || x.region === region);
  const first = (j: TerraformJson, type: string, key: string, region: string) =>
    literal(inRegion(placedResources(j, type), region)[0]?.body[key]);
  const all = (j: TerraformJson, type: string, key: string, region: string) =>
    inRegion(placedResources(j, type), region)
      .map((r) => literal(r.body[key]))
      .filter((n): n is string => !!n);
  const dbKey = pair.dr.cloud === 'aws' ? 'identifier' : 'name';
  return {
    primaryDb: first(primaryJson, t.db, dbKey, pair.primary.region),
    drDb: first(drJson, t.db, dbKey, pair.dr.region),
    cluster: first(primaryJson, t.cluster, 'name', pair.primary.region),
    nodeGroups: all(primaryJson, t.group, t.groupName, pair.primary.region),
    drCluster: first(drJson, t.cluster, 'name', pair.dr.region),
    drNodeGroups: all(drJson, t.group, t.groupName, pair.dr.region),
    queues: all(drJson, t.queue, 'name', pair.dr.region),
  };
}

/** The commands of the by-hand steps, per cloud. */
function commands(pair: Pair, n: Names) {
  const { primary, dr } = pair;
  if (pair.dr.cloud === 'gcp') {
    const pp = primary.gcpProject ? ` --project ${primary.gcpProject}` : '';
    const dp = dr.gcpProject ? ` --project ${dr.gcpProject}` : '';
    return {
      fenceWriters: n.nodeGroups.map(
        (g) => `gcloud container clusters resize ${n.cluster} --node-pool ${g} --num-nodes 0 --region ${primary.region}${pp} --quiet`,
      ),
      fenceDatabase: n.primaryDb ? [`gcloud sql instances patch ${n.primaryDb} --activation-policy=NEVER${pp}`] : [],
      endpoints: [
        ...(n.drDb ? [`gcloud sql instances describe ${n.drDb}${dp} --format='value(ipAddresses[0].ipAddress)'`] : []),
        ...(n.drCluster ? [`gcloud container clusters get-credentials ${n.drCluster} --region ${dr.region}${dp}`] : []),
      ],
      verify: [
        ...(n.drDb ? [`gcloud sql instances describe ${n.drDb}${dp} --format='value(state,instanceType,masterInstanceName)'`] : []),
        ...n.drNodeGroups.map(
          (g) =>
            `gcloud container node-pools describe ${g} --cluster ${n.drCluster} --region ${dr.region}${dp} --format='value(status,autoscaling)'`,
        ),
        ...n.queues.map((q) => `gcloud pubsub topics describe ${q}${dp}`),
      ],
    };
  }
  const pr = `--region ${primary.region}`;
  return {
    fenceWriters: n.nodeGroups.map(
      (g) =>
        `aws eks update-nodegroup-config ${pr} --cluster-name ${n.cluster} --nodegroup-name ${g} --scaling-config minSize=0,maxSize=1,desiredSize=0`,
    ),
    fenceDatabase: n.primaryDb ? [`aws rds stop-db-instance ${pr} --db-instance-identifier ${n.primaryDb}`] : [],
    endpoints: [
      ...(n.drDb
        ? [
            `aws rds describe-db-instances --region ${dr.region} --db-instance-identifier ${n.drDb} --query 'DBInstances[0].Endpoint.Address' --output text`,
          ]
        : []),
      ...(n.drCluster ? [`aws eks update-kubeconfig --region ${dr.region} --name ${n.drCluster}`] : []),
    ],
    verify: [
      ...(n.drDb
        ? [
            `aws rds describe-db-instances --region ${dr.region} --db-instance-identifier ${n.drDb} --query 'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier,StorageEncrypted]'`,
          ]
        : []),
      ...n.drNodeGroups.map(
        (g) =>
          `aws eks describe-nodegroup --region ${dr.region} --cluster-name ${n.drCluster} --nodegroup-name ${g} --query 'nodegroup.[status,scalingConfig]'`,
      ),
      ...n.queues.map((q) => `aws sqs get-queue-url --region ${dr.region} --queue-name ${q}`),
    ],
  };
}

/** The steps of one failover step (restore; promote; complete), in order. */
export function procedure(pair: Pair, step: FailoverStep, primaryJson: TerraformJson, drJson: TerraformJson): ProcedureStep[] {
  const n = names(primaryJson, drJson, pair);
  const c = commands(pair, n);
  const { primary, dr } = pair;
  const stack = `environments/${dr.name}/cdktf.out/stacks/${dr.name}`;
  const out: ProcedureStep[] = [];
  if (step !== 'complete') {
    out.push({
      id: 'fence-writers',
      title: `Fence the old primary's writers in ${primary.region}, if the region is reachable`,
      changes: `scales ${primary.name}'s node groups to zero, so nothing writes to ${primary.name}'s database while ${dr.name} takes over; skip it if ${primary.region} does not answer`,
      commands: c.fenceWriters.length ? c.fenceWriters : [`# ${primary.name} defines no cluster: stop its writers by your own means`],
      by: 'operator',
    });
  }
  const what: Record<FailoverStep, string> = {
    restore: `creates ${dr.name} in ${dr.region}, its database restored from the recovery point, its cluster at full size`,
    promote: `promotes the read replica ${n.drDb ?? ''} to a standalone database (one promotion call: it cannot be undone) and scales ${dr.name}'s compute to full size`,
    complete: `turns the promoted database into a full primary in ${dr.region} (backups, managed master password, deletion protection as the tier says), in place`,
  };
  const apply = [
    `pnpm synth ${dr.name}`,
    `terraform -chdir=${stack} init -input=false`,
    `terraform -chdir=${stack} plan -out=failover.tfplan`,
    `terraform -chdir=${stack} apply failover.tfplan`,
  ];
  out.push({ id: 'apply', title: `Apply ${dr.name} with failover.step ${step}`, changes: what[step], commands: apply, by: 'terraform' });
  if (step === 'promote') {
    out.push({
      id: 'complete',
      title: `Complete the failover: failover.step complete, then apply`,
      changes: what.complete,
      commands: [
        `pnpm failover ${dr.name} ${dr.cloud === 'aws' ? '--aws' : '(AWS only today: write failover.step complete by hand)'} --reason "<the same reason>" --by "<who>"`,
        `git commit -m "${dr.name}: failover complete" environments/${dr.name}/environment.yaml`,
        ...apply,
      ],
      by: 'terraform',
    });
  }
  if (step !== 'complete' && c.fenceDatabase.length) {
    out.push({
      id: 'fence-database',
      title: `Stop the old primary database in ${primary.region}, if reachable`,
      changes: `stops ${n.primaryDb}, so no client can write to it by mistake (its data stays; failback starts from it)`,
      commands: c.fenceDatabase,
      by: 'operator',
    });
  }
  out.push({
    id: 'traffic',
    title: `Point traffic at ${dr.region}`,
    changes: `clients use ${dr.name}: Parity generates no DNS records, so this is your own mechanism (a DNS record, a service discovery entry, the applications' configuration)`,
    commands: [...c.endpoints, '# then update the record your clients resolve (a DNS record, service discovery) to the addresses above'],
    by: 'operator',
  });
  out.push({
    id: 'verify',
    title: `Verify ${dr.name}`,
    changes: 'nothing: reads only',
    commands: [`pnpm check ${primary.name} ${dr.name}`, ...c.verify, "# and your applications' own smoke tests against the DR region"],
    by: 'operator',
  });
  return out;
}
