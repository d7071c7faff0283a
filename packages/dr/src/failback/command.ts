/**
 * `pnpm failback <dr-env>`: after the primary region returns, one step per run, against the
 * team's account (`--aws`) or an emulator (`--endpoint`); a drill with `--failback` runs the same
 * functions:
 *
 *  1. the pair and the next step (refused before the failover is complete, or under backup & restore);
 *  2. `pnpm check` of the pair (the reversed pair while re-protecting);
 *  3. the step as manifest changes, synthesized, with the Terraform difference by address, and the
 *     procedure (what Terraform does not do, with exact commands);
 *  4. step promote only: the reverse replica found in the primary region (it now receives the
 *     data) and awaited until its lag is within the RPO; once confirmed, the dr side's writers
 *     fenced and lag 0 awaited: the switchover loses nothing;
 *  5. confirm, then write the manifests (atomically); `--dry-run` writes nothing.
 */
import { join } from 'node:path';
import { UpdateNodegroupConfigCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { CheckReport } from '@parity/checks';
import { writeFileAtomic } from '@parity/io';
import { clients } from '../cloud/aws.js';
import { placedResources, type TerraformJson } from '@parity/model/terraform';
import { pairNotReady, recoveryPointMissing, refuseOne } from '@parity/model';
import {
  failbackChange,
  failbackComment,
  failbackSection,
  nextFailbackStep,
  refuseFailback,
  restoresRoles,
  type FailbackChange,
  type FailbackStep,
} from './section.js';
import {
  type ApiTarget,
  apiTarget,
  awaitReverseBackup,
  reverseBackup,
  switchoverSnapshot,
  switchoverSnapshotId,
  type SwitchoverSnapshot,
} from './reverse-aws-backup.js';
import { backupFailbackProcedure } from '../strategy/backup-restore.js';
import { databaseOf, failbackProcedure, type FailbackProcedureStep } from './procedure.js';
import type { FailoverTarget } from '../failover/command.js';
import { blockingFindings, resolvePair, strategyOf, type Pair } from '../pair.js';
import { describePoint, replicaOf, type ReplicaPoint, type SnapshotPoint } from '../failover/recovery-point.js';

export interface FailbackOptions {
  readonly root: string;
  readonly drEnv: string;
  readonly target: FailoverTarget;
  readonly reason?: string;
  readonly declaredBy?: string;
  readonly dryRun?: boolean;
  readonly now?: () => Date;
  /** How long to wait for the reverse replica (within the RPO, then lag 0). Default 30 min. */
  readonly waitMs?: number;
  /** How often to read the lag. Default 30 s. */
  readonly pollMs?: number;
  /** Tags of the switchover snapshot (backup & restore); default: who and which failback. */
  readonly snapshotTags?: Record<string, string>;
}

export interface FailbackDeps {
  runCheck(names: readonly string[], root: string): Promise<CheckReport>;
  /** Asked once the plan is known, before anything is fenced or written; false stops there. */
  confirm(plan: FailbackPlan): Promise<boolean>;
  /** Progress while waiting (the lag against the RPO). */
  log?(line: string): void;
  /** Clients of a region for the backup & restore calls (tests inject recorded answers); default: the target's. */
  api?: ApiTarget['clientsFor'];
}

export interface FailbackPlan {
  readonly pair: Pair;
  readonly step: FailbackStep;
  readonly change: FailbackChange;
  readonly procedure: readonly FailbackProcedureStep[];
  /** step promote: the reverse replica in the primary region, within the RPO. */
  readonly reverse?: ReplicaPoint;
  /** Backup & restore: the newest copy of the dr database in the primary region (reprotect: as found; restore: within the RPO). */
  readonly reverseBackup?: SnapshotPoint;
  readonly reverseText?: string;
  /** Backup & restore, step restore: the switchover snapshot (the same identifier in both regions) the section names. */
  readonly snapshotId?: string;
}

export interface FailbackResult extends FailbackPlan {
  readonly written: boolean;
  readonly notWritten?: 'dry-run' | 'declined';
  /** step promote (restore under backup & restore): what was fenced, and the replica (the snapshot) at the switchover. */
  readonly fenced?: readonly string[];
  readonly atSwitchover?: string;
  /** Backup & restore, step restore: the snapshot taken after the fence and its copy in the primary region. */
  readonly snapshot?: SwitchoverSnapshot;
}

async function synth(root: string, env: Pair['primary']): Promise<TerraformJson> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(root, env)) as TerraformJson;
}

