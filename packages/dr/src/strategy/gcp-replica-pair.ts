/**
 * A replica pair on GCP (pilot light, warm standby): the same manifest steps as on AWS
 * (failover.step promote, then complete; failback reprotect, promote, complete, then both sections
 * removed), with the database's part through Cloud SQL Admin (cloud/gcp-sql.ts) and the node pools
 * through Terraform (`cluster.capacityPercent` in the step's layer, applied by the team's Terraform).
 *
 * - The replica is read with instances.get, in the DR project only. Cloud SQL Admin reports no
 *   replication lag (Cloud Monitoring's `database/replication/replica_lag` does): the recovery
 *   point says so instead of guessing.
 * - The promotion, failing over and failing back, is one instances.promoteReplica call made by the
 *   command once confirmed, waited for with operations.get until DONE, before the step is written:
 *   the apply then finds the instance already a CLOUD_SQL_INSTANCE without a master, as the step's
 *   Terraform declares it (database mode promoted), and changes only the node pools. A run after a
 *   promotion that was not written finds the instance promoted and does not promote again.
 * - Cloud SQL cannot turn a standalone instance back into a replica of another (Enterprise
 *   edition: no switchover, no demotion to a Cloud SQL replica), so, as on AWS, reprotect replaces
 *   the old primary's instance with a cross-region replica of the dr one, and the last step replaces
 *   the dr one with a replica of the primary's again: `master_instance_name` forces a new instance.
 *
 * Drills run on AWS only (moto): a GCP pair is refused by `pnpm drill` before any of this runs.
 */
import type { Failback, Failover } from '@parity/model';
import { recoveryPointMissing, refuseOne } from '@parity/model';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';
import type { SqlInstance } from '../cloud/gcp-sql.js';
import { failbackLine, failoverLine } from '../cloud/target.js';
import type { FailbackApi } from '../failback/api.js';
import { applyCommands, type FailbackProcedureStep, next, stackOf } from '../failback/procedure.js';
import { describePoint, type RecoveryPoint, type ReplicaPoint } from '../failover/point.js';
import { type Names, names } from '../names.js';
import type { Pair } from '../pair.js';
import { replicaPair } from './replica-pair.js';
import { gcpCalls } from './lazy.js';
import { reprotectWhat, rolesWhat } from './shared.js';
import type { ConfirmedApi, DrStrategy, FailbackJson, FailbackReady, RecoverySearch, RunbookStep, Switchover } from './strategy.js';

const NO_LAG = 'lag not reported by Cloud SQL Admin (read cloudsql.googleapis.com/database/replication/replica_lag in Cloud Monitoring)';

/** The Cloud SQL instance an environment's Terraform places in its region: its Terraform address and its name. */
function instanceOf(json: TerraformJson, region: string): { address: string; name?: string } | undefined {
  const all = placedResources(json, 'google_sql_database_instance');
  const i = all.find((d) => d.region === undefined || d.region === region || literal(d.body.region) === region);
  return i ? { address: i.address, name: literal(i.body.name) } : undefined;
}
const instanceIn = (json: TerraformJson, region: string) => instanceOf(json, region)?.name;

const project = (p: Pair, side: 'primary' | 'dr') => p[side].gcpProject ?? '';
const flag = (p: Pair, side: 'primary' | 'dr') => (p[side].gcpProject ? ` --project ${p[side].gcpProject}` : '');

/** An instance as a recovery point: the replica, its state, what it replicates. */
function pointOf(i: SqlInstance): ReplicaPoint {
  return {
    kind: 'replica',
    identifier: i.name,
    arn: i.selfLink ?? `${i.project}:${i.name}`,
    status: i.state,
    ...(i.masterInstanceName ? { source: i.masterInstanceName } : {}),
    replication:
      i.instanceType === 'READ_REPLICA_INSTANCE' ? `replica of ${i.masterInstanceName ?? 'its master'}` : 'standalone (promoted)',
    lagNote: NO_LAG,
  };
}

