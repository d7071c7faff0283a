/**
 * `pnpm failback <dr-env>`: after the primary region returns, one step per run, against the
 * team's account (`--aws`), the team's GCP project (`--gcp`) or an endpoint (`--endpoint`); a
 * drill with `--failback` runs the same functions:
 *
 *  1. the pair and the next step of its strategy (refused before the failover is complete);
 *  2. `pnpm check` of the pair (the reversed pair while re-protecting);
 *  3. what the step needs first, as its strategy says: the reverse replica within the RPO, or the
 *     newest reverse copy (and the switchover snapshot's name);
 *  4. the step as manifest changes, synthesized, with the Terraform difference by address, and the
 *     procedure (what Terraform does not do, with exact commands);
 *  5. confirm; then the switchover of the step that makes one (the dr side's writers fenced, then
 *     lag 0 or a snapshot taken after the fence: the switchover loses nothing), and the manifests
 *     written (atomically); `--dry-run` does none of it.
 */
import { join } from 'node:path';
import type { CheckReport } from '@parity/checks';
import { writeFileAtomic } from '@parity/io';
import { pairNotReady, refuseOne } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { type ApiTarget, apiTarget } from '../cloud/aws.js';
import { checkTarget } from '../cloud/target.js';
import type { FailoverOptions } from '../failover/command.js';
import type { RecoveryPoint } from '../failover/recovery-point.js';
import { blockingFindings, findingLines, type Pair, resolvePair, terraformOf } from '../pair.js';
import { refuseUnrun, strategyFor } from '../strategy/strategies.js';
import type { DrStrategy, FailbackJson, FailbackReady, Switchover } from '../strategy/strategy.js';
import type { FailbackApi } from './api.js';
import { type FailbackChange, failbackChange } from './change.js';
import type { FailbackProcedureStep } from './procedure.js';
import { failbackComment, failbackSection, type FailbackStep, nextFailbackStep, restoresRoles } from './section.js';
import type { SwitchoverSnapshot } from './switchover-snapshot.js';

