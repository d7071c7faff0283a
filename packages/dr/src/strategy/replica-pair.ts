/**
 * A replica pair: pilot light and warm standby. In peacetime the dr environment runs with a read
 * replica of the primary's database and its compute at zero (pilot light) or at a share of the
 * primary's (warm standby). The failover promotes the replica and scales up (failover.step
 * promote), then completes the full primary configuration in place (complete): two applies,
 * because nothing else may change in the apply that promotes (terraform-provider-aws#4419).
 * The way back is the same in reverse: reprotect (the old primary replaced by a replica of the
 * promoted database), promote at a fenced moment (lag 0), complete, then both sections removed
 * (restore: the dr database a replica again).
 */
import type { Failback, NotExercised, Strategy } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { recoveryPointMissing, refuseOne } from '@parity/model';
import type { FailbackApi } from '../failback/api.js';
import {
  applyCommands,
  failbackCommand,
  type FailbackProcedureStep,
  fenceCommand,
  fenceStep,
  lagCommand,
  liftCommand,
  liftProtection,
  next,
  stackOf,
  trafficBackStep,
} from '../failback/procedure.js';
import { describePoint } from '../failover/point.js';
import { databaseIn, databaseOf, names } from '../names.js';
import type { Pair } from '../pair.js';
import {
  COMMON_TITLES,
  type DrillObservations,
  type DrillValues,
  type FailbackDrillSteps,
  type FailoverDrillSteps,
  type PendingSummary,
} from './drill-kit.js';
import { cloudCalls } from './lazy.js';
import { reprotectWhat, rolesWhat, wayBackNames } from './shared.js';
import type { DrStrategy, FailbackJson, FailbackReady, RecoverySearch, RunbookStep, Switchover } from './strategy.js';

export const replicaPair: DrStrategy = {
  failover: {
    steps: [
      {
        step: 'promote',
        changes: (p, n) =>
          `promotes the read replica ${n.drDb ?? ''} to a standalone database (one promotion call: it cannot be undone) and scales ${p.dr.name}'s compute to full size`,
      },
      {
        step: 'complete',
        changes: (p) =>
          `turns the promoted database into a full primary in ${p.dr.region} (backups, managed master password, deletion protection as the tier says), in place`,
      },
    ],
    recoveryPoint: theReplica,
  },
  failback: {
    steps: [
      { step: 'reprotect', from: (p) => `${p.dr.name} (${p.dr.region}), replicated into ${p.primary.region}`, what: reprotectWhat },
      {
        step: 'promote',
        from: replicaBack,
        what: (p) => `promote — planned switchover back to ${p.primary.region}, writes fenced in ${p.dr.region}`,
      },
      { step: 'complete', from: replicaBack, what: (p) => `complete — ${p.primary.name} a full primary again` },
      { step: 'restore', what: (p) => `restore — ${rolesWhat(p)}` },
    ],
    reverse: 'reverse replica',
    reverseFound: () => 'reverse replica',
    // after promote and before complete, the primary's database is standalone without backups yet
    // (terraform-provider-aws#4419, as for a failover): step complete is what protects it again
    passesMidway: (p, step, f) => step === 'complete' && f.env === p.primary.name && (f.check === 'policy' || f.kind === 'dr-not-covered'),
    ready: replicaWithinRpo,
    procedure: (p, step, json) => PROCEDURES[step](p, json),
    switchover: promoteAtLagZero,
  },
  runbook: {
    peacetime: (s) => PEACETIME[s] ?? s,
    dataCheck: (p) => `Data: the replica's lag is within the RPO (${p.dr.dr.rpoMinutes} min)`,
    failback: runbookWayBack,
  },
  drill: {
    failoverSteps: ['apply-standby', 'marker', 'produce', 'loss', 'promote', 'complete', 'replay'],
    failbackSteps: ['reprotect', 'switchover', 'failback-complete', 'restore-roles', 'verify-failback'],
    titles: {
      ...COMMON_TITLES,
      'apply-standby': (_p, d, _pr, dr) => `Apply ${d} in ${dr} as in peacetime: the read replica, compute at standby size`,
      promote: (_p, d) => `Fail over: promote ${d}'s replica and scale up (failover.step promote)`,
      complete: (_p, d) => `Complete the failover: ${d} a full primary (failover.step complete)`,
      reprotect: (p, d, pr) =>
        `Fail back, reprotect: ${p} in ${pr} becomes the DR of ${d}, its database replaced by a replica (failback.step reprotect)`,
      switchover: (p, d) =>
        `Fail back, switch over: fence ${d}'s writers, lag 0, promote ${p}'s replica and scale up (failback.step promote)`,
      'failback-complete': (p) => `Fail back, complete: ${p} a full primary (failback.step complete)`,
      'restore-roles': (p, d) => `Restore the original roles: ${d} a replica of ${p} again, both sections removed`,
    },
    failover: drillFailover,
    failback: drillFailback,
    replacedBecause: 'AWS cannot turn a standalone instance into a replica',
    notExercised: (o) => [...replicaGaps(o), ...(o.failback && o.emulated ? failbackGaps(o.pair) : [])],
    failbackNote: (_p, emulated) =>
      emulated
        ? 'Measured on an emulator: the time of the steps and the provider waiters, not of AWS (a new cross-region replica copies the whole database first). The lag before the fence and at the switchover cannot be read on moto (no ReplicaLag): zero data loss is not shown here.'
        : 'Cut-over back (DNS, smoke tests) is not part of the drill.',
  },
};