/** instances.get of one side's instance, or the refusal that names what is missing. */
async function read(pair: Pair, side: 'primary' | 'dr', name: string | undefined, endpoint: string | undefined): Promise<SqlInstance> {
  const env = pair[side];
  const { gcpSql } = await gcpCalls();
  const sql = gcpSql(endpoint);
  try {
    const i = name ? await sql.instance(project(pair, side), name) : undefined;
    if (!i)
      return refuseOne(
        recoveryPointMissing(env.name, env.region, `the Cloud SQL instance ${name ?? `of ${env.name}`} (is ${env.name} applied?)`),
      );
    return i;
  } finally {
    await sql.close();
  }
}

/** The failover's recovery point: the replica in the DR project, read through Cloud SQL Admin. */
async function theReplica(pair: Pair, search: RecoverySearch): Promise<RecoveryPoint> {
  return pointOf(await read(pair, 'dr', instanceIn(search.drJson, pair.dr.region), search.endpoint));
}

/** promoteReplica of one side's instance once confirmed, waited for; a standalone one is left as it is. */
async function promote(pair: Pair, side: 'primary' | 'dr', name: string, api: ConfirmedApi): Promise<string> {
  const { gcpSql } = await gcpCalls();
  const sql = gcpSql(api.endpoint);
  try {
    const p = project(pair, side);
    const i = await sql.instance(p, name);
    if (!i) return refuseOne(recoveryPointMissing(pair[side].name, pair[side].region, `the Cloud SQL instance ${name}`));
    if (i.instanceType !== 'READ_REPLICA_INSTANCE')
      return `${p}:${name} is already a standalone instance (${i.instanceType}): not promoted again`;
    const op = await sql.promoteReplica(p, name, { ...api, ...(api.endpoint ? { pollMs: 50 } : {}) });
    return `${p}:${name} promoted (promoteReplica, operation ${op.name} DONE${op.endTime ? ` at ${op.endTime}` : ''})`;
  } finally {
    await sql.close();
  }
}

/** What pnpm failover does itself at step promote, once confirmed. */
function promoteByCommand(p: Pair, n: Names) {
  return {
    title: `Promote ${n.drDb ?? 'the replica'} through Cloud SQL Admin, then write failover.step promote`,
    changes: `pnpm failover calls instances.promoteReplica on ${project(p, 'dr')}:${n.drDb ?? ''} and waits for the operation (it cannot be undone: the replica stops replicating ${p.primary.name}), then writes the step; fence ${p.primary.name}'s writers first if ${p.primary.region} answers`,
    commands: [failoverLine(p)],
  };
}

async function promoteOnConfirm(pair: Pair, step: Failover['step'], point: RecoveryPoint, api: ConfirmedApi): Promise<string | undefined> {
  if (step !== 'promote' || point.kind !== 'replica') return undefined;
  return promote(pair, 'dr', point.identifier, api);
}

/** Step promote of the failback: the reverse replica in the primary project, read before the change is written. */
async function reverseReplica(api: FailbackApi, pair: Pair, step: Failback['step'], json: FailbackJson, at: Date): Promise<FailbackReady> {
  if (step !== 'promote') return {};
  const point = pointOf(await read(pair, 'primary', instanceIn(json.primaryBefore, pair.primary.region), api.endpoint));
  return { point, text: describePoint(point, at, pair.dr.dr.rpoMinutes) };
}

/** Step promote, once confirmed: the reverse replica promoted; the dr side's writers were fenced by the operator before this run. */
async function promoteBack(api: FailbackApi, pair: Pair, step: Failback['step'], json: FailbackJson): Promise<Switchover | undefined> {
  const name = instanceIn(json.primaryBefore, pair.primary.region);
  if (step !== 'promote' || !name) return undefined;
  const n = names(json.primaryBefore, json.drBefore, pair);
  const done = await promote(pair, 'primary', name, {
    ...(api.endpoint ? { endpoint: api.endpoint } : {}),
    ...(api.log ? { log: api.log } : {}),
    ...(api.signal ? { signal: api.signal } : {}),
  });
  return { fenced: n.drNodeGroups.map((g) => `${n.drCluster}/${g} (by the operator, before this run)`), atSwitchover: done };
}