/** `pnpm failback`'s options: `pnpm failover`'s, and how long to wait for the data to come back. */
export interface FailbackOptions extends FailoverOptions {
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
  /** The pair's strategy: what the step does, and what a reader calls its parts. */
  readonly strategy: DrStrategy;
  readonly step: FailbackStep;
  readonly change: FailbackChange;
  /** The Terraform the step starts from and ends with. */
  readonly json: FailbackJson;
  readonly procedure: readonly FailbackProcedureStep[];
  /** What the step found before the change (the reverse replica or copy, the switchover snapshot's name). */
  readonly ready: FailbackReady;
  /** The reverse replica (promote) or the newest reverse copy (backup & restore), when there is one. */
  readonly reverse?: RecoveryPoint;
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

/** `pnpm check` of the pair, refused on errors, but for what the step under way makes true later. */
export async function checkForFailback(
  pair: Pair,
  runCheck: FailbackDeps['runCheck'],
  step: FailbackStep,
  strategy: DrStrategy = strategyFor(pair.dr),
): Promise<CheckReport> {
  const names = [pair.primary.name, pair.dr.name];
  const report = await runCheck(names, pair.ws.root);
  // each step changes what the runbook shows of the pair (the reversed mechanisms): the last step regenerates it
  const midway = (f: CheckReport['findings'][number]) => f.kind === 'runbook-stale' || strategy.failback.passesMidway(pair, step, f);
  const blocking = blockingFindings(report, names).filter((f) => !midway(f));
  if (blocking.length) refuseOne(pairNotReady(pair.dr.name, findingLines(blocking)));
  return report;
}

/** Where `opts`' API calls go (or the recorded answers a test injects), and how long its waits last. */
export function failbackApi(opts: FailbackOptions, deps: Pick<FailbackDeps, 'api' | 'log'>, signal?: AbortSignal): FailbackApi {
  const endpoint = opts.target.kind === 'endpoint' ? opts.target.url : undefined;
  const extra = { ...(deps.log ? { log: deps.log } : {}), ...(signal ? { signal } : {}) };
  return {
    api: deps.api ? { clientsFor: deps.api, ...extra } : apiTarget(endpoint, extra),
    ...(endpoint ? { endpoint } : {}),
    ...extra,
    emulator: opts.target.kind === 'endpoint',
    now: opts.now ?? (() => new Date()),
    waitMs: opts.waitMs ?? 30 * 60_000,
    pollMs: opts.pollMs ?? 30_000,
    ...(opts.snapshotTags ? { snapshotTags: opts.snapshotTags } : {}),
  };
}

/** Steps 1-4 of one run: everything up to fencing and writing. `texts`, `pairIn`: a drill's manifests, in memory. */
export async function planFailback(
  opts: FailbackOptions,
  deps: Pick<FailbackDeps, 'runCheck' | 'log' | 'api'>,
  texts?: Record<string, string>,
  pairIn?: Pair,
): Promise<FailbackPlan> {
  const now = (opts.now ?? (() => new Date()))();
  const pair = pairIn ?? (await resolvePair(opts.root, opts.drEnv, 'failback'));
  if (!pairIn) {
    checkTarget(pair, opts.target, 'failback');
    refuseUnrun(pair.dr, 'failback');
  }
  const strategy = strategyFor(pair.dr);
  const step = nextFailbackStep(pair, strategy);
  if (!pairIn) await checkForFailback(pair, deps.runCheck, step, strategy);
  const [primaryBefore, drBefore] = [await terraformOf(opts.root, pair.primary), await terraformOf(opts.root, pair.dr)];
  const before = { primaryBefore, primaryAfter: primaryBefore, drBefore, drAfter: drBefore };
  const ready = await strategy.failback.ready(failbackApi(opts, deps), pair, step, before, now);
  const change = await failbackChange(
    pair,
    step,
    comment(opts, pair, strategy, step, ready, now),
    sectionOf(opts, pair, step, ready, now),
    texts,
  );
  const after = (env: string, fallback: TerraformJson) =>
    ([...change.files, ...change.alsoChanged].find((f) => f.env === env)?.json as TerraformJson | undefined) ?? fallback;
  const json = { ...before, primaryAfter: after(pair.primary.name, primaryBefore), drAfter: after(pair.dr.name, drBefore) };
  return {
    pair,
    strategy,
    step,
    change,
    json,
    procedure: strategy.failback.procedure(pair, step, json, ready),
    ready,
    ...(ready.point ? { reverse: ready.point } : {}),
    ...(ready.text ? { reverseText: ready.text } : {}),
    ...(ready.snapshot ? { snapshotId: ready.snapshot } : {}),
  };
}

/** The section a step writes (none for the last, which removes both). */
function sectionOf(opts: FailbackOptions, pair: Pair, step: FailbackStep, ready: FailbackReady, now: Date) {
  if (restoresRoles(pair, step)) return undefined;
  return failbackSection(pair, step, now, opts.reason ?? `${pair.primary.region} available again`, ready.snapshot);
}

/** The history line: who, and after the reprotect what the data came back from before the fence. */
function comment(opts: FailbackOptions, pair: Pair, strategy: DrStrategy, step: FailbackStep, ready: FailbackReady, now: Date): string {
  const by = opts.declaredBy ?? 'the operator running pnpm failback';
  const reverse = strategy.failback.reverse;
  const note =
    ready.text && step !== 'reprotect' ? `${reverse[0]?.toUpperCase()}${reverse.slice(1)} before the fence: ${ready.text}` : undefined;
  return failbackComment(pair, step, now, by, note, strategy);
}

/** Once confirmed: the switchover of the step that makes one (fence, then lag 0 or the fenced snapshot). */
export function switchOver(opts: FailbackOptions, deps: Pick<FailbackDeps, 'api' | 'log'>, plan: FailbackPlan, signal?: AbortSignal) {
  return plan.strategy.failback.switchover(failbackApi(opts, deps, signal), plan.pair, plan.step, plan.json, plan.ready);
}

/** `pnpm failback`: plan, confirm, (the switchover), write the manifest change(s). */
export async function runFailback(opts: FailbackOptions, deps: FailbackDeps): Promise<FailbackResult> {
  const plan = await planFailback(opts, deps);
  if (opts.dryRun) return { ...plan, written: false, notWritten: 'dry-run' };
  if (!(await deps.confirm(plan))) return { ...plan, written: false, notWritten: 'declined' };
  const s: Switchover | undefined = await switchOver(opts, deps, plan);
  for (const f of plan.change.files) writeFileAtomic(join(opts.root, f.file), f.after);
  const done = s ? { fenced: s.fenced, atSwitchover: s.atSwitchover, ...(s.snapshot ? { snapshot: s.snapshot } : {}) } : {};
  return { ...plan, ...done, written: true };
}
