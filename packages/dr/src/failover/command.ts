/**
 * `pnpm failover <dr-env>`: the real thing, against the team's account (`--aws`), the team's GCP
 * project (`--gcp`) or an endpoint (`--endpoint`: moto for AWS, recorded Cloud SQL Admin answers
 * for GCP). The same steps as a drill, without the marker, the clock and the report:
 *
 *  1. check the pair; refuse with the reasons if the DR side cannot take over;
 *  2. find what to recover from, in the DR region only, and its age against the RPO;
 *  3. the failover as a manifest change (the `failover:` section and its history comment),
 *     synthesized, with the Terraform difference by address;
 *  4. the procedure: Terraform's part and what Terraform does not do, with exact commands;
 *  5. confirm; then what the strategy does through the API itself (GCP: the promotion through Cloud
 *     SQL Admin, waited for), and the manifest written (atomically); `--dry-run` does neither.
 *
 * Where the queues archive their messages (queue.replay: archive), the plan counts what a replay
 * would send; `--replay`, run after the apply as the procedure's replay step says, sends it
 * (`replayAfterFailover`; with `--dry-run` it counts).
 */
import { join } from 'node:path';
import type { CheckReport } from '@parity/checks';
import { writeFileAtomic } from '@parity/io';
import { pairNotReady, refuseOne, replayBeforeFailover, replayByHand } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { type Clients, clients } from '../cloud/aws.js';
import { checkTarget, endpointOf, type FailoverTarget } from '../cloud/target.js';
import { blockingFindings, findingLines, type Pair, resolvePair, terraformOf } from '../pair.js';
import { refuseUnrun, strategyFor } from '../strategy/strategies.js';
import { type FailoverChange, failoverChange } from './change.js';
import { failoverProcedure, type FailoverProcedureStep } from './procedure.js';
import { describePoint, type RecoveryPoint } from './recovery-point.js';
import { replayPair } from './replay.js';
import { archivedQueues, archivesQueues, type ReplayResult } from './replay-plan.js';
import { failoverComment, failoverSection, type FailoverStep, nextStep } from './section.js';

export type { FailoverTarget };

export interface FailoverOptions {
  readonly root: string;
  readonly drEnv: string;
  readonly target: FailoverTarget;
  /** Why: recorded in the manifest's history comment. */
  readonly reason?: string;
  /** Who declared the disaster. */
  readonly declaredBy?: string;
  readonly dryRun?: boolean;
  readonly now?: () => Date;
}

export interface FailoverDeps {
  runCheck(names: readonly string[], root: string): Promise<CheckReport>;
  /** Asked once the plan is known, before anything is written; false stops there. */
  confirm(plan: FailoverPlan): Promise<boolean>;
  /** Progress of what confirming does through the API (a promotion's operation). */
  log?(line: string): void;
}

export interface FailoverPlan {
  readonly pair: Pair;
  readonly step: FailoverStep;
  readonly point: RecoveryPoint;
  /** The recovery point for people: what, how old, against the RPO. */
  readonly pointText: string;
  readonly change: FailoverChange;
  readonly procedure: readonly FailoverProcedureStep[];
  /** What confirming does through the API before the manifest is written (GCP: the promotion), for the question. */
  readonly onConfirm?: string;
  /** The archived queues' messages a replay would send after the apply (counted, nothing changed); none without archives. */
  readonly replay: ReplayCount;
}

/** What a replay would send, per queue, or why it could not be counted (the failover does not depend on it). */
export interface ReplayCount {
  readonly results: readonly ReplayResult[];
  readonly error?: string;
}

export interface FailoverResult extends FailoverPlan {
  readonly written: boolean;
  /** What was done through the API once confirmed (the promotion and its operation). */
  readonly done?: string;
  /** Why nothing was written, when it was not. */
  readonly notWritten?: 'dry-run' | 'declined';
}

/** 1. `pnpm check` of the pair: refused, with every reason, if it reports an error. */
export async function checkForFailover(pair: Pair, runCheck: FailoverDeps['runCheck'], step: FailoverStep): Promise<CheckReport> {
  const names = [pair.primary.name, pair.dr.name];
  const report = await runCheck(names, pair.ws.root);
  // between promote and complete the dr database is promoted but not yet a full primary (no backups yet, by design:
  // terraform-provider-aws#4419): the guardrails on it are what step complete makes true, so they do not block it
  const midway = (f: CheckReport['findings'][number]) => step === 'complete' && f.check === 'policy' && f.env === pair.dr.name;
  const blocking = blockingFindings(report, names).filter((f) => !midway(f));
  if (blocking.length) refuseOne(pairNotReady(pair.dr.name, findingLines(blocking)));
  return report;
}

// 2. What to recover from, in the DR region only: the pair's strategy says what (the newest copy, the replica); see failoverStepChange.

/** One failover step as a manifest change: the step, what it recovers from (found in the DR region only), the change. */
export interface FailoverStepChange {
  readonly step: FailoverStep;
  readonly point: RecoveryPoint;
  readonly change: FailoverChange;
}

/**
 * The next failover step of the pair's strategy as `pnpm failover` writes it: the recovery point,
 * the `failover:` section and its history comment, the manifest change. A drill makes its steps
 * with this too, passing the text its earlier step made (`before`, never written).
 */