/** The dr side's node pools to zero: the fence, as the operator runs it before the switchover. */
function fenceCommands(p: Pair, n: Names): string[] {
  return n.drNodeGroups.map(
    (g) => `gcloud container clusters resize ${n.drCluster} --node-pool ${g} --num-nodes 0 --region ${p.dr.region}${flag(p, 'dr')} --quiet`,
  );
}

const describe = (p: Pair, side: 'primary' | 'dr', name: string | undefined) =>
  `gcloud sql instances describe ${name}${flag(p, side)} --format='value(state,instanceType,masterInstanceName)'`;

/** What each failback step's procedure is written from: the pair, its names and both sides' instances. */
interface StepFacts {
  readonly pair: Pair;
  readonly json: FailbackJson;
  readonly n: Names;
  /** The primary side's instance, before the failback. */
  readonly pdb: string | undefined;
  /** The dr side's instance, before the failback. */
  readonly ddb: string | undefined;
}

/** The procedure of each failback step, as pnpm failback prints it. */
function procedure(pair: Pair, step: Failback['step'], json: FailbackJson): FailbackProcedureStep[] {
  const f: StepFacts = {
    pair,
    json,
    n: names(json.primaryBefore, json.drBefore, pair),
    pdb: instanceIn(json.primaryBefore, pair.primary.region),
    ddb: instanceIn(json.drBefore, pair.dr.region),
  };
  switch (step) {
    case 'reprotect':
      return reprotectProcedure(f);
    case 'promote':
      return promoteProcedure(f);
    case 'complete':
      return completeProcedure(f);
    default:
      return restoreProcedure(f);
  }
}

/** Reads only: both environments checked, both instances described. */
function verifyStep({ pair, pdb, ddb }: StepFacts): FailbackProcedureStep {
  return {
    id: 'verify',
    title: `Verify ${pair.primary.name} and ${pair.dr.name}`,
    changes: 'nothing: reads only',
    commands: [`pnpm check ${pair.primary.name} ${pair.dr.name}`, describe(pair, 'primary', pdb), describe(pair, 'dr', ddb)],
    by: 'operator',
  };
}

/** failback.step reprotect: the primary's instance replaced by a replica of the dr one, then the wait and the fence. */
function reprotectProcedure({ pair, json, n, pdb, ddb }: StepFacts): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  return [
    {
      id: 'apply',
      title: `Apply ${primary.name} with failback.step reprotect, replacing its instance`,
      changes: `REPLACES ${pdb ?? 'the instance'}: Cloud SQL cannot turn a standalone instance into a replica, so the old, diverged one is deleted and a cross-region replica of ${project(pair, 'dr')}:${ddb ?? ''} is created in ${primary.region} (a full copy); ${primary.name}'s node pools go to standby size. ${GCP_REPLACE_GAP}`,
      commands: applyCommands(primary.name, 'failback.tfplan', instanceOf(json.primaryAfter, primary.region)?.address),
      by: 'terraform',
    },
    {
      id: 'wait',
      title: `Wait until the replica in ${primary.region} has caught up, fence ${dr.name}'s writers, then switch over`,
      changes: `nothing yet: check that ${pdb ?? 'the replica'} is RUNNABLE and its replica_lag (Cloud Monitoring) is 0 after the fence below, then the next pnpm failback promotes it through Cloud SQL Admin and writes failback.step promote`,
      commands: [describe(pair, 'primary', pdb), ...fenceCommands(pair, n), failbackLine(pair)],
      by: 'operator',
    },
  ];
}

