/**
 * One drill's state and machinery: the lock, the work folder, the abort controllers (Ctrl-C, a
 * dying emulator), the report being filled in, and the step runner that times each step and
 * records its outcome. The steps themselves (steps.ts) and the teardown (teardown.ts) read and
 * fill in this state; `runDrill` (drill.ts) calls them in order.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DBSnapshot } from '@aws-sdk/client-rds';
import type { CheckReport } from '@parity/checks';
import { ProcessGroups } from '@parity/io';
import type { ResolvedEnvironment, Workspace } from '@parity/model';
import type { Clients } from '@parity/dr';
import { type FilterResult, overrideFor, removeResources, unsupportedSeeds, withoutReplicaSubnetGroups } from './target/emulator.js';
import { acquireLock, type Lock } from './target/lock.js';
import type { Moto } from './target/moto.js';
import { strategyOf, type Pair, type Strategy } from '@parity/dr';
import { silentProgress, type Progress } from './report/progress.js';
import { DRILL_REPORT_SCHEMA, reportStamp, type DrillReport, type DrillTarget, type StepId, type StepRecord } from '@parity/model';
import { apply, destroy, init, pendingChanges, type PendingChange, type TfContext } from './target/terraform.js';
import { placedResources, type TerraformJson } from '@parity/model/terraform';

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

/** The Terraform runs a drill makes in a work folder (terraform.ts; a fake in tests). */
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
}

/** Raised (as an abort reason) on Ctrl-C / SIGTERM. */
export class DrillInterrupted extends Error {
  constructor(readonly signalName: string) {
    super(`interrupted by ${signalName}`);
    this.name = 'DrillInterrupted';
  }
}

/** Raised (as an abort reason) when the emulator the drill started dies. */
export class EmulatorDied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorDied';
  }
}

/** An environment's work copy: the folder Terraform runs in and the JSON applied there. */
export interface Prepared {
  readonly dir: string;
  readonly json: TerraformJson;
  readonly filter?: FilterResult;
}

/** What a step can say while it runs. */
export interface StepHandle {
  note(detail: string): void;
  update(text: string): void;
  readonly signal: AbortSignal;
}

type Title = (p: string, d: string, pr: string, dr: string) => string;

const TITLES: Readonly<Record<StepId, Title>> = {
  emulator: () => 'Start the emulator',
  check: (p, d) => `Check ${p} and ${d}`,
  'apply-primary': (p, _d, pr) => `Apply ${p} in ${pr}`,
  'apply-standby': (_p, d, _pr, dr) => `Apply ${d} in ${dr} as in peacetime: the read replica, compute at standby size`,
  marker: (p) => `Write a marker into ${p}'s data`,
  loss: (_p, _d, pr) => `Declare ${pr} lost`,
  copy: (_p, _d, _pr, dr) => `Copy the latest protected data into ${dr}`,
  'apply-dr': (_p, d, _pr, dr) => `Fail over: apply ${d} in ${dr}, restored from the copy (failover.step restore)`,
  promote: (_p, d) => `Fail over: promote ${d}'s replica and scale up (failover.step promote)`,
  complete: (_p, d) => `Complete the failover: ${d} a full primary (failover.step complete)`,
  verify: (_p, _d, _pr, dr) => `Verify ${dr} through the AWS API`,
  measure: () => 'Measure RTO and RPO',
  reprotect: (p, d, pr) =>
    `Fail back, reprotect: ${p} in ${pr} becomes the DR of ${d}, its database replaced by a replica (failback.step reprotect)`,
  switchover: (p, d) => `Fail back, switch over: fence ${d}'s writers, lag 0, promote ${p}'s replica and scale up (failback.step promote)`,
  'failback-complete': (p) => `Fail back, complete: ${p} a full primary (failback.step complete)`,
  'restore-roles': (p, d) => `Restore the original roles: ${d} a replica of ${p} again, both sections removed`,
  'verify-failback': (_p, _d, pr, dr) => `Verify ${pr} and ${dr} in their original roles; measure the failback`,
  teardown: () => 'Tear down',
};

/** Under backup & restore the failback steps restore from a snapshot instead of reversing a replica. */
const BACKUP_TITLES: Readonly<Partial<Record<StepId, Title>>> = {
  reprotect: (p, d, pr) =>
    `Fail back, reprotect: ${d}'s backups also copied into ${pr}, where ${p} becomes its DR (failback.step reprotect)`,
  switchover: (p, d) =>
    `Fail back, switch over: fence ${d}'s writers, snapshot its database, copy it back, re-create ${p}'s database from it (failback.step restore)`,
  'failback-complete': (p, d) =>
    `Fail back, complete: the original roles, ${p}'s restored database kept, both sections removed (${d} goes)`,
};

