/**
 * What one drill's steps share, and only that: the lock, the work folder, the abort controllers
 * (Ctrl-C, a dying emulator), the report being written and the step runner that times each step
 * and records its outcome. Two small records ride along for the drill's end, which runs whatever
 * happened and so cannot take the steps' values: what the teardown must remove (`created`) and
 * what the report will list as not exercised (`observed`).
 *
 * The steps (steps/) hand their results to each other as values; `runDrill` (drill.ts) calls
 * them in the order the pair's strategy says.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CheckReport } from '@parity/checks';
import { type DrStrategy, type Pair, strategyFor } from '@parity/dr';
import { ProcessGroups } from '@parity/io';
import type { TerraformJson } from '@parity/model/terraform';
import {
  DRILL_REPORT_SCHEMA,
  type DrillReport,
  type DrillTarget,
  type FenceRecord,
  interruption,
  ParityError,
  regionFenced,
  reportStamp,
  type StepId,
  type StepRecord,
  wasInterrupted,
} from '@parity/model';
import type { DataPlane } from './dataplane/index.js';
import { callerToken, type Fence, type RefusedRequest } from './fence/index.js';
import { outline } from './report/outline.js';
import { type Progress, silentProgress } from './report/progress.js';
import { acquireLock, type Lock } from './target/lock.js';
import type { Moto } from './target/moto.js';
import { apply, destroy, init, type PendingChange, pendingChanges, type TfContext } from './target/terraform.js';
import type { FilterResult, IgnoredDrift } from './target/emulator.js';

/** What the drill takes from the CLI: the project's own check, synth and Terraform environment. */
export interface DrillDeps {
  /** `runCheck([primary, dr])` of packages/cli. */
  runCheck(names: readonly string[], root: string): Promise<CheckReport>;
  /** `synth([env])` of packages/cli: the environment's stack file, synthesized if stale. */
  synth(names: readonly string[], root: string): Promise<Array<{ env: string; file: string }>>;
  /** `terraformEnv()` of packages/cli. */
  terraformEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Terraform in a work folder; the real one unless a test hands in a fake. */
  terraform?: TerraformOps;
}

/** The Terraform runs a drill makes in a work folder (target/terraform.ts; a fake in tests). */
export interface TerraformOps {
  init: typeof init;
  apply: typeof apply;
  destroy: typeof destroy;
  pendingChanges: typeof pendingChanges;
}

export const realTerraform: TerraformOps = { init, apply, destroy, pendingChanges };

export type DrillTargetOption = { kind: 'emulator' } | { kind: 'endpoint'; url: string } | { kind: 'aws' };

export interface DrillOptions {
  readonly root: string;
  readonly drEnv: string;
  readonly target: DrillTargetOption;
  /** Leave both environments (and a drill-started emulator) running. */
  readonly keep?: boolean;
  /** After the failover, fail back (pnpm failback's steps) and measure that too. */
  readonly failback?: boolean;
  /** Provider mirror for `terraform init -plugin-dir`. */
  readonly pluginDir?: string;
  readonly progress?: Progress;
  /** Abort from outside (tests). */
  readonly signal?: AbortSignal;
  /** Turn SIGINT/SIGTERM into a clean stop (the CLI); a second one kills everything at once. */
  readonly handleSignals?: boolean;
  readonly now?: () => Date;
  /** Who ran the drill (`--by`), for the evidence record. */
  readonly by?: string;
}

/** What a step can say while it runs. */
export interface StepHandle {
  note(detail: string): void;
  update(text: string): void;
  readonly signal: AbortSignal;
}

/** An environment's work copy (target/work-copy.ts): the folder Terraform runs in and the JSON applied there. */
export interface WorkCopy {
  readonly env: string;
  readonly dir: string;
  readonly json: TerraformJson;
  readonly filter?: FilterResult;
}

/** What the drill made that the teardown removes, whatever step it stopped at. */
export interface Created {
  /** The emulator the drill started (stopping it removes everything made there). */
  emulator?: Moto;
  /** Each environment's newest work copy, by name. */
  readonly workCopies: Map<string, WorkCopy>;
  /** The drill's own snapshots, in the order they were made. */
  readonly snapshots: Array<{ readonly region: string; readonly id: string; readonly endpoint?: string }>;
}