/** failback.step promote: the fence, the promotion by pnpm failback, the apply, traffic back. */
function promoteProcedure({ pair, n, pdb, ddb }: StepFacts): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  return [
    {
      id: 'fence',
      title: `Before this run: ${dr.name}'s writers fenced in ${dr.region}`,
      changes: `its node pools at zero, so nothing writes to ${ddb ?? 'its instance'} from here on; pnpm failback does not fence on GCP (node pools are Terraform's)`,
      commands: fenceCommands(pair, n).length ? fenceCommands(pair, n) : [`# ${dr.name} defines no node pool`],
      by: 'operator',
    },
    {
      id: 'wait-zero',
      title: `Promote ${pdb ?? 'the replica'} through Cloud SQL Admin`,
      changes: `pnpm failback calls instances.promoteReplica on ${project(pair, 'primary')}:${pdb ?? ''} once confirmed and waits for the operation, then writes the step`,
      commands: [describe(pair, 'primary', pdb)],
      by: 'failback',
    },
    {
      id: 'apply',
      title: `Apply ${primary.name} with failback.step promote`,
      changes: `records the promotion (the instance is already standalone) and scales ${primary.name}'s node pools to full size`,
      commands: applyCommands(primary.name, 'failback.tfplan'),
      by: 'terraform',
    },
    {
      id: 'traffic',
      title: `Point traffic back at ${primary.region}`,
      changes: `clients use ${primary.name} again: your own mechanism (a DNS record, service discovery), as for the failover`,
      commands: [
        `gcloud sql instances describe ${pdb}${flag(pair, 'primary')} --format='value(ipAddresses[0].ipAddress)'`,
        ...(n.cluster ? [`gcloud container clusters get-credentials ${n.cluster} --region ${primary.region}${flag(pair, 'primary')}`] : []),
      ],
      by: 'operator',
    },
    next(pair, 'complete'),
  ];
}

/** failback.step complete: the promoted instance made a full primary in place, then verified. */
function completeProcedure(f: StepFacts): FailbackProcedureStep[] {
  const { primary } = f.pair;
  return [
    {
      id: 'apply',
      title: `Apply ${primary.name} with failback.step complete`,
      changes: `turns the promoted instance into a full primary in ${primary.region} (automated backups, point-in-time recovery), in place`,
      commands: applyCommands(primary.name, 'failback.tfplan'),
      by: 'terraform',
    },
    verifyStep(f),
    next(f.pair, 'restore'),
  ];
}

/** Both sections removed: the dr instance replaced by a replica of the primary again, the original roles. */
function restoreProcedure(f: StepFacts): FailbackProcedureStep[] {
  const { pair, json, pdb, ddb } = f;
  const { primary, dr } = pair;
  const verify = verifyStep(f);
  return [
    {
      id: 'apply',
      title: `Apply ${dr.name} without its failover section, replacing its instance`,
      changes: `REPLACES ${ddb ?? 'the instance'} with a cross-region replica of ${project(pair, 'primary')}:${pdb ?? ''}; ${dr.name}'s node pools go back to standby size: the original roles`,
      commands: applyCommands(dr.name, 'restore.tfplan', instanceOf(json.drBefore, dr.region)?.address),
      by: 'terraform',
    },
    {
      id: 'apply-primary',
      title: `Plan ${primary.name} without its failback section: no changes`,
      changes: `nothing: ${primary.name}'s manifest is as before the failover`,
      commands: [`pnpm synth ${primary.name}`, `terraform -chdir=${stackOf(primary.name)} plan -detailed-exitcode`],
      by: 'operator',
    },
    { ...verify, commands: [...verify.commands, `pnpm gen runbook ${dr.name} --check`] },
  ];
}