/** `pnpm check` of the pair, refused on errors, but for what the step under way makes true later. */
export async function checkForFailback(pair: Pair, runCheck: FailbackDeps['runCheck'], step: FailbackStep): Promise<CheckReport> {
  const names = [pair.primary.name, pair.dr.name];
  const report = await runCheck(names, pair.ws.root);
  // after promote and before complete, the primary's database is standalone without backups yet
  // (terraform-provider-aws#4419, as for a failover): step complete is what protects it again
  // and each step changes what the runbook shows of the pair (the reversed mechanisms): the last step regenerates it
  const midway = (f: CheckReport['findings'][number]) =>
    f.kind === 'runbook-stale' ||
    (step === 'complete' &&
      strategyOf(pair.dr) !== 'backup-restore' &&
      f.env === pair.primary.name &&
      (f.check === 'policy' || f.kind === 'dr-not-covered'));
  const blocking = blockingFindings(report, names).filter((f) => !midway(f));
  if (blocking.length)
    refuseOne(
      pairNotReady(
        pair.dr.name,
        blocking.map((f) => `[${f.check}${f.env ? ` ${f.env}` : ''}] ${f.file}${f.path ? ` ${f.path}` : ''}: ${f.message}`),
      ),
    );
  return report;
}

export interface ReverseWait {
  readonly rds: Parameters<typeof replicaOf>[0];
  readonly cloudwatch: Parameters<typeof replicaOf>[1];
  readonly identifier: string;
  /** The production environment failing back (named in a refusal). */
  readonly env: string;
  /** The region the replica is in (the primary's: it receives the data now). */
  readonly region: string;
  /** The database it must replicate (the dr environment's identifier): anything else was not re-protected. */
  readonly source?: string;
  readonly rpoMinutes: number;
  /** `rpo`: lag within the RPO; `zero`: lag 0, read after `since` (the fence). */
  readonly until: 'rpo' | 'zero';
  readonly since?: Date;
  /** An emulator reports no ReplicaLag: accept an unknown lag (and say so) instead of waiting for one. */
  readonly acceptUnknownLag: boolean;
  readonly waitMs: number;
  readonly pollMs: number;
  readonly now: () => Date;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Wait for the reverse replica in the primary region: within the RPO, or caught up (lag 0); refused at the timeout. */
export async function waitForReverseCopy(w: ReverseWait): Promise<ReplicaPoint> {
  const deadline = Date.now() + w.waitMs;
  for (;;) {
    const now = w.now();
    const p = await replicaOf(w.rds, w.cloudwatch, w.identifier, now, w.signal);
    if (!p)
      return refuseFailback.reverseCopyBehind(
        w.env,
        w.identifier,
        `no database ${w.identifier} in ${w.region} to switch over to`,
        'apply failback.step reprotect first (it creates the read replica), then run pnpm failback again',
      );
    if (w.source && !(p.source === w.source || p.source?.endsWith(`:db:${w.source}`)))
      return refuseFailback.reverseCopyBehind(
        w.env,
        w.identifier,
        `${w.identifier} in ${w.region} is not a read replica of ${w.source} (it replicates ${p.source ?? 'nothing'})`,
        'apply failback.step reprotect first (it replaces the old instance with the replica), then run pnpm failback again',
      );
    const text = describePoint(p, now, w.rpoMinutes);
    w.log?.(`reverse replica: ${text}`);
    if (p.lagSeconds === undefined && w.acceptUnknownLag) return p;
    // lag 0 counts only when read after the fence: an older datapoint says nothing about the last writes
    const fresh = !w.since || (p.lagAt !== undefined && p.lagAt.getTime() >= w.since.getTime());
    const ok = p.lagSeconds !== undefined && (w.until === 'rpo' ? p.lagSeconds <= w.rpoMinutes * 60 : p.lagSeconds === 0 && fresh);
    if (ok && p.status === 'available') return p;
    if (Date.now() + w.pollMs > deadline) {
      const want = w.until === 'rpo' ? `within the ${w.rpoMinutes} min RPO` : 'at lag 0 (every write of the fenced side applied)';
      refuseFailback.reverseCopyBehind(
        w.env,
        w.identifier,
        `the reverse replica ${w.identifier} is not ${want} after ${Math.round(w.waitMs / 60_000)} min: ${text}`,
        w.until === 'rpo'
          ? 'wait longer (--wait-minutes), or look at why the replica lags (its size, the write rate, the network between the regions)'
          : 'make sure every writer of the dr environment has stopped (the fence), then run pnpm failback again',
      );
    }
    await new Promise((r) => setTimeout(r, w.pollMs));
  }
}

/** The dr environment's node groups scaled to zero: nothing writes there from now on. */
export async function fenceWriters(eks: EKSClient, drJson: TerraformJson, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const g of placedResources(drJson, 'aws_eks_node_group')) {
    const cluster = typeof g.body.cluster_name === 'string' && !g.body.cluster_name.includes('${') ? g.body.cluster_name : undefined;
    const clusterName = cluster ?? literalCluster(drJson);
    const name = g.body.node_group_name;
    if (typeof name !== 'string' || !clusterName) continue;
    await eks.send(
      new UpdateNodegroupConfigCommand({
        clusterName,
        nodegroupName: name,
        scalingConfig: { minSize: 0, maxSize: 1, desiredSize: 0 },
      }),
      { abortSignal: signal },
    );
    out.push(`${clusterName}/${name}`);
  }
  return out;
}