/** What the drill saw along the way that its end reports (the runbook's figures, what was not exercised). */
export interface Observed {
  /** `pnpm check` of the pair, for the runbook written at the end. */
  check?: CheckReport;
  /** What only the emulator did (listed as not exercised). */
  readonly emulatorQuirks: string[];
  /** DR databases applied without their subnet group on the emulator (`<env>: <address>`). */
  readonly replicaSubnetGroups: string[];
  /** Environments that hold a replica on the emulator (they keep the adaptation for every later apply). */
  readonly withoutSubnetGroups: Set<string>;
  /** Attributes moto drops that the emulator's applies left alone (target/work-copy.ts), by environment. */
  readonly driftIgnored: Array<IgnoredDrift & { readonly env: string }>;
  /** What Terraform planned right after the peacetime apply, and after the failover's last apply. */
  pending?: { readonly before: readonly PendingChange[]; readonly after: readonly PendingChange[] };
}

export function message(e: unknown): string {
  if (e instanceof ParityError) return e.issues.map((i) => `${i.message}${i.fix ? ` (${i.fix})` : ''}`).join('; ');
  return e instanceof Error ? e.message : String(e);
}

function targetOf(t: DrillTargetOption): DrillTarget {
  if (t.kind === 'aws') return { kind: 'aws', description: 'real AWS, with the ambient credentials' };
  if (t.kind === 'endpoint') return { kind: 'endpoint', endpoint: t.url, description: `AWS emulator at ${t.url} (running already)` };
  return { kind: 'emulator', description: 'moto_server started by the drill on a free loopback port' };
}

/**
 * The shared state and machinery of one drill, from the lock to the report.
 * Longer than 80 lines as a class only: what every step shares (the clock, the progress, the
 * process groups, the records of each step, what was created for the teardown) and a few short
 * methods over it; what the steps hand each other is typed values (steps/values.ts), not fields here.
 */
export class DrillContext {
  readonly now: () => Date;
  readonly progress: Progress;
  /** The target is an emulator (the drill's own, or one at --endpoint), not real AWS. */
  readonly emulated: boolean;
  readonly children: ProcessGroups;
  readonly stamp: string;
  readonly work: string;
  readonly report: DrillReport;
  readonly terraform: TerraformOps;
  readonly strategy: DrStrategy;
  /** Aborts the steps (Ctrl-C, a dying emulator, the caller's signal). */
  readonly ctl = new AbortController();
  /** Aborts the teardown too (a second Ctrl-C). */
  readonly teardownCtl = new AbortController();
  /** A second interrupt killed everything at once. */
  forced = false;
  /** The region fence every client goes through (emulator targets), once started. */
  fence?: Fence;
  /** The data plane (real PostgreSQL standing in for the pair's database), once opened. */
  plane?: DataPlane;
  /** Brings the bundle registry back (stopped at the loss). */
  registryBack?: () => void;
  /** The step running now (the fence names it as the caller). */
  private current?: StepId;
  readonly created: Created = { workCopies: new Map(), snapshots: [] };
  readonly observed: Observed = { emulatorQuirks: [], replicaSubnetGroups: [], withoutSubnetGroups: new Set(), driftIgnored: [] };
  private firstSignalAt = 0;
  private readonly onSignal = (sig: NodeJS.Signals) => this.signalled(sig);
  private readonly onOuterAbort = () =>
    this.ctl.abort(this.opts.signal?.reason instanceof Error ? this.opts.signal.reason : interruption('abort'));

  private constructor(
    readonly opts: DrillOptions,
    readonly deps: DrillDeps,
    readonly pair: Pair,
    private readonly lock: Lock,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.progress = opts.progress ?? silentProgress;
    this.emulated = opts.target.kind !== 'aws';
    this.terraform = deps.terraform ?? realTerraform;
    this.strategy = strategyFor(pair.dr);
    this.children = new ProcessGroups((list) => lock.setChildren(list));
    const startedAt = this.now();
    this.stamp = reportStamp(startedAt.toISOString());
    this.work = join(opts.root, '.parity', 'drills', `${pair.dr.name}-${this.stamp}`);
    this.report = this.newReport(startedAt);
  }