export async function failoverStepChange(
  pair: Pair,
  found: { readonly clients: Clients; readonly primaryJson: TerraformJson; readonly drJson: TerraformJson; readonly endpoint?: string },
  at: Date,
  why: { readonly reason: string; readonly declaredBy: string; readonly before?: string },
): Promise<FailoverStepChange> {
  const step = nextStep(pair);
  const point = await strategyFor(pair.dr).failover.recoveryPoint(pair, { ...found, now: at });
  const section = failoverSection(pair, step, point, at, why.reason);
  const change = await failoverChange(pair, section, failoverComment(pair, section, point, at, why.declaredBy), why.before);
  return { step, point, change };
}

/** Steps 1-4: everything up to the write. */
export async function planFailover(opts: FailoverOptions, deps: Pick<FailoverDeps, 'runCheck'>): Promise<FailoverPlan> {
  const now = (opts.now ?? (() => new Date()))();
  const pair = await resolvePair(opts.root, opts.drEnv, 'failover');
  checkTarget(pair, opts.target, 'failover');
  refuseUnrun(pair.dr, 'failover');
  await checkForFailover(pair, deps.runCheck, nextStep(pair));
  const [primaryJson, drJson] = [await terraformOf(opts.root, pair.primary), await terraformOf(opts.root, pair.dr)];
  const endpoint = endpointOf(opts.target);
  const c = clients(pair.dr.region, endpoint);
  const why = {
    reason: opts.reason ?? `${pair.primary.region} declared lost`,
    declaredBy: opts.declaredBy ?? 'the operator running pnpm failover',
  };
  let made: FailoverStepChange;
  try {
    made = await failoverStepChange(pair, { clients: c, primaryJson, drJson, ...(endpoint ? { endpoint } : {}) }, now, why);
  } finally {
    c.destroy();
  }
  const { step, point, change } = made;
  const procedure = failoverProcedure(pair, step, primaryJson, change.json as TerraformJson);
  const own = procedure.find((s) => s.by === 'failover');
  const replay = await countReplay(pair, opts.target, now);
  return {
    pair,
    step,
    point,
    pointText: describePoint(point, now, pair.dr.dr.rpoMinutes),
    change,
    procedure,
    ...(own ? { onConfirm: own.changes } : {}),
    replay,
  };
}

/** The plan's count of what a replay would send: read in the DR region only; a failure to count is reported, not fatal. */
async function countReplay(pair: Pair, target: FailoverTarget, now: Date): Promise<ReplayCount> {
  if (archivedQueues(pair.primary, pair.dr).length === 0) return { results: [] };
  const endpoint = endpointOf(target);
  try {
    const results = await replayPair(pair.primary, pair.dr, {
      ...(endpoint ? { endpoint } : {}),
      dryRun: true,
      replayId: `count-${now.toISOString()}`,
    });
    return { results };
  } catch (e) {
    return { results: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * `pnpm failover <dr-env> --replay`: the procedure's replay step, after the apply. Sends every
 * archived message newer than its queue's checkpoint into the dr environment's queue, once; with
 * `dryRun` counts. Refused (but as a dry run) while the dr manifest has no `failover:` section.
 */
export async function replayAfterFailover(
  opts: Pick<FailoverOptions, 'root' | 'drEnv' | 'target' | 'dryRun' | 'now'>,
): Promise<{ readonly pair: Pair; readonly results: readonly ReplayResult[] }> {
  const now = (opts.now ?? (() => new Date()))();
  const pair = await resolvePair(opts.root, opts.drEnv, 'failover');
  checkTarget(pair, opts.target, 'failover');
  // a GCP archive is a bucket of Avro files: the runbook's replay step has the commands, Parity does not run them
  if (pair.primary.cloud !== 'aws' && archivesQueues(pair.primary).length) refuseOne(replayByHand(pair.dr.name, pair.primary.name));
  if (!opts.dryRun && !pair.dr.dr.failover) refuseOne(replayBeforeFailover(pair.dr.name));
  const endpoint = endpointOf(opts.target);
  const results = await replayPair(pair.primary, pair.dr, {
    ...(endpoint ? { endpoint } : {}),
    dryRun: !!opts.dryRun,
    replayId: `failover-${pair.dr.name}-${now.toISOString()}`,
  });
  return { pair, results };
}

/** `pnpm failover`: plan, confirm, write the manifest change. */
export async function runFailover(opts: FailoverOptions, deps: FailoverDeps): Promise<FailoverResult> {
  const plan = await planFailover(opts, deps);
  if (opts.dryRun) return { ...plan, written: false, notWritten: 'dry-run' };
  if (!(await deps.confirm(plan))) return { ...plan, written: false, notWritten: 'declined' };
  const endpoint = endpointOf(opts.target);
  const api = { ...(endpoint ? { endpoint } : {}), ...(deps.log ? { log: deps.log } : {}) };
  const done = await strategyFor(plan.pair.dr).failover.confirmed?.(plan.pair, plan.step, plan.point, api);
  writeFileAtomic(join(opts.root, plan.change.file), plan.change.after);
  return { ...plan, written: true, ...(done ? { done } : {}) };
}