function literalCluster(json: TerraformJson): string | undefined {
  const c = placedResources(json, 'aws_eks_cluster')[0]?.body.name;
  return typeof c === 'string' && !c.includes('${') ? c : undefined;
}

/** The API of `opts`' target, or the one a test injects. */
export function apiOf(opts: FailbackOptions, deps: Pick<FailbackDeps, 'api' | 'log'>, signal?: AbortSignal): ApiTarget {
  const endpoint = opts.target.kind === 'endpoint' ? opts.target.url : undefined;
  const extra = { ...(deps.log ? { log: deps.log } : {}), ...(signal ? { signal } : {}) };
  return deps.api ? { clientsFor: deps.api, ...extra } : apiTarget(endpoint, extra);
}

/** Backup & restore: the reverse copy (shown at reprotect; awaited within the RPO before the switchover) and the switchover snapshot's name. */
async function backupStep(
  opts: FailbackOptions,
  deps: Pick<FailbackDeps, 'api' | 'log'>,
  pair: Pair,
  step: FailbackStep,
  { primaryJson, drJson }: { primaryJson: TerraformJson; drJson: TerraformJson },
  now: Date,
): Promise<{ point?: SnapshotPoint; text?: string; snapshot?: string }> {
  const api = apiOf(opts, deps);
  const rpo = pair.dr.dr.rpoMinutes;
  if (step === 'reprotect') {
    const point = await reverseBackup(api, pair, drJson);
    const text = point
      ? describePoint(point, now, rpo)
      : `none yet in ${pair.primary.region} (this step's apply of ${pair.dr.name} creates the copy vault there)`;
    return { ...(point ? { point } : {}), text };
  }
  if (step !== 'restore') return {};
  if (!databaseOf(primaryJson)?.finalSnapshot) {
    // the old, diverged database is replaced: never without a snapshot of what it holds
    refuseFailback.state(
      pair.primary.name,
      'overrides.database.deletionProtection',
      false,
      `${pair.primary.name}'s database keeps no final snapshot when it is deleted, and failback step restore replaces it: what it took after the failover would be lost`,
      'true (deletion protection with a final snapshot, as the production tier sets)',
      `set database.deletionProtection: true for ${pair.primary.name} and apply it, or snapshot its database yourself (aws rds create-db-snapshot), then run pnpm failback again`,
    );
  }
  const point = await awaitReverseBackup(
    {
      ...api,
      now: opts.now ?? (() => new Date()),
      waitMs: opts.waitMs ?? 30 * 60_000,
      pollMs: opts.pollMs ?? 30_000,
      acceptNone: opts.target.kind === 'endpoint',
    },
    pair,
    drJson,
  );
  const text = point
    ? describePoint(point, now, rpo)
    : `none in ${pair.primary.region}: the emulator runs no backup jobs, so re-protection within the RPO is not shown`;
  return { ...(point ? { point } : {}), text, snapshot: switchoverSnapshotId(databaseOf(drJson)?.id ?? pair.dr.name, now) };
}