  /** The report as the drill starts it: every step it will take, skipped until it runs. */
  private newReport(startedAt: Date): DrillReport {
    const { dr, primary } = this.pair;
    return {
      schema: DRILL_REPORT_SCHEMA,
      drEnv: dr.name,
      primary: primary.name,
      primaryRegion: primary.region,
      drRegion: dr.region,
      startedAt: startedAt.toISOString(),
      status: 'failed',
      target: targetOf(this.opts.target),
      tools: {},
      policy: { name: dr.dr.policy, strategy: dr.dr.strategy },
      steps: outline(this.pair, this.strategy, this.opts.target, this.opts.failback),
      leftOut: {},
      droppedDependsOn: {},
      verification: [],
      notExercised: [],
      workDir: relative(this.opts.root, this.work) || '.',
      ...(this.opts.by ? { by: this.opts.by } : {}),
    };
  }

  /** Take the drill's lock, make its work folder and listen for interrupts. */
  static open(opts: DrillOptions, deps: DrillDeps, pair: Pair): DrillContext {
    const lock = acquireLock(join(opts.root, '.parity', 'drills', `${pair.dr.name}.lock`), { command: `drill ${pair.dr.name}` });
    const ctx = new DrillContext(opts, deps, pair, lock);
    if (lock.replaced) {
      const stopped = lock.replaced.stopped.map((c) => `${c.what} (pgid ${c.pgid})`).join(', ');
      ctx.progress.info(
        `took over a stale lock of pid ${lock.replaced.info?.pid ?? '?'}${stopped ? `; stopped its leftovers: ${stopped}` : ''}`,
      );
    }
    try {
      mkdirSync(ctx.work, { recursive: true });
    } catch (e) {
      void ctx.release();
      throw e;
    }
    opts.signal?.addEventListener('abort', ctx.onOuterAbort, { once: true });
    if (opts.handleSignals) {
      process.on('SIGINT', ctx.onSignal);
      process.on('SIGTERM', ctx.onSignal);
    }
    return ctx;
  }

  get root(): string {
    return this.opts.root;
  }

  /** A path relative to the workspace root, for messages. */
  rel(p: string): string {
    return relative(this.root, p) || '.';
  }

  /** The report's record of a step. */
  rec(id: StepId): StepRecord {
    // every step a strategy runs is in the outline it made (steps/kit.test.ts runs each strategy's drill against it)
    return this.report.steps.find((s) => s.id === id)!;
  }

  /** Why the drill stopped: the abort reason if it was aborted, else the error. */
  reason(e: unknown): unknown {
    return this.ctl.signal.aborted && this.ctl.signal.reason instanceof Error ? this.ctl.signal.reason : e;
  }

  /** The User-Agent token naming the running step and `what` to the fence (`<step>: <what>`). */
  caller(what: string): string | undefined {
    return this.fence ? callerToken(`${this.current ?? 'drill'}: ${what}`) : undefined;
  }

  /**
   * Listen to the fence: every refusal is recorded in the report; one made while a step runs is a
   * request that step needs from the lost region, so the drill stops there, naming the caller.
   */
  guard(fence: Fence, region: string): void {
    this.fence = fence;
    const record: FenceRecord = {
      region,
      refused: [],
      forwarded: {},
      note: `Every client (Terraform's provider, the SDK clients of the failover and failback steps, the verification) reached the emulator through a fence on loopback that, from the loss on, refuses every request signed for ${region} with a 503 (ServiceUnavailable) and records it. The fence shows that no client called ${region}; it cannot show that the emulator's own cross-region reads (a request naming the lost region only by ARN) would fail, as they would on AWS.`,
    };
    this.report.fence = record;
    fence.onRefused((r: RefusedRequest) => {
      const needed = this.current !== undefined;
      record.refused.push({
        at: r.at,
        reason: r.reason,
        ...(r.region ? { region: r.region } : {}),
        ...(r.service ? { service: r.service } : {}),
        action: r.action,
        caller: r.caller,
        ...(this.current ? { step: this.current } : {}),
        needed,
      });
      if (needed && !this.ctl.signal.aborted) {
        const i = regionFenced(r.caller, r);
        this.ctl.abort(new ParityError([i], i.message));
      }
    });
  }