/** A step's title for a drill of `strategy`. */
function titleOf(id: StepId, strategy: Strategy): Title {
  return (strategy === 'backup-restore' ? BACKUP_TITLES[id] : undefined) ?? TITLES[id];
}

/** The steps of a drill of `strategy`, in order: a replica is applied before the loss, promoted and completed after it; then the failback. */
export function stepsFor(strategy: Strategy, failback = false): StepId[] {
  const backups = strategy === 'backup-restore';
  const middle: StepId[] = backups ? ['marker', 'loss', 'copy', 'apply-dr'] : ['apply-standby', 'marker', 'loss', 'promote', 'complete'];
  const reverse: StepId[] = backups
    ? ['reprotect', 'switchover', 'failback-complete', 'verify-failback']
    : ['reprotect', 'switchover', 'failback-complete', 'restore-roles', 'verify-failback'];
  const back: StepId[] = failback ? reverse : [];
  return ['emulator', 'check', 'apply-primary', ...middle, 'verify', 'measure', ...back, 'teardown'];
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function targetOf(t: DrillTargetOption): DrillTarget {
  if (t.kind === 'aws') return { kind: 'aws', description: 'real AWS, with the ambient credentials' };
  if (t.kind === 'endpoint') return { kind: 'endpoint', endpoint: t.url, description: `AWS emulator at ${t.url} (running already)` };
  return { kind: 'emulator', description: 'moto_server started by the drill on a free loopback port' };
}

/** The state of one drill, from the lock to the report. */
export class DrillRun {
  readonly now: () => Date;
  readonly progress: Progress;
  readonly emulated: boolean;
  readonly children: ProcessGroups;
  readonly stamp: string;
  readonly work: string;
  readonly report: DrillReport;
  readonly terraform: TerraformOps;
  readonly strategy: Strategy;
  /** Aborts the steps (Ctrl-C, a dying emulator, the caller's signal). */
  readonly ctl = new AbortController();
  /** Aborts the teardown too (a second Ctrl-C). */
  readonly teardownCtl = new AbortController();
  /** A second interrupt killed everything at once. */
  forced = false;
  moto?: Moto;
  endpoint?: string;
  readonly prepared = new Map<string, Prepared>();
  primaryClients?: Clients;
  drClients?: Clients;
  check?: CheckReport;
  primaryPrep?: Prepared;
  drPrep?: Prepared;
  copyKey?: { arn: string; address: string };
  marker?: DBSnapshot;
  markerId = '';
  markerQueueAddress?: string;
  copy?: DBSnapshot;
  /** The pair as the failover has changed it so far, and the manifest text (never written by a drill). */
  failedOver?: { pair: Pair; text: string };
  /** The pair as the failback has changed it so far, and both manifest texts (never written by a drill). */
  failedBack?: { pair: Pair; texts: Record<string, string> };
  /** Backup & restore failback: the switchover snapshot (DR region) and its copy (primary region), deleted by the teardown. */
  failbackSnapshots?: { source: DBSnapshot; copy: DBSnapshot };
  /** Environments applied without their database's subnet group (moto; see withoutReplicaSubnetGroups). */
  readonly withoutSubnetGroups = new Set<string>();
  lossAt?: Date;
  /** The replica's lag when the failover found it (CloudWatch ReplicaLag), if the target reports one. */
  replicaLagAtLoss?: number;
  /** DR databases applied without their subnet group on the emulator (see withoutReplicaSubnetGroups). */
  readonly replicaSubnetGroups: string[] = [];
  /** What only the emulator does, seen during the failover (listed as not exercised). */
  readonly emulatorQuirks: string[] = [];
  /** What Terraform still planned after the failover's last apply. */
  pendingAfterFailover?: PendingChange[];
  /** On the emulator: what Terraform planned right after the peacetime apply (attributes moto does not keep). */
  pendingBeforeFailover?: PendingChange[];
  verifiedAt?: Date;
  private firstSignalAt = 0;
  private readonly onSignal = (sig: NodeJS.Signals) => this.signalled(sig);
  private readonly onOuterAbort = () =>
    this.ctl.abort(this.opts.signal?.reason instanceof Error ? this.opts.signal.reason : new DrillInterrupted('abort'));

  private constructor(
    readonly opts: DrillOptions,
    readonly deps: DrillDeps,
    readonly ws: Workspace,
    readonly dr: ResolvedEnvironment,
    readonly primary: ResolvedEnvironment,
    private readonly lock: Lock,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.progress = opts.progress ?? silentProgress;
    this.emulated = opts.target.kind !== 'aws';
    this.terraform = deps.terraform ?? realTerraform;
    this.strategy = strategyOf(dr);
    this.endpoint = opts.target.kind === 'endpoint' ? opts.target.url.replace(/\/$/, '') : undefined;
    this.children = new ProcessGroups((list) => lock.setChildren(list));
    const startedAt = this.now();
    this.stamp = reportStamp(startedAt.toISOString());
    this.work = join(opts.root, '.parity', 'drills', `${dr.name}-${this.stamp}`);
    this.report = {
      schema: DRILL_REPORT_SCHEMA,
      drEnv: dr.name,
      primary: primary.name,
      primaryRegion: primary.region,
      drRegion: dr.region,
      startedAt: startedAt.toISOString(),
      status: 'failed',
      target: targetOf(opts.target),
      tools: {},
      policy: { name: dr.dr.policy, strategy: this.strategy },
      steps: stepsFor(this.strategy, opts.failback).map((id) => ({
        id,
        title: titleOf(id, this.strategy)(primary.name, dr.name, primary.region, dr.region),
        status: 'skipped' as const,
      })),
      leftOut: {},
      droppedDependsOn: {},
      verification: [],
      notExercised: [],
      workDir: relative(opts.root, this.work) || '.',
    };
    if (opts.target.kind === 'endpoint') this.rec('emulator').title = `Reach the emulator at ${opts.target.url}`;
    if (opts.target.kind === 'aws') this.rec('emulator').title = 'Emulator';
  }

  /** Take the drill's lock, make its work folder and listen for interrupts. */
  static open(
    opts: DrillOptions,
    deps: DrillDeps,
    pair: { ws: Workspace; dr: ResolvedEnvironment; primary: ResolvedEnvironment },
  ): DrillRun {
    const lock = acquireLock(join(opts.root, '.parity', 'drills', `${pair.dr.name}.lock`), { command: `drill ${pair.dr.name}` });
    const run = new DrillRun(opts, deps, pair.ws, pair.dr, pair.primary, lock);
    if (lock.replaced) {
      const stopped = lock.replaced.stopped.map((c) => `${c.what} (pgid ${c.pgid})`).join(', ');
      run.progress.info(
        `took over a stale lock of pid ${lock.replaced.info?.pid ?? '?'}${stopped ? `; stopped its leftovers: ${stopped}` : ''}`,
      );
    }
    try {
      mkdirSync(run.work, { recursive: true });
    } catch (e) {
      void run.release();
      throw e;
    }
    opts.signal?.addEventListener('abort', run.onOuterAbort, { once: true });
    if (opts.handleSignals) {
      process.on('SIGINT', run.onSignal);
      process.on('SIGTERM', run.onSignal);
    }
    return run;
  }

  get root(): string {
    return this.opts.root;
  }

  /** A path relative to the workspace root, for messages. */
  rel(p: string): string {
    return relative(this.root, p) || '.';
  }

  rec(id: StepId): StepRecord {
    return this.report.steps.find((s) => s.id === id)!;
  }

  /** Why the drill stopped: the abort reason if it was aborted, else the error. */
  reason(e: unknown): unknown {
    return this.ctl.signal.aborted && this.ctl.signal.reason instanceof Error ? this.ctl.signal.reason : e;
  }

  tfCtx(signal: AbortSignal): TfContext {
    return {
      env: this.deps.terraformEnv(),
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
      r.status = err instanceof DrillInterrupted ? 'aborted' : 'failed';
      r.error = message(err);
      r.durationSeconds = seconds();
      this.progress.fail(r.title, r.durationSeconds, r.error);
      this.report.failedStep = id;
      throw err;
    }
  }

  /** Write the work copy of an environment: filtered for the emulator, with the override file. */
  prepare(env: ResolvedEnvironment, json: TerraformJson): Prepared {
    const dir = join(this.work, env.name);
    mkdirSync(dir, { recursive: true });
    let applied = json;
    let filter: FilterResult | undefined;
    // once an environment holds a replica on the emulator, it keeps the adaptation (a later apply would only move it back)
    const replica = placedResources(json, 'aws_db_instance').some((d) => d.body.replicate_source_db !== undefined);
    if (this.emulated && this.strategy !== 'backup-restore' && (replica || this.withoutSubnetGroups.has(env.name))) {
      const a = withoutReplicaSubnetGroups(applied);
      applied = a.json;
      this.withoutSubnetGroups.add(env.name);
      for (const x of a.adapted)
        if (!this.replicaSubnetGroups.includes(`${env.name}: ${x}`)) this.replicaSubnetGroups.push(`${env.name}: ${x}`);
    }
    if (this.emulated) {
      filter = removeResources(applied, unsupportedSeeds(applied));
      applied = filter.json;
      this.report.leftOut[env.name] = filter.removed.map((r) => ({ address: r.address, reason: r.reason }));
      this.report.droppedDependsOn[env.name] = filter.droppedDependsOn.map((d) => ({ address: d.address, on: [...d.on] }));
      const leftOut = { removed: filter.removed, removedOutputs: filter.removedOutputs, droppedDependsOn: filter.droppedDependsOn };
      writeFileSync(join(dir, 'left-out.json'), `${JSON.stringify(leftOut, null, 2)}\n`);
    }
    writeFileSync(join(dir, 'main.tf.json'), `${JSON.stringify(applied, null, 2)}\n`);
    const override = overrideFor(applied, { endpoint: this.endpoint, statePath: 'terraform.tfstate' });
    writeFileSync(join(dir, 'parity_drill_override.tf.json'), `${JSON.stringify(override, null, 2)}\n`);
    const p = { dir, json: applied, filter };
    this.prepared.set(env.name, p);
    return p;
  }

  /** `terraform init` and `apply` of a prepared environment, inside a step; `replace`: addresses to recreate (`-replace`). */
  async applyEnv(env: ResolvedEnvironment, p: Prepared, s: StepHandle, replace: readonly string[] = []): Promise<void> {
    s.update('terraform init');
    await this.terraform.init(p.dir, this.tfCtx(s.signal), env.name);
    s.update('terraform apply');
    const r = await this.terraform.apply(p.dir, this.tfCtx(s.signal), env.name, s.update, replace);
    const left = p.filter?.removed.length ?? 0;
    const replaced = replace.length ? `, ${replace.join(', ')} replaced (emulator)` : '';
    if (r.adopted.length) this.report.adopted = [...(this.report.adopted ?? []), ...r.adopted.map((a) => ({ env: env.name, ...a }))];
    const adopted = r.adopted.length ? `, ${r.adopted.map((a) => a.address).join(', ')} imported (emulator answer lost)` : '';
    s.note(`${r.created} resources applied${left ? `, ${left} left out (emulator)` : ''}${replaced}${adopted}; ${this.rel(p.dir)}`);
  }

  /** The outcome of the steps, from the error that stopped them (if any). */
  settle(e?: unknown): void {
    const report = this.report;
    if (e === undefined) report.status = 'passed';
    else {
      const reason = this.reason(e);
      report.status = reason instanceof DrillInterrupted ? 'aborted' : 'failed';
      report.error = message(reason);
      report.failedStep ??= (report.steps.find((s) => s.status === 'failed' || s.status === 'aborted')?.id ?? 'check') as StepId;
    }
    for (const s of report.steps) {
      if (s.status === 'skipped' && !s.detail && s.id !== 'teardown')
        s.detail = report.status === 'passed' ? undefined : `not reached (${report.status} at ${report.failedStep})`;
    }
  }

  /** Stop what is left (never the emulator --keep detached), stop listening, release the lock. */
  async release(): Promise<void> {
    if (this.moto && !this.moto.stopping) await this.moto.stop();
    this.children.killAll('SIGKILL');
    if (this.opts.handleSignals) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    }
    this.opts.signal?.removeEventListener('abort', this.onOuterAbort);
    this.primaryClients?.destroy();
    this.drClients?.destroy();
    this.children.dispose();
    this.lock.release();
  }

  private signalled(sig: NodeJS.Signals): void {
    if (!this.firstSignalAt) {
      this.firstSignalAt = Date.now();
      this.progress.info(`${sig}: stopping the drill and tearing down (again to stop at once)…`);
      this.ctl.abort(new DrillInterrupted(sig));
    } else if (Date.now() - this.firstSignalAt > 1500) {
      // (a wrapper such as tsx or pnpm relays the terminal's one Ctrl-C a moment later: not a second one)
      this.forced = true;
      this.progress.info(`${sig}: stopping everything now`);
      this.teardownCtl.abort(new DrillInterrupted(sig));
      this.children.killAll('SIGKILL');
    }
  }
}