/** The runbook's way back: each run of pnpm failback --gcp, and what follows it. */
function runbookWayBack(p: Pair, primaryJson: TerraformJson, drJson: TerraformJson): RunbookStep[] {
  const { primary, dr } = p;
  const by = 'pnpm failback, then Terraform';
  const n = names(primaryJson, drJson, p);
  const [pdb, ddb] = [instanceOf(primaryJson, primary.region), instanceOf(drJson, dr.region)];
  const run = failbackLine(p);
  return [
    {
      title: `Re-protect: ${primary.name} becomes the DR of ${dr.name} (failback.step reprotect)`,
      by,
      changes: `writes \`failback: step: reprotect\` into environments/${primary.name}/environment.yaml. Cloud SQL cannot turn a standalone instance into a replica, so ${primary.name}'s old, diverged instance ${pdb?.name ?? ''} is REPLACED by a cross-region replica of ${project(p, 'dr')}:${ddb?.name ?? ''}; its node pools go to standby size. ${GCP_REPLACE_GAP}`,
      commands: [run, ...applyCommands(primary.name, 'failback.tfplan', pdb?.address), describe(p, 'primary', pdb?.name)],
    },
    {
      title: 'Switch over at a fenced moment (failback.step promote)',
      by,
      changes: `once the replica is RUNNABLE, fence ${dr.name}'s writers (its node pools to zero: pnpm failback does not fence on GCP) and wait until its replica_lag in Cloud Monitoring is 0; then pnpm failback promotes ${pdb?.name ?? 'the replica'} through Cloud SQL Admin (promoteReplica, waited for) and writes \`failback.step: promote\`; the apply scales ${primary.name}'s node pools up. Then point traffic back at ${primary.region}`,
      commands: [...fenceCommands(p, n), run, ...applyCommands(primary.name, 'failback.tfplan')],
    },
    {
      title: 'Complete (failback.step complete)',
      by,
      changes: `${primary.name}'s instance a full primary again (automated backups, point-in-time recovery), in place`,
      commands: [run, ...applyCommands(primary.name, 'failback.tfplan')],
    },
    {
      title: 'Restore the original roles',
      by,
      changes: `removes \`failback:\` from ${primary.name}'s manifest and \`failover:\` from ${dr.name}'s (their comments stay as the history). ${dr.name}'s instance ${ddb?.name ?? ''} is REPLACED by a cross-region replica of ${primary.name}'s, its node pools back to standby size; ${primary.name}'s plan shows no change`,
      commands: [
        run,
        ...applyCommands(dr.name, 'failback.tfplan', ddb?.address),
        `terraform -chdir=${stackOf(primary.name)} plan -detailed-exitcode`,
        `pnpm check ${primary.name} ${dr.name}`,
        `pnpm gen runbook ${dr.name}`,
      ],
    },
  ];
}

/** What a replacement of a Cloud SQL instance meets that the bundle does not handle yet (docs/failover-failback.md). */
const GCP_REPLACE_GAP =
  "Not yet handled: Cloud SQL keeps a deleted instance's name reserved for a while (up to a week), so the new replica under the same name can be refused until then, and with deletion protection on, Terraform refuses the replacement until an apply with database.deletionProtection false";

export const gcpReplicaPair: DrStrategy = {
  failover: {
    steps: [
      {
        step: 'promote',
        changes: (p) =>
          `records the promotion pnpm failover made (the instance is standalone, as this step's Terraform declares it: Terraform leaves it as it is) and scales ${p.dr.name}'s node pools to full size`,
        byCommand: promoteByCommand,
      },
      {
        step: 'complete',
        changes: (p) =>
          `turns the promoted instance into a full primary in ${p.dr.region} (automated backups, point-in-time recovery, deletion protection as the tier says), in place`,
      },
    ],
    recoveryPoint: theReplica,
    confirmed: promoteOnConfirm,
  },
  failback: {
    steps: [
      { step: 'reprotect', from: (p) => `${p.dr.name} (${p.dr.region}), replicated into ${p.primary.region}`, what: reprotectWhat },
      {
        step: 'promote',
        from: (p) => `read replica of ${p.dr.name} in ${p.primary.region}`,
        what: (p) => `promote — planned switchover back to ${p.primary.region}, writes fenced in ${p.dr.region}`,
      },
      {
        step: 'complete',
        from: (p) => `read replica of ${p.dr.name} in ${p.primary.region}`,
        what: (p) => `complete — ${p.primary.name} a full primary again`,
      },
      { step: 'restore', what: (p) => `restore — ${rolesWhat(p)}` },
    ],
    reverse: 'reverse replica',
    reverseFound: () => 'reverse replica',
    passesMidway: replicaPair.failback.passesMidway,
    ready: reverseReplica,
    procedure: (p, step, json) => procedure(p, step, json),
    switchover: promoteBack,
  },
  runbook: {
    peacetime: replicaPair.runbook.peacetime,
    dataCheck: (p) =>
      `Data: the replica is RUNNABLE and replicating in ${p.dr.region} (its lag, within the ${p.dr.dr.rpoMinutes} min RPO, is in Cloud Monitoring: cloudsql.googleapis.com/database/replication/replica_lag)`,
    failback: runbookWayBack,
  },
  // drills run on AWS only (moto): resolvePair refuses a drill of a GCP pair before the plan is read
  drill: replicaPair.drill,
};