  tfCtx(signal: AbortSignal): TfContext {
    const ua = this.caller('terraform');
    return {
      env: this.deps.terraformEnv(ua ? { TF_APPEND_USER_AGENT: ua } : undefined),
      pluginDir: this.opts.pluginDir,
      signal,
      children: this.children,
      graceMs: this.emulated ? 3000 : 60_000,
      ownEmulator: this.opts.target.kind === 'emulator',
    };
  }

  /** Run one step: timed, shown, recorded in the report; an abort in the meantime wins. */
  async step<T>(id: StepId, fn: (s: StepHandle) => Promise<T>): Promise<T> {
    if (this.ctl.signal.aborted) throw this.ctl.signal.reason;
    const r = this.rec(id);
    this.current = id;
    r.startedAt = this.now().toISOString();
    const t0 = performance.now();
    const seconds = () => Math.round((performance.now() - t0) / 10) / 100;
    this.progress.start(r.title, this.report.steps.indexOf(r) + 1, this.report.steps.length);
    try {
      const v = await fn({ note: (d) => (r.detail = d), update: (t) => this.progress.update(t), signal: this.ctl.signal });
      if (this.ctl.signal.aborted) throw this.ctl.signal.reason;
      r.status = 'passed';
      r.durationSeconds = seconds();
      this.progress.succeed(r.title, r.durationSeconds, r.detail);
      return v;
    } catch (e) {
      const err = this.reason(e);
      r.status = wasInterrupted(err) ? 'aborted' : 'failed';
      r.error = message(err);
      r.durationSeconds = seconds();
      this.progress.fail(r.title, r.durationSeconds, r.error);
      this.report.failedStep = id;
      throw err;
    } finally {
      this.current = undefined;
    }
  }

  /** The outcome of the steps, from the error that stopped them (if any). */
  settle(e?: unknown): void {
    const report = this.report;
    if (e === undefined) report.status = 'passed';
    else {
      const reason = this.reason(e);
      report.status = wasInterrupted(reason) ? 'aborted' : 'failed';
      report.error = message(reason);
      report.failedStep ??= report.steps.find((s) => s.status === 'failed' || s.status === 'aborted')?.id ?? 'check';
    }
    for (const s of report.steps) {
      if (s.status === 'skipped' && !s.detail && s.id !== 'teardown')
        s.detail = report.status === 'passed' ? undefined : `not reached (${report.status} at ${report.failedStep})`;
    }
  }

  /** Stop what is left (never the emulator --keep detached), stop listening, release the lock. */
  async release(): Promise<void> {
    await this.plane?.stop();
    await this.fence?.close();
    const moto = this.created.emulator;
    if (moto && !moto.stopping) await moto.stop();
    this.children.killAll('SIGKILL');
    if (this.opts.handleSignals) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    }
    this.opts.signal?.removeEventListener('abort', this.onOuterAbort);
    this.children.dispose();
    this.lock.release();
  }

  private signalled(sig: NodeJS.Signals): void {
    if (!this.firstSignalAt) {
      this.firstSignalAt = Date.now();
      this.progress.info(`${sig}: stopping the drill and tearing down (again to stop at once)…`);
      this.ctl.abort(interruption(sig));
    } else if (Date.now() - this.firstSignalAt > 1500) {
      // (a wrapper such as tsx or pnpm relays the terminal's one Ctrl-C a moment later: not a second one)
      this.forced = true;
      this.progress.info(`${sig}: stopping everything now`);
      this.teardownCtl.abort(interruption(sig));
      this.children.killAll('SIGKILL');
    }
  }
}
