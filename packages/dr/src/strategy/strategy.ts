/**
 * A DR strategy as the code runs it. The model's policy layer says what a strategy is (a replica
 * in peacetime or not, the steps written into the manifests: `StrategyFacts`); a `DrStrategy` says
 * how each of its steps is carried out: the failover's and the failback's steps and what each
 * writes and changes, the recovery point, the reverse copy and the switchover, the failback's
 * procedure, its runbook sections, and how a drill practises it (drill-kit.ts).
 *
 * Callers ask the pair's strategy (`strategyFor`, strategies.ts) and never test a strategy's name.
 * Two implement it: a replica pair (pilot light, warm standby) and backup & restore; a GCP replica
 * pair (gcp-replica-pair.ts) carries the first out through Cloud SQL Admin, picked by the pair's
 * cloud (`GCP_STRATEGY_OF`). A third is one new file beside them, named in `STRATEGY_OF`, plus its tests.
 */
import type { CheckReport } from '@parity/checks';
import type { Failback, Failover, Strategy } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import type { Clients } from '../cloud/aws.js';
import type { FailbackApi } from '../failback/api.js';
import type { FailbackProcedureStep } from '../failback/procedure.js';
import type { SwitchoverSnapshot } from '../failback/switchover-snapshot.js';
import type { RecoveryPoint } from '../failover/recovery-point.js';
import type { Names } from '../names.js';
import type { Pair } from '../pair.js';
import type { DrillPlan } from './drill-kit.js';

/** A failover step as a strategy takes it: the `failover.step` it writes and what applying it changes. */
export interface FailoverStepSpec {
  readonly step: Failover['step'];
  /** What applying the dr environment with this step changes, in this pair's names (the procedure's apply step). */
  changes(pair: Pair, n: Names): string;
  /**
   * What `pnpm failover` does itself through the cloud's API once confirmed, before it writes the
   * step (GCP: the promotion, through Cloud SQL Admin), as a procedure step; none when Terraform's
   * apply does all of it (AWS).
   */
  readonly byCommand?: (pair: Pair, n: Names) => { readonly title: string; readonly changes: string; readonly commands: readonly string[] };
}

/** Where a failover looks for what to recover from: the DR region's API, both environments' Terraform, the time. */
export interface RecoverySearch {
  /** Clients of the DR region: the primary region is assumed gone. */
  readonly clients: Clients;
  /** The endpoint the command was pointed at (`--endpoint`), for the clients a strategy makes itself (Cloud SQL Admin). */
  readonly endpoint?: string;
  readonly primaryJson: TerraformJson;
  readonly drJson: TerraformJson;
  readonly now: Date;
}

export interface FailoverBehaviour {
  /** The steps, in order (the model's `failoverSteps`); the last leaves the dr environment a full primary. */
  readonly steps: readonly FailoverStepSpec[];
  /** What to recover from, found in the DR region only; refused when there is nothing. */
  recoveryPoint(pair: Pair, search: RecoverySearch): Promise<RecoveryPoint>;
  /**
   * Once confirmed, before the manifest is written: what the step's `byCommand` says, through the
   * API (GCP: promoteReplica, waited for); returns it for people. None for a strategy whose steps
   * Terraform carries out whole.
   */
  confirmed?(pair: Pair, step: Failover['step'], point: RecoveryPoint, api: ConfirmedApi): Promise<string | undefined>;
}

/** Where a failover's own API calls go once confirmed. */
export interface ConfirmedApi {
  readonly endpoint?: string;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** A failback step as a strategy takes it: what it writes into the manifests, and its history line. */
export interface FailbackStepSpec {
  readonly step: Failback['step'];
  /**
   * The `from` of the production manifest's `failback:` section this step writes; none for the
   * last step, which removes both sections (the original roles).
   */
  readonly from?: (pair: Pair) => string;
  /** What the step does, for the history comment (`<time>: <what>, by <who>`). */
  what(pair: Pair): string;
}

/** The Terraform one failback step starts from and ends with, per environment. */
export interface FailbackJson {
  readonly primaryBefore: TerraformJson;
  readonly primaryAfter: TerraformJson;
  readonly drBefore: TerraformJson;
  readonly drAfter: TerraformJson;
}

/** What a failback step found (or waited for) before its change is written. */
export interface FailbackReady {
  /** The new copy of the data in the primary region (the reverse replica, or the newest reverse copy), when there is one. */
  readonly point?: RecoveryPoint;
  /** That copy, or why there is none, for people. */
  readonly text?: string;
  /** The switchover snapshot the step's section names (a restore from one). */
  readonly snapshot?: string;
}

/** What a switchover did once confirmed: what was fenced, and the data at the switchover. */
export interface Switchover {
  readonly fenced: readonly string[];
  readonly atSwitchover: string;
  /** A restore from a snapshot: the one taken after the fence, and its copy in the primary region. */
  readonly snapshot?: SwitchoverSnapshot;
}

export interface FailbackBehaviour {
  /** The steps, in order: each but the last writes `failback:`; the last removes both sections. */
  readonly steps: readonly FailbackStepSpec[];
  /** What the copy of the data flowing back into the primary region is called (`reverse replica`, `reverse copy`). */
  readonly reverse: string;
  /** The same, as a line of the plan names it (`newest copy of dr-euc1's database in eu-west-1`). */
  reverseFound(pair: Pair): string;
  /** A finding of `pnpm check` that does not block `step`: what the step under way makes true later. */
  passesMidway(pair: Pair, step: Failback['step'], finding: CheckReport['findings'][number]): boolean;
  /** Before the change of `step` is written: the reverse copy found (or awaited), and what the section names. */
  ready(api: FailbackApi, pair: Pair, step: Failback['step'], json: FailbackJson, at: Date): Promise<FailbackReady>;
  /** The procedure of `step`, in order, with exact commands. */
  procedure(pair: Pair, step: Failback['step'], json: FailbackJson, ready: FailbackReady): FailbackProcedureStep[];
  /** Once confirmed, before the manifests are written: the switchover, for the step that makes one (none for the others). */
  switchover(
    api: FailbackApi,
    pair: Pair,
    step: Failback['step'],
    json: FailbackJson,
    ready: FailbackReady,
  ): Promise<Switchover | undefined>;
}

/** A step of the runbook's way back. */
export interface RunbookStep {
  readonly title: string;
  readonly by: string;
  readonly changes: string;
  readonly commands: readonly string[];
}

export interface RunbookSections {
  /** What the DR region holds in peacetime under `strategy` and what the failover does, for people. */
  peacetime(strategy: Strategy): string;
  /** The data check before a disaster is declared. */
  dataCheck(pair: Pair): string;
  /** The way back with `pnpm failback`, one runbook step per run. */
  failback(pair: Pair, primaryJson: TerraformJson, drJson: TerraformJson): RunbookStep[];
}

export interface DrStrategy {
  readonly failover: FailoverBehaviour;
  readonly failback: FailbackBehaviour;
  readonly runbook: RunbookSections;
  readonly drill: DrillPlan;
}