/** Steps 1-4 of one run: everything up to fencing and writing. */
export async function planFailback(
  opts: FailbackOptions,
  deps: Pick<FailbackDeps, 'runCheck' | 'log' | 'api'>,
  texts?: Record<string, string>,
  pairIn?: Pair,
): Promise<FailbackPlan> {
  const now = (opts.now ?? (() => new Date()))();
  const pair = pairIn ?? (await resolvePair(opts.root, opts.drEnv, 'failback'));
  const step = nextFailbackStep(pair);
  if (!pairIn) await checkForFailback(pair, deps.runCheck, step);
  const [primaryBefore, drBefore] = [await synth(opts.root, pair.primary), await synth(opts.root, pair.dr)];
  const by = opts.declaredBy ?? 'the operator running pnpm failback';
  const reason = opts.reason ?? `${pair.primary.region} available again`;
  const backups = strategyOf(pair.dr) === 'backup-restore';
  const b = backups ? await backupStep(opts, deps, pair, step, { primaryJson: primaryBefore, drJson: drBefore }, now) : {};
  const section = restoresRoles(pair, step) ? undefined : failbackSection(pair, step, now, reason, b.snapshot);
  let reverse: ReplicaPoint | undefined;
  if (step === 'promote') reverse = await awaitReverse(opts, deps, pair, { primary: primaryBefore, dr: drBefore }, 'rpo');
  const reverseText = reverse ? describePoint(reverse, now, pair.dr.dr.rpoMinutes) : b.text;
  const note =
    reverseText && step !== 'reprotect' ? `${backups ? 'Reverse copy' : 'Reverse replica'} before the fence: ${reverseText}` : undefined;
  const change = await failbackChange(pair, step, failbackComment(pair, step, now, by, note), section, texts);
  const after = (env: string, fallback: TerraformJson) =>
    ([...change.files, ...change.alsoChanged].find((f) => f.env === env)?.json as TerraformJson | undefined) ?? fallback;
  const json = { primaryBefore, primaryAfter: after(pair.primary.name, primaryBefore), drBefore, drAfter: after(pair.dr.name, drBefore) };
  const procedure = backups ? backupFailbackProcedure(pair, step, json, b.snapshot) : failbackProcedure(pair, step, json);
  return {
    pair,
    step,
    change,
    procedure,
    ...(reverse ? { reverse } : {}),
    ...(b.point ? { reverseBackup: b.point } : {}),
    ...(reverseText ? { reverseText } : {}),
    ...(b.snapshot ? { snapshotId: b.snapshot } : {}),
  };
}

/** The reverse replica in the primary region, awaited (`rpo` before the fence, `zero` after it). */
export async function awaitReverse(
  opts: FailbackOptions,
  deps: Pick<FailbackDeps, 'log'>,
  pair: Pair,
  json: { primary: TerraformJson; dr: TerraformJson },
  until: 'rpo' | 'zero',
  since?: Date,
  signal?: AbortSignal,
): Promise<ReplicaPoint> {
  const id = databaseOf(json.primary)?.id;
  const source = databaseOf(json.dr)?.id;
  if (!id) refuseOne(recoveryPointMissing(pair.primary.name, pair.primary.region, `a database in ${pair.primary.name}'s Terraform`));
  const c = clients(pair.primary.region, opts.target.kind === 'endpoint' ? opts.target.url : undefined);
  try {
    return await waitForReverseCopy({
      rds: c.rds,
      cloudwatch: c.cloudwatch,
      identifier: id,
      env: pair.primary.name,
      region: pair.primary.region,
      ...(source ? { source } : {}),
      rpoMinutes: pair.dr.dr.rpoMinutes,
      until,
      ...(since ? { since } : {}),
      acceptUnknownLag: opts.target.kind === 'endpoint',
      waitMs: opts.waitMs ?? 30 * 60_000,
      pollMs: opts.pollMs ?? 30_000,
      now: opts.now ?? (() => new Date()),
      ...(deps.log ? { log: deps.log } : {}),
      ...(signal ? { signal } : {}),
    });
  } finally {
    c.destroy();
  }
}