/** Peacetime, apply-standby; then the marker, the loss, and the two failover applies. */
async function drillFailover<V extends DrillValues>(s: FailoverDrillSteps<V>, primary: V['primary']): Promise<V['recovered']> {
  const standby = await s.applyStandby(primary); // the dr environment with its read replica and standby compute
  const marker = await s.writeMarker(primary); //    a snapshot with a known time and tag, a queue message
  const produced = await s.produceMessages(primary); // messages through the archived queues, a checkpoint after some
  const loss = await s.declareLoss(primary, marker); // the primary region fenced, its data plane killed; the clock starts
  const promoted = await s.promote(primary, standby, marker, loss); // failover.step promote: PromoteReadReplica and scale up
  const recovered = await s.complete(promoted); //   failover.step complete: a full primary, in place
  return s.replayMessages(recovered, produced); //  pnpm failover --replay: what the consumers had not checkpointed
}

/** Back to the primary region as pnpm failback makes it, then the original roles. */
async function drillFailback<V extends DrillValues>(s: FailbackDrillSteps<V>, verified: V['verified']): Promise<void> {
  const reprotected = await s.reprotectAsReplica(verified); // the old primary replaced by a replica of the promoted one
  const switched = await s.switchOverByPromotion(reprotected); // within the RPO, fence the dr side, lag 0, promote
  const completed = await s.completeInPlace(switched); //       failback.step complete: a full primary, in place
  const restored = await s.restoreRoles(completed); //          both sections removed: the dr environment a replica again
  await s.verifyFailback(restored); //                          both regions through the API; the failback measured
}

const PEACETIME: Partial<Record<Strategy, string>> = {
  'pilot-light':
    'pilot light: the DR environment runs in peacetime with its network, keys, queues and a read replica of the database; its compute is defined at zero nodes. The failover promotes the replica and scales the compute up',
  'warm-standby':
    "warm standby: the DR environment runs in peacetime with a read replica and compute at a fraction of the primary's size. The failover promotes the replica and scales the compute up to full size",
};

/** The section's `from` once the data comes back through the reverse replica. */
function replicaBack(p: Pair): string {
  return `read replica of ${p.dr.name} in ${p.primary.region}`;
}

/** The read replica in the DR region, its replication state and its lag. */
async function theReplica(pair: Pair, search: RecoverySearch) {
  const { primary, dr } = pair;
  const replica = databaseIn(search.drJson, dr.region);
  const { replicaOf } = await cloudCalls();
  const p = replica ? await replicaOf(search.clients.rds, search.clients.cloudwatch, replica, search.now) : undefined;
  if (!p)
    refuseOne(recoveryPointMissing(dr.name, dr.region, `the read replica ${replica ?? `of ${primary.name}`} (is ${dr.name} applied?)`));
  return p;
}

/** Step promote: the reverse replica in the primary region, awaited until within the RPO. */
async function replicaWithinRpo(
  api: FailbackApi,
  pair: Pair,
  step: Failback['step'],
  json: FailbackJson,
  at: Date,
): Promise<FailbackReady> {
  if (step !== 'promote') return {};
  const { awaitReverse } = await cloudCalls();
  const point = await awaitReverse(api, pair, { primary: json.primaryBefore, dr: json.drBefore }, 'rpo');
  return { point, text: describePoint(point, at, pair.dr.dr.rpoMinutes) };
}

/** Step promote, once confirmed: fence the dr side's writers, then wait for lag 0 read after the fence. */
async function promoteAtLagZero(api: FailbackApi, pair: Pair, step: Failback['step'], json: FailbackJson): Promise<Switchover | undefined> {
  if (step !== 'promote') return undefined;
  const since = api.now();
  const { awaitReverse, fence } = await cloudCalls();
  const fenced = await fence(api, pair, json.drBefore);
  const point = await awaitReverse(api, pair, { primary: json.primaryBefore, dr: json.drBefore }, 'zero', since);
  return { fenced, atSwitchover: describePoint(point, api.now(), pair.dr.dr.rpoMinutes) };
}

