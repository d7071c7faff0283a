/**
 * The procedure of a failover step, in order, with exact commands: Terraform's part (synth,
 * apply the reviewed manifest change; what it changes is the strategy's) and what Terraform does
 * not do (fence the old primary if it is reachable, point traffic at the DR region, verify). Names
 * come from both environments' Terraform; nothing here calls an API. `pnpm failover` prints it;
 * the runbook is made from it.
 */
import type { TerraformJson } from '@parity/model/terraform';
import { type Names, names } from '../names.js';
import type { Pair } from '../pair.js';
import { strategyFor } from '../strategy/strategies.js';
import type { DrStrategy } from '../strategy/strategy.js';
import { replayProcedure } from './replay-plan.js';
import type { FailoverStep } from './section.js';
import { failoverLine } from '../cloud/target.js';

export interface FailoverProcedureStep {
  readonly id: 'fence-writers' | 'promote' | 'apply' | 'complete' | 'fence-database' | 'replay' | 'traffic' | 'verify';
  readonly title: string;
  /** What running it changes. */
  readonly changes: string;
  readonly commands: readonly string[];
  /** Done by Terraform's apply, by `pnpm failover` itself once confirmed, or by a person (or the team's pipeline). */
  readonly by: 'terraform' | 'failover' | 'operator';
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
export function failoverProcedure(
  pair: Pair,
  step: FailoverStep,
  primaryJson: TerraformJson,
  drJson: TerraformJson,
  strategy: DrStrategy = strategyFor(pair.dr),
): FailoverProcedureStep[] {
  const n = names(primaryJson, drJson, pair);
  const c = commands(pair, n);
  const { primary, dr } = pair;
  const steps = strategy.failover.steps;
  const at = steps.findIndex((s) => s.step === step);
  const [spec, then] = [steps[at], steps[at + 1]];
  const first = at === 0;
  const out: FailoverProcedureStep[] = [];
  if (first) {
    out.push({
      id: 'fence-writers',
      title: `Fence the old primary's writers in ${primary.region}, if the region is reachable`,
      changes: `scales ${primary.name}'s node groups to zero, so nothing writes to ${primary.name}'s database while ${dr.name} takes over; skip it if ${primary.region} does not answer`,
      commands: c.fenceWriters.length ? c.fenceWriters : [`# ${primary.name} defines no cluster: stop its writers by your own means`],
      by: 'operator',
    });
  }
  const apply = applyCommands(dr.name);
  const own = spec?.byCommand?.(pair, n);
  if (own) out.push({ id: 'promote', ...own, by: 'failover' });
  out.push({
    id: 'apply',
    title: `Apply ${dr.name} with failover.step ${step}`,
    changes: spec?.changes(pair, n) ?? '',
    commands: apply,
    by: 'terraform',
  });
  if (then) out.push(completeStep(pair, then.step, then.changes(pair, n), apply));
  if (first && c.fenceDatabase.length) {
    out.push({
      id: 'fence-database',
      title: `Stop the old primary database in ${primary.region}, if reachable`,
      changes: `stops ${n.primaryDb}, so no client can write to it by mistake (its data stays; failback starts from it)`,
      commands: c.fenceDatabase,
      by: 'operator',
    });
  }
  const replay = first ? replayProcedure(primary, dr) : undefined;
  if (replay) {
    out.push({
      id: 'replay',
      title: `Replay the queues' archived messages into ${dr.name}, after the apply`,
      changes: replay.text,
      commands: replay.commands,
      by: 'operator',
    });
  }
  out.push(trafficStep(pair, c.endpoints), verifyStep(pair, c.verify));
  return out;
}

/** Synth, init, plan and apply of the dr environment. */
function applyCommands(dr: string): string[] {
  const stack = `environments/${dr}/cdktf.out/stacks/${dr}`;
  return [
    `pnpm synth ${dr}`,
    `terraform -chdir=${stack} init -input=false`,
    `terraform -chdir=${stack} plan -out=failover.tfplan`,
    `terraform -chdir=${stack} apply failover.tfplan`,
  ];
}

/** The failover's next step, written and applied once this one is. */
function completeStep(pair: Pair, step: FailoverStep, changes: string, apply: readonly string[]): FailoverProcedureStep {
  const { dr } = pair;
  return {
    id: 'complete',
    title: `Complete the failover: failover.step ${step}, then apply`,
    changes,
    commands: [failoverLine(pair), `git commit -m "${dr.name}: failover ${step}" environments/${dr.name}/environment.yaml`, ...apply],
    by: 'terraform',
  };
}

function trafficStep(pair: Pair, endpoints: readonly string[]): FailoverProcedureStep {
  const { dr } = pair;
  return {
    id: 'traffic',
    title: `Point traffic at ${dr.region}`,
    changes: `clients use ${dr.name}: Parity generates no DNS records, so this is your own mechanism (a DNS record, a service discovery entry, the applications' configuration)`,
    commands: [...endpoints, '# then update the record your clients resolve (a DNS record, service discovery) to the addresses above'],
    by: 'operator',
  };
}

function verifyStep(pair: Pair, verify: readonly string[]): FailoverProcedureStep {
  const { primary, dr } = pair;
  return {
    id: 'verify',
    title: `Verify ${dr.name}`,
    changes: 'nothing: reads only',
    commands: [`pnpm check ${primary.name} ${dr.name}`, ...verify, "# and your applications' own smoke tests against the DR region"],
    by: 'operator',
  };
}