/** step promote, once confirmed: fence the dr side's writers, then wait for lag 0. */
export async function switchover(
  opts: FailbackOptions,
  deps: Pick<FailbackDeps, 'log'>,
  plan: FailbackPlan,
  drJson: TerraformJson,
  signal?: AbortSignal,
): Promise<{ fenced: string[]; atSwitchover: ReplicaPoint }> {
  const { pair } = plan;
  const c = clients(pair.dr.region, opts.target.kind === 'endpoint' ? opts.target.url : undefined);
  let fenced: string[];
  const since = (opts.now ?? (() => new Date()))();
  try {
    fenced = await fenceWriters(c.eks, drJson, signal);
  } finally {
    c.destroy();
  }
  deps.log?.(`fenced ${pair.dr.name}'s writers: ${fenced.join(', ') || 'no node group'}`);
  const primaryJson = await synth(opts.root, pair.primary);
  const atSwitchover = await awaitReverse(opts, deps, pair, { primary: primaryJson, dr: drJson }, 'zero', since, signal);
  return { fenced, atSwitchover };
}

/** Backup & restore, step restore, once confirmed: fence the dr side's writers, then the switchover snapshot and its copy. */
export async function fencedSnapshot(
  opts: FailbackOptions,
  deps: Pick<FailbackDeps, 'api' | 'log'>,
  plan: FailbackPlan,
  drJson: TerraformJson,
  signal?: AbortSignal,
): Promise<{ fenced: string[]; snapshot: SwitchoverSnapshot }> {
  const { pair } = plan;
  const c = clients(pair.dr.region, opts.target.kind === 'endpoint' ? opts.target.url : undefined);
  let fenced: string[];
  try {
    fenced = await fenceWriters(c.eks, drJson, signal);
  } finally {
    c.destroy();
  }
  deps.log?.(`fenced ${pair.dr.name}'s writers: ${fenced.join(', ') || 'no node group'}`);
  const tags = opts.snapshotTags ?? { 'parity:failback': `${pair.dr.name} to ${pair.primary.name}` };
  const snapshot = await switchoverSnapshot(apiOf(opts, deps, signal), pair, drJson, plan.snapshotId!, tags);
  return { fenced, snapshot };
}

/** `pnpm failback`: plan, confirm, (promote: fence, lag 0), write the manifest change(s). */
export async function runFailback(opts: FailbackOptions, deps: FailbackDeps): Promise<FailbackResult> {
  const plan = await planFailback(opts, deps);
  if (opts.dryRun) return { ...plan, written: false, notWritten: 'dry-run' };
  if (!(await deps.confirm(plan))) return { ...plan, written: false, notWritten: 'declined' };
  let extra: Pick<FailbackResult, 'fenced' | 'atSwitchover' | 'snapshot'> = {};
  if (plan.snapshotId) {
    const s = await fencedSnapshot(opts, deps, plan, await synth(opts.root, plan.pair.dr));
    extra = { fenced: s.fenced, atSwitchover: `snapshot ${s.snapshot.copy.DBSnapshotArn}, taken after the fence`, snapshot: s.snapshot };
  } else if (plan.step === 'promote') {
    const s = await switchover(opts, deps, plan, await synth(opts.root, plan.pair.dr));
    extra = {
      fenced: s.fenced,
      atSwitchover: describePoint(s.atSwitchover, (opts.now ?? (() => new Date()))(), plan.pair.dr.dr.rpoMinutes),
    };
  }
  for (const f of plan.change.files) writeFileAtomic(join(opts.root, f.file), f.after);
  return { ...plan, ...extra, written: true };
}