/** The procedure of each failback step. */
const PROCEDURES: Record<Failback['step'], (p: Pair, json: FailbackJson) => FailbackProcedureStep[]> = {
  reprotect: (p, json) => reprotectProcedure(p, json.primaryBefore, json.primaryAfter),
  promote: (p, json) => promoteProcedure(p, json.primaryBefore, json.drBefore),
  complete: (p, json) => [
    {
      id: 'apply',
      title: `Apply ${p.primary.name} with failback.step complete`,
      changes: `turns the promoted database into a full primary in ${p.primary.region} (backups, managed master password, deletion protection, backups replicated to ${p.dr.region}), in place`,
      commands: applyCommands(p.primary.name, 'failback.tfplan'),
      by: 'terraform',
    },
    verifyStep(p, json.primaryAfter),
    next(p, 'restore'),
  ],
  restore: (p, json) => restoreProcedure(p, json),
};

/** reprotect: the old primary replaced by a replica of the dr environment's database. */
function reprotectProcedure(pair: Pair, before: TerraformJson, after: TerraformJson): FailbackProcedureStep[] {
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
    commands: [lagCommand(primary.region, db?.id), failbackCommand(pair)],
    by: 'operator',
  });
  return out;
}

/** promote: the switchover at a fenced moment. */
function promoteProcedure(pair: Pair, before: TerraformJson, drJson: TerraformJson): FailbackProcedureStep[] {
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

function verifyStep(pair: Pair, primaryAfter: TerraformJson): FailbackProcedureStep {
  const { primary, dr } = pair;
  return {
    id: 'verify',
    title: `Verify ${primary.name} and ${dr.name}`,
    changes: 'nothing: reads only',
    commands: [
      `pnpm check ${primary.name} ${dr.name}`,
      `aws rds describe-db-instances --region ${primary.region} --db-instance-identifier ${databaseOf(primaryAfter)?.id} --query 'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier,BackupRetentionPeriod]'`,
    ],
    by: 'operator',
  };
}

/** restore: both sections removed; the dr database replaced by a replica of the primary's again. */
function restoreProcedure(pair: Pair, json: FailbackJson): FailbackProcedureStep[] {
  const { primary, dr } = pair;
  const verify = verifyStep(pair, json.primaryAfter);
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

/** The runbook's way back: reprotect, switch over at a fenced moment, complete, restore the roles. */
function runbookWayBack(p: Pair, primaryJson: TerraformJson, drJson: TerraformJson): RunbookStep[] {
  const { primary, dr } = p;
  const { run, pdb, ddb, n, by } = wayBackNames(p, primaryJson, drJson);
  return [
    {
      title: `Re-protect: ${primary.name} becomes the DR of ${dr.name} (failback.step reprotect)`,
      by,
      changes: `writes \`failback: step: reprotect\` into environments/${primary.name}/environment.yaml. AWS cannot turn a standalone instance into a read replica, so ${primary.name}'s old, diverged database is REPLACED by a read replica of ${dr.name}'s${pdb?.finalSnapshot ? ` (Terraform's delete keeps a final snapshot, ${pdb.finalSnapshot})` : ''}; its compute goes to standby size`,
      commands: [
        run,
        ...(pdb?.protected ? [liftCommand(primary.region, pdb.id)] : []),
        ...applyCommands(primary.name, 'failback.tfplan', pdb?.address),
      ],
    },
    {
      title: `Switch over at a fenced moment (failback.step promote)`,
      by,
      changes: `waits until the replica in ${primary.region} is within the RPO (${dr.dr.rpoMinutes} min), fences ${dr.name}'s writers (its node groups to zero), waits for replica lag 0 (nothing lost), then writes \`failback.step: promote\`; the apply promotes ${pdb?.id ?? 'the replica'} and scales up. Then point traffic back at ${primary.region}`,
      commands: [
        run,
        ...n.drNodeGroups.map((g) => `# the fence it runs: ${fenceCommand(dr.region, n.drCluster, g)}`),
        ...applyCommands(primary.name, 'failback.tfplan'),
      ],
    },
    {
      title: `Complete (failback.step complete)`,
      by,
      changes: `${primary.name}'s database a full primary again (backups, managed master password, deletion protection), in place`,
      commands: [run, ...applyCommands(primary.name, 'failback.tfplan')],
    },
    {
      title: 'Restore the original roles',
      by,
      changes: `removes \`failback:\` from ${primary.name}'s manifest and \`failover:\` from ${dr.name}'s (their comments stay as the history): both exactly as before the failover. ${dr.name}'s database is REPLACED by a read replica of ${primary.name}'s${ddb?.finalSnapshot ? ` (final snapshot ${ddb.finalSnapshot})` : ''}, its compute back to standby size; ${primary.name}'s plan shows no change`,
      commands: [
        run,
        ...(ddb?.protected ? [liftCommand(dr.region, ddb.id)] : []),
        ...applyCommands(dr.name, 'failback.tfplan', ddb?.address),
        `terraform -chdir=${stackOf(primary.name)} plan -detailed-exitcode`,
        `pnpm check ${primary.name} ${dr.name}`,
        `pnpm gen runbook ${dr.name}`,
      ],
    },
  ];
}

/** What a replica drill cannot show on the emulator: replication itself, its lag, and a promotion seen through the API. */
function replicaGaps(o: DrillObservations): NotExercised[] {
  if (!o.emulated) return [];
  const { dr, primary } = o.pair;
  const out: NotExercised[] = [
    {
      what: 'replication and its lag',
      why: `moto copies the primary's settings into the replica but replicates no data and reports no ReplicaLag: the RDS replica's own lag is not measured; the drill's data plane (a real PostgreSQL streaming standby) gives the lag and the RPO of ${dr.dr.strategy} instead, and the marker snapshot written into ${primary.name} after the replica was created never reaches it`,
    },
    {
      what: 'the promotion, seen through the API',
      why: `after PromoteReadReplica moto still names ${primary.name}'s database as the source (ReadReplicaSourceDBInstanceIdentifier) and the primary still lists the replica, so the drill cannot check through the API that ${dr.name}'s database stopped replicating`,
    },
  ];
  if (o.replicaSubnetGroups.length) {
    out.push({
      what: `the replica's DB subnet group (${o.replicaSubnetGroups.join(', ')})`,
      why: `moto 5.2.1 looks a cross-region replica's subnet group up in the source region (DBSubnetGroupNotFoundFault), so on the emulator ${dr.name}'s database is applied without db_subnet_group_name; its placement in ${dr.name}'s private subnets is not exercised`,
    });
  }
  const resized = o.emulatorQuirks.find((q) => q.startsWith('node groups resized'));
  if (resized) {
    out.push({
      what: 'scaling node groups in place',
      why: `${resized}; on AWS the failover's apply updates them in place (UpdateNodegroupConfig) and waits for the update`,
    });
  }
  if (o.pending?.after.length) out.push(cleanPlanGap(o.pending.after, o.pending.before));
  return out;
}

/** On moto the promoted database keeps naming its source, and some attributes are never kept: the plan after the failover is not clean. */
function cleanPlanGap(after: readonly PendingSummary[], before: readonly PendingSummary[]): NotExercised {
  const db = after.filter((p) => p.address.startsWith('aws_db_instance.')).map((p) => p.address);
  const residue = before.map((p) => `${p.address} ${p.action} (${p.attributes.join(', ')})`).join('; ');
  return {
    what: 'a clean plan after the failover',
    why: `the AWS provider reads replicate_source_db back from ReadReplicaSourceDBInstanceIdentifier, which moto keeps after the promotion, so ${db.join(', ') || 'the promoted database'} would show a change to null on every later plan and every later apply would call PromoteReadReplica again; on AWS the field is empty after the promotion, and on the emulator the drill's applies after the promotion ignore it (see "re-applying what the emulator drops"). moto also leaves changes pending right after an apply, because it does not keep some attributes (${residue || 'none'}): the drill checks that the failover leaves nothing pending beyond those`,
  };
}

/** What a failback on the emulator cannot show: the reverse replication, its lag, the fence's effect, a real copy's time. */
function failbackGaps(pair: Pair): NotExercised[] {
  const { dr, primary } = pair;
  return [
    {
      what: `replication back into ${primary.region} and its lag`,
      why: `moto replicates no data and reports no ReplicaLag, so the wait until ${primary.name}'s new replica was within the RPO, and the wait for lag 0 after the fence, accepted an unknown lag on the control plane (pnpm failback --aws waits for a datapoint and refuses at its timeout without one); zero data loss at the switchover is shown on the drill's data plane (a fenced PostgreSQL switchover at lag 0), not on RDS`,
    },
    {
      what: `the fence of ${dr.name}'s writers`,
      why: `the drill scaled ${dr.name}'s node groups to zero through UpdateNodegroupConfig, but moto runs no pods: that no writer reached the database after the fence is not shown`,
    },
    {
      what: 'the time of the re-protection',
      why: `moto deletes the diverged instances (their final snapshots are checked) and creates the replicas at once; on AWS a new cross-region replica first copies the whole database, so the failback's measured time is the steps' and the provider waiters', not AWS's`,
    },
  ];
}
