/**
 * `pnpm drill <dr-env>`: a regional failover practised for real, with real Terraform.
 *
 *  1. check the pair (the primary the DR environment recovers, and the DR environment);
 *  2. apply the primary from the project's own synth output and provider mirror;
 *  3. write a marker into its data (a database snapshot with a known time, a queue message);
 *  4. declare the primary region lost and start the recovery clock;
 *  5. copy the latest protected data into the DR region, encrypted with a DR-region key;
 *  6. apply the DR environment with its database restored from that copy;
 *  7. verify through the AWS API that the DR region holds what the definition says;
 *  8. stop the clock; 9. measure RTO and RPO against the definition's targets;
 * 10. tear both down (unless --keep), and write the report.
 *
 * The target is a moto server the drill starts and stops (default), a running one
 * (`--endpoint`), or real AWS (`--aws`). Everything is applied from a work folder under
 * `.parity/drills/` with a local backend: a drill never touches an environment's real state.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DBSnapshot } from '@aws-sdk/client-rds';
import type { CheckReport, DrPair } from '@parity/checks';
import { formatIssues, loadWorkspace, resolveEnvironment, type ResolvedEnvironment, type Workspace } from '@parity/model';
import { allAliases, arnRegion, clients, copySnapshot, createSnapshot, deleteSnapshot, sendMarkerMessage, waitSnapshot, type Clients } from './aws.js';
import { literal, MOTO_INERT, MOTO_UNSUPPORTED, overrideFor, removeResources, resourcesOf, unsupportedSeeds, type FilterResult, type TfJson } from './emulator.js';
import { acquireLock, type Lock } from './lock.js';
import { rpo as measureRpo, rto as measureRto } from './metrics.js';
import { answers, MOTO_VERSION, startMoto, type Moto } from './moto.js';
import { Children } from './proc.js';
import { silentProgress, type Progress } from './progress.js';
import { REPORT_SCHEMA, reportStamp, writeReport, type DrillReport, type NotExercised, type StepId, type StepRecord } from './report.js';
import { apply, destroy, init, stateResources, terraformVersion, type StateResource, type TfContext } from './terraform.js';
import { verifyDr } from './verify.js';

/** What the drill takes from the CLI: the project's own check, synth and Terraform environment. */
export interface DrillDeps {
  /** `runCheck([primary, dr])` of packages/cli. */
  runCheck(names: readonly string[], root: string): Promise<CheckReport>;
  /** `synth([env])` of packages/cli: the environment's stack file, synthesized if stale. */
  synth(names: readonly string[], root: string): Promise<Array<{ env: string; file: string }>>;
  /** `terraformEnv()` of packages/cli. */
  terraformEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export type DrillTargetOption = { kind: 'emulator' } | { kind: 'endpoint'; url: string } | { kind: 'aws' };

export interface DrillOptions {
  readonly root: string;
  readonly drEnv: string;
  readonly target: DrillTargetOption;
  /** Leave both environments (and a drill-started emulator) running. */
  readonly keep?: boolean;
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

/** A refusal before anything started (no report is written). */
export class DrillRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillRefused';
  }
}

const STEPS: ReadonlyArray<{ id: StepId; title: (p: string, d: string, pr: string, dr: string) => string }> = [
  { id: 'emulator', title: () => 'Start the emulator' },
  { id: 'check', title: (p, d) => `Check ${p} and ${d}` },
  { id: 'apply-primary', title: (p, _d, pr) => `Apply ${p} in ${pr}` },
  { id: 'marker', title: (p) => `Write a marker into ${p}'s data` },
  { id: 'loss', title: (_p, _d, pr) => `Declare ${pr} lost` },
  { id: 'copy', title: (_p, _d, _pr, dr) => `Copy the latest protected data into ${dr}` },
  { id: 'apply-dr', title: (_p, d, _pr, dr) => `Apply ${d} in ${dr}, restored from the copy` },
  { id: 'verify', title: (_p, _d, _pr, dr) => `Verify ${dr} through the AWS API` },
  { id: 'measure', title: () => 'Measure RTO and RPO' },
  { id: 'teardown', title: () => 'Tear down' },
];

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The pair a DR environment recovers, resolved; refusals name the problem and the fix. */
export async function resolvePair(root: string, drEnv: string): Promise<{ ws: Workspace; dr: ResolvedEnvironment; primary: ResolvedEnvironment }> {
  const ws = await loadWorkspace(root);
  if (!ws.definition) throw new DrillRefused(`the workspace at ${root} has no valid definition:\n${formatIssues(ws.issues)}`);
  if (!ws.manifests.has(drEnv)) {
    const drs = [...ws.manifests.values()].filter((m) => m.data.role === 'dr').map((m) => m.data.name);
    throw new DrillRefused(`environment "${drEnv}" does not exist. Fix: name a dr environment${drs.length ? ` (${drs.join(', ')})` : ''}.`);
  }
  const d = resolveEnvironment(ws, drEnv);
  if (!d.env) throw new DrillRefused(`${drEnv} does not resolve:\n${formatIssues(d.issues)}`);
  const dr = d.env;
  if (dr.role !== 'dr' || !dr.recovers) throw new DrillRefused(`${drEnv} is a ${dr.role} environment; a drill fails over into a dr environment. Fix: name one that recovers a production environment (role: dr, recovers: <env>).`);
  if (dr.cloud !== 'aws') throw new DrillRefused(`${drEnv} is on ${dr.cloud}; drills run on AWS only (moto emulates AWS). Fix: drill an AWS dr environment.`);
  const p = resolveEnvironment(ws, dr.recovers.name);
  if (!p.env) throw new DrillRefused(`${dr.recovers.name}, which ${drEnv} recovers, does not resolve:\n${formatIssues(p.issues)}`);
  return { ws, dr, primary: p.env };
}

/** The DR environment resolved with `database.restoreFromSnapshot` set in memory (the committed manifest is untouched). */
export function withRestore(ws: Workspace, drEnv: string, snapshot: string): ResolvedEnvironment {
  const src = ws.manifests.get(drEnv);
  if (!src) throw new Error(`no manifest for ${drEnv}`);
  const overrides = (src.data.overrides ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const data = { ...src.data, overrides: { ...overrides, database: { ...(overrides.database ?? {}), restoreFromSnapshot: snapshot } } };
  const manifests = new Map(ws.manifests);
  manifests.set(drEnv, { ...src, data: data as typeof src.data });
  const r = resolveEnvironment({ ...ws, manifests }, drEnv);
  if (!r.env) throw new Error(`${drEnv} with database.restoreFromSnapshot=${snapshot} does not resolve:\n${formatIssues(r.issues)}`);
  return r.env;
}

/** The findings that stop a drill: errors about the pair, or about the fleet as a whole. */
export function blockingFindings(report: CheckReport, names: readonly string[]): CheckReport['findings'] {
  return report.findings.filter((f) => f.severity === 'error' && (f.env === undefined || names.includes(f.env)));
}

/** The KMS key in the DR region that backup copies use, from the primary's state: the DR copy vault's key. */
export function copyKeyFromState(resources: readonly StateResource[], drRegion: string): { arn: string; address: string } | undefined {
  const vault = resources.find((r) => r.type === 'aws_backup_vault' && arnRegion(r.values.arn as string | undefined) === drRegion && typeof r.values.kms_key_arn === 'string');
  if (vault) return { arn: vault.values.kms_key_arn as string, address: vault.address };
  const key = resources.find((r) => r.type === 'aws_kms_key' && arnRegion(r.values.arn as string | undefined) === drRegion);
  return key ? { arn: key.values.arn as string, address: key.address } : undefined;
}

/** The alias (in the DR region) of the key a resource's attribute references, from the Terraform JSON. */
function aliasOfKey(json: TfJson, keyArnRef: unknown): string | undefined {
  const keyAddress = typeof keyArnRef === 'string' ? /(aws_kms_key\.[A-Za-z0-9_-]+)\./.exec(keyArnRef)?.[1] : undefined;
  if (!keyAddress) return undefined;
  const alias = resourcesOf(json, 'aws_kms_alias').find((a) => typeof a.body.target_key_id === 'string' && a.body.target_key_id.includes(`${keyAddress}.`));
  return literal(alias?.body.name);
}

/** Snapshot identifiers: letters, digits and single hyphens, starting with a letter. */
export function snapshotId(prefix: string, stamp: string, suffix = ''): string {
  return `${prefix}-${stamp}${suffix ? `-${suffix}` : ''}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/-$/, '').slice(0, 255);
}

function motoVersion(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

interface Prepared {
  readonly dir: string;
  readonly json: TfJson;
  readonly filter?: FilterResult;
}

export async function runDrill(opts: DrillOptions, deps: DrillDeps): Promise<DrillReport> {
  const now = opts.now ?? (() => new Date());
  const progress = opts.progress ?? silentProgress;
  const root = opts.root;
  const { ws, dr, primary } = await resolvePair(root, opts.drEnv);
  const emulated = opts.target.kind !== 'aws';

  const lock: Lock = acquireLock(join(root, '.parity', 'drills', `${dr.name}.lock`), { command: `drill ${dr.name}` });
  if (lock.replaced) {
    progress.info(`took over a stale lock of pid ${lock.replaced.info?.pid ?? '?'}${lock.replaced.stopped.length ? `; stopped its leftovers: ${lock.replaced.stopped.map((c) => `${c.what} (pgid ${c.pgid})`).join(', ')}` : ''}`);
  }
  const children = new Children((list) => lock.setChildren(list));
  const startedAt = now();
  const stamp = reportStamp(startedAt.toISOString());
  const work = join(root, '.parity', 'drills', `${dr.name}-${stamp}`);
  try {
    mkdirSync(work, { recursive: true });
  } catch (e) {
    children.dispose();
    lock.release();
    throw e;
  }
  const rel = (p: string) => relative(root, p) || '.';

  const ctl = new AbortController();
  const teardownCtl = new AbortController();
  const onOuterAbort = () => ctl.abort(opts.signal?.reason instanceof Error ? opts.signal.reason : new DrillInterrupted('abort'));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let firstSignalAt = 0;
  let forced = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!firstSignalAt) {
      firstSignalAt = Date.now();
      progress.info(`${sig}: stopping the drill and tearing down (again to stop at once)…`);
      ctl.abort(new DrillInterrupted(sig));
    } else if (Date.now() - firstSignalAt > 1500) {
      // (a wrapper such as tsx or pnpm relays the terminal's one Ctrl-C a moment later: not a second one)
      forced = true;
      progress.info(`${sig}: stopping everything now`);
      teardownCtl.abort(new DrillInterrupted(sig));
      children.killAll('SIGKILL');
    }
  };
  if (opts.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const target =
    opts.target.kind === 'aws'
      ? { kind: 'aws' as const, description: 'real AWS, with the ambient credentials' }
      : opts.target.kind === 'endpoint'
        ? { kind: 'endpoint' as const, endpoint: opts.target.url, description: `AWS emulator at ${opts.target.url} (running already)` }
        : { kind: 'emulator' as const, description: `moto_server started by the drill on a free loopback port` };

  const report: DrillReport = {
    schema: REPORT_SCHEMA,
    drEnv: dr.name,
    primary: primary.name,
    primaryRegion: primary.region,
    drRegion: dr.region,
    startedAt: startedAt.toISOString(),
    status: 'failed',
    target,
    tools: {},
    steps: STEPS.map((s) => ({ id: s.id, title: s.title(primary.name, dr.name, primary.region, dr.region), status: 'skipped' as const })),
    leftOut: {},
    droppedDependsOn: {},
    verification: [],
    notExercised: [],
    workDir: rel(work),
  };
  const rec = (id: StepId): StepRecord => report.steps.find((s) => s.id === id)!;
  if (opts.target.kind === 'endpoint') rec('emulator').title = `Reach the emulator at ${opts.target.url}`;
  if (opts.target.kind === 'aws') rec('emulator').title = 'Emulator';

  const step = async <T>(id: StepId, fn: (s: { note: (d: string) => void; update: (t: string) => void; signal: AbortSignal }) => Promise<T>): Promise<T> => {
    if (ctl.signal.aborted) throw ctl.signal.reason;
    const r = rec(id);
    r.startedAt = now().toISOString();
    const t0 = performance.now();
    progress.start(r.title, STEPS.findIndex((x) => x.id === id) + 1);
    try {
      const v = await fn({ note: (d) => (r.detail = d), update: (t) => progress.update(t), signal: ctl.signal });
      if (ctl.signal.aborted) throw ctl.signal.reason;
      r.status = 'passed';
      r.durationSeconds = Math.round((performance.now() - t0) / 10) / 100;
      progress.succeed(r.title, r.durationSeconds, r.detail);
      return v;
    } catch (e) {
      const err = ctl.signal.aborted && ctl.signal.reason instanceof Error ? ctl.signal.reason : e;
      r.status = err instanceof DrillInterrupted ? 'aborted' : 'failed';
      r.error = message(err);
      r.durationSeconds = Math.round((performance.now() - t0) / 10) / 100;
      progress.fail(r.title, r.durationSeconds, r.error);
      report.failedStep = id;
      throw err;
    }
  };

  let moto: Moto | undefined;
  let endpoint: string | undefined = opts.target.kind === 'endpoint' ? opts.target.url.replace(/\/$/, '') : undefined;
  const tfCtx = (signal: AbortSignal): TfContext => ({ env: deps.terraformEnv(), pluginDir: opts.pluginDir, signal, children, graceMs: emulated ? 3000 : 60_000 });
  const prepared = new Map<string, Prepared>();
  let primaryClients: Clients | undefined;
  let drClients: Clients | undefined;
  let marker: DBSnapshot | undefined;
  let markerId = '';
  let copy: DBSnapshot | undefined;
  let lossAt: Date | undefined;
  let verifiedAt: Date | undefined;
  let check: CheckReport | undefined;

  /** Write the work copy of an environment: filtered for the emulator, with the override file. */
  const prepare = (env: ResolvedEnvironment, json: TfJson): Prepared => {
    const dir = join(work, env.name);
    mkdirSync(dir, { recursive: true });
    let applied = json;
    let filter: FilterResult | undefined;
    if (emulated) {
      filter = removeResources(json, unsupportedSeeds(json));
      applied = filter.json;
      report.leftOut[env.name] = filter.removed.map((r) => ({ address: r.address, reason: r.reason }));
      report.droppedDependsOn[env.name] = filter.droppedDependsOn.map((d) => ({ address: d.address, on: [...d.on] }));
      writeFileSync(join(dir, 'left-out.json'), `${JSON.stringify({ removed: filter.removed, removedOutputs: filter.removedOutputs, droppedDependsOn: filter.droppedDependsOn }, null, 2)}\n`);
    }
    writeFileSync(join(dir, 'main.tf.json'), `${JSON.stringify(applied, null, 2)}\n`);
    writeFileSync(join(dir, 'parity_drill_override.tf.json'), `${JSON.stringify(overrideFor(applied, { endpoint, statePath: 'terraform.tfstate' }), null, 2)}\n`);
    const p = { dir, json: applied, filter };
    prepared.set(env.name, p);
    return p;
  };

  const applyEnv = async (env: ResolvedEnvironment, p: Prepared, s: { note: (d: string) => void; update: (t: string) => void; signal: AbortSignal }) => {
    s.update('terraform init');
    await init(p.dir, tfCtx(s.signal), env.name);
    s.update('terraform apply');
    const r = await apply(p.dir, tfCtx(s.signal), env.name, s.update);
    const left = p.filter?.removed.length ?? 0;
    s.note(`${r.created} resources applied${left ? `, ${left} left out (emulator)` : ''}; ${rel(p.dir)}`);
  };

  try {
    // 0. the target
    if (opts.target.kind === 'emulator') {
      await step('emulator', async (s) => {
        moto = await startMoto({ log: join(work, 'moto.log'), children, signal: s.signal });
        endpoint = moto.url;
        const m = moto;
        void m.exited.then((x) => {
          if (!m.stopping) ctl.abort(new EmulatorDied(`the emulator (moto_server, pid ${m.pid}) exited unexpectedly (${x.signal ?? `code ${x.code}`}); see ${rel(m.log)}`));
        });
        const v = motoVersion();
        report.tools.moto = v ?? 'unknown';
        report.target = { kind: 'emulator', endpoint: m.url, description: `moto ${v ?? ''} started by the drill at ${m.url} (pid ${m.pid}), stopped afterwards`.replace('  ', ' ') };
        s.note(`moto ${v ?? '(version unknown)'} at ${m.url}, pid ${m.pid}`);
        if (v && v !== MOTO_VERSION) progress.info(`note: moto ${v}; the table of unsupported resources was established with moto ${MOTO_VERSION}`);
      });
    } else if (opts.target.kind === 'endpoint') {
      await step('emulator', async (s) => {
        if (!(await answers(endpoint!, 5000))) throw new Error(`nothing answers at ${endpoint}. Fix: start one (moto_server -H 127.0.0.1 -p <port>, with MOTO_IAM_LOAD_MANAGED_POLICIES=true), or leave out --endpoint to let the drill start its own`);
        s.note(`${endpoint} answers`);
      });
    } else {
      const r = rec('emulator');
      r.detail = 'real AWS: no emulator';
      progress.skip(r.title, 'real AWS', 1);
    }
    report.tools.terraform = (await terraformVersion(deps.terraformEnv())) ?? 'unknown';

    // 1. checks for the pair
    await step('check', async (s) => {
      check = await deps.runCheck([primary.name, dr.name], root);
      const blocking = blockingFindings(check, [primary.name, dr.name]);
      if (blocking.length) {
        throw new Error(`pnpm check ${primary.name} ${dr.name} reports ${blocking.length} error(s); a drill needs a clean pair: ${blocking.map((f) => `[${f.check}${f.env ? ` ${f.env}` : ''}] ${f.file}${f.path ? ` ${f.path}` : ''}: ${f.message}`).join('; ')}`);
      }
      const pair = check.dr.find((p) => p.primary === primary.name && p.dr?.name === dr.name);
      s.note(`no errors; estimated RPO ${pair?.rpo?.minutes ?? '?'} min, RTO ${pair?.rto?.minutes ?? '?'} min (targets ${dr.dr.rpoMinutes} / ${dr.dr.rtoMinutes} min)`);
    });

    // 2. the primary, from the project's own synth output
    const primaryPrep = await step('apply-primary', async (s) => {
      s.update('synth');
      const out = await deps.synth([primary.name], root);
      const file = out.find((o) => o.env === primary.name)?.file;
      if (!file || !existsSync(file)) throw new Error(`synth produced no stack file for ${primary.name}`);
      const json = JSON.parse(readFileSync(file, 'utf8')) as TfJson;
      // loaded now, so that the recovery clock measures recovery, not module loading
      await import('@parity/synth');
      report.tools['hashicorp/aws'] = String(((json.terraform?.required_providers as Record<string, { version?: string }> | undefined)?.aws?.version) ?? 'unknown');
      const p = prepare(primary, json);
      await applyEnv(primary, p, s);
      return p;
    });

    // 3. the marker
    const primaryState = stateResources(primaryPrep.dir);
    const copyKey = copyKeyFromState(primaryState, dr.region);
    let markerQueueAddress: string | undefined;
    await step('marker', async (s) => {
      primaryClients = clients(primary.region, endpoint);
      const db = primaryState.find((r) => r.type === 'aws_db_instance' && arnRegion(r.values.arn as string) === primary.region && !r.values.replicate_source_db);
      const instanceId = db?.values.identifier as string | undefined;
      if (!instanceId) throw new Error(`${primary.name}'s state holds no database instance in ${primary.region}`);
      markerId = `drill-${stamp}`.toLowerCase();
      const id = snapshotId('parity', stamp, 'marker');
      s.update(`CreateDBSnapshot ${id}`);
      await createSnapshot(primaryClients.rds, instanceId, id, { 'parity:drill-marker': markerId, 'parity:drill': dr.name }, s.signal);
      marker = await waitSnapshot(primaryClients.rds, id, { signal: s.signal, onStatus: (st) => s.update(`snapshot ${id}: ${st}`) });
      const created = marker.OriginalSnapshotCreateTime ?? marker.SnapshotCreateTime;
      report.marker = {
        id: markerId,
        snapshotId: id,
        snapshotArn: marker.DBSnapshotArn ?? '',
        snapshotCreatedAt: created ? new Date(created).toISOString() : '',
        note: emulated
          ? 'moto has no PostgreSQL engine, so no row can be written: the marker is the snapshot itself (its identity, tag and creation time), taken through the RDS API as a backup job would.'
          : 'the marker is the snapshot (its identity, tag and creation time); write a row first to also prove the data (the drill does not connect to the database).',
      };
      const queue = resourcesOf(primaryPrep.json, 'aws_sqs_queue').find((q) => typeof q.body.redrive_policy === 'string' && literal(q.body.name));
      if (queue) {
        const msgId = await sendMarkerMessage(primaryClients.sqs, literal(queue.body.name)!, JSON.stringify({ parityDrill: markerId }), s.signal);
        markerQueueAddress = queue.address;
        report.marker.queueMessage = `message ${msgId} sent to ${literal(queue.body.name)} in ${primary.region}; queues are not replicated, so ${dr.name} must start with it absent`;
      }
      s.note(`snapshot ${id} of ${instanceId} at ${report.marker.snapshotCreatedAt}`);
    });

    // 4. the loss
    await step('loss', async (s) => {
      lossAt = now();
      report.lossAt = lossAt.toISOString();
      // fenced: from here on the drill makes no call to the primary region (but the copy, see below)
      primaryClients?.destroy();
      primaryClients = undefined;
      s.note(`${primary.region} lost at ${report.lossAt}; recovery clock started`);
    });

    // 5. the latest protected data into the DR region
    await step('copy', async (s) => {
      if (!copyKey) throw new Error(`${primary.name}'s state holds no KMS key in ${dr.region} (the backup bundle creates a copy vault with its own key in each DR region); is ${dr.name} among its DR targets?`);
      drClients = clients(dr.region, endpoint);
      const copyId = snapshotId('parity', stamp, dr.region);
      s.update(`CopyDBSnapshot → ${copyId}`);
      await copySnapshot(drClients.rds, marker!.DBSnapshotArn!, copyId, copyKey.arn, s.signal);
      copy = await waitSnapshot(drClients.rds, copyId, { signal: s.signal, onStatus: (st) => s.update(`copy ${copyId}: ${st}`) });
      // the runbook's way to the key once the primary's state (kept in the lost region) is gone: its alias in the DR region
      const vault = resourcesOf(primaryPrep.json, 'aws_backup_vault').find((v) => v.region === dr.region);
      const alias = aliasOfKey(primaryPrep.json, vault?.body.kms_key_arn);
      let keySource = `the key of ${copyKey.address} in ${primary.name}'s Terraform state, read before the loss`;
      if (alias) {
        const a = (await allAliases(drClients.kms, s.signal)).find((x) => x.AliasName === alias);
        const same = a?.TargetKeyId && copyKey.arn.endsWith(`/${a.TargetKeyId}`);
        keySource += same ? `; ${alias} in ${dr.region} names the same key, which is how a runbook finds it when ${primary.region} (and the state in it) is gone` : `; WARNING: ${alias} in ${dr.region} ${a ? `names another key (${a.TargetKeyId})` : 'does not exist'}`;
      }
      report.recovery = { copySnapshotArn: copy.DBSnapshotArn, copyKmsKeyArn: copy.KmsKeyId, keySource };
      s.note(`${copyId}, encrypted with ${copyKey.arn}`);
    });

    // 6. the DR environment, restored from the copy
    const drPrep = await step('apply-dr', async (s) => {
      s.update('synth with database.restoreFromSnapshot');
      const env = withRestore(ws, dr.name, copy!.DBSnapshotIdentifier!);
      const { synthToJson } = await import('@parity/synth');
      const json = (await synthToJson(root, env)) as TfJson;
      const dbs = resourcesOf(json, 'aws_db_instance');
      if (!dbs.some((d) => d.body.snapshot_identifier === copy!.DBSnapshotIdentifier)) throw new Error(`the synthesized ${dr.name} does not restore its database from ${copy!.DBSnapshotIdentifier}`);
      const p = prepare(dr, json);
      await applyEnv(dr, p, s);
      const db = stateResources(p.dir).find((r) => r.type === 'aws_db_instance');
      report.recovery = { ...report.recovery, restoredInstanceArn: db?.values.arn as string | undefined };
      return p;
    });

    // 7. verification through the API
    await step('verify', async (s) => {
      const checks = await verifyDr({ json: drPrep.json, region: dr.region, clients: drClients!, copy: copy!, markerId, markerQueueAddress, signal: s.signal });
      report.verification.push(...checks);
      const failed = checks.filter((c) => !c.ok);
      if (failed.length) throw new Error(`${failed.length} of ${checks.length} checks failed: ${failed.map((f) => `${f.what}: ${f.detail}`).join('; ')}`);
      verifiedAt = now();
      report.verifiedAt = verifiedAt.toISOString();
      s.note(`${checks.length} checks passed`);
    });

    // 8-9. the clock stops; RTO and RPO against the targets
    await step('measure', async (s) => {
      const pair: DrPair | undefined = check?.dr.find((p) => p.primary === primary.name && p.dr?.name === dr.name);
      const rtoM = measureRto(lossAt!, verifiedAt!, dr.dr.rtoMinutes);
      const dataAt = new Date(copy!.OriginalSnapshotCreateTime ?? marker!.OriginalSnapshotCreateTime ?? marker!.SnapshotCreateTime!);
      const rpoM = measureRpo(dataAt, lossAt!, dr.dr.rpoMinutes);
      report.rto = {
        ...rtoM,
        ...(emulated ? { note: `RTO measured on an emulator: it is the time of the drill's own steps and the provider's waiters, not of AWS (a real restore of ${primary.bundles.find((b) => b.name === 'database')?.params.storageGb ?? '?'} GiB takes far longer; pnpm check estimates ${pair?.rto?.minutes ?? '?'} min). Cut-over (DNS, smoke tests) is not part of the drill.` } : { note: 'Cut-over (DNS, smoke tests) is not part of the drill.' }),
      };
      report.rpo = {
        ...rpoM,
        ...(pair?.rpo ? { worstCaseMinutes: pair.rpo.minutes } : {}),
        note: `RPO of this drill: the restored snapshot was taken ${rpoM.measuredSeconds} s before the loss. The worst case is bounded by the protection schedule: ${pair?.rpo ? `${pair.rpo.minutes} min (${pair.rpo.drivers.map((d) => `${d.bundle}: ${d.mechanism}`).join('; ')})` : 'see pnpm check'}.`,
      };
      s.note(`RTO ${rtoM.measuredMinutes} min (target ${rtoM.targetMinutes}), RPO ${rpoM.measuredMinutes} min (target ${rpoM.targetMinutes})`);
      const breached = [!rtoM.met && `RTO ${rtoM.measuredMinutes} min breaches the ${rtoM.targetMinutes} min target`, !rpoM.met && `RPO ${rpoM.measuredMinutes} min breaches the ${rpoM.targetMinutes} min target`].filter(Boolean);
      if (breached.length) throw new Error(breached.join('; '));
    });
    report.status = 'passed';
  } catch (e) {
    const reason = ctl.signal.aborted && ctl.signal.reason instanceof Error ? ctl.signal.reason : e;
    report.status = reason instanceof DrillInterrupted ? 'aborted' : 'failed';
    report.error = message(reason);
    if (!report.failedStep) report.failedStep = (report.steps.find((s) => s.status === 'failed' || s.status === 'aborted')?.id ?? 'check') as StepId;
  }
  for (const s of report.steps) if (s.status === 'skipped' && !s.detail && s.id !== 'teardown') s.detail = report.status === 'passed' ? undefined : `not reached (${report.status} at ${report.failedStep})`;

  try {
    // 10. teardown: always, whatever happened
    try {
      await teardown();
    } catch (e) {
      const r = rec('teardown');
      r.status = 'failed';
      r.error = `teardown failed: ${message(e)}`;
      report.teardown = { action: r.error, ok: false };
      progress.fail(r.title, 0, r.error);
    }
    report.notExercised.push(...notExercised());
    report.finishedAt = now().toISOString();
    writeReport(root, report);
  } finally {
    // never leave the emulator behind (--keep has detached it on purpose)
    if (moto && !moto.stopping) await moto.stop();
    children.killAll('SIGKILL');
    if (opts.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    opts.signal?.removeEventListener('abort', onOuterAbort);
    primaryClients?.destroy();
    drClients?.destroy();
    children.dispose();
    lock.release();
  }
  return report;

  async function teardown(): Promise<void> {
    const r = rec('teardown');
    r.startedAt = now().toISOString();
    const t0 = performance.now();
    progress.start(r.title, STEPS.length);
    const done = (ok: boolean, action: string, detail?: string) => {
      report.teardown = { action, ok, ...(detail ? { detail } : {}) };
      r.status = ok ? 'passed' : 'failed';
      r.detail = action;
      r.durationSeconds = Math.round((performance.now() - t0) / 10) / 100;
      if (ok) progress.succeed(r.title, r.durationSeconds, action);
      else progress.fail(r.title, r.durationSeconds, action);
    };
    const applied = [dr.name, primary.name].filter((n) => prepared.has(n) && stateResources(prepared.get(n)!.dir).length > 0);
    if (opts.keep) {
      if (moto) {
        moto.detach();
        report.target = { ...report.target, description: report.target.description.replace('stopped afterwards', 'left running (--keep)') };
        done(true, `kept (--keep): moto_server is still running at ${moto.url} (pid ${moto.pid}) with ${applied.join(' and ') || 'nothing applied'}; Terraform state in ${rel(work)}/<env>/terraform.tfstate. Stop it with: kill -TERM -- -${moto.pid}`);
      } else {
        done(true, `kept (--keep): ${applied.length ? applied.join(' and ') : 'nothing was applied'}${applied.length ? `; destroy with: cd ${rel(work)}/<env> && terraform destroy` : ''}${marker || copy ? `; drill snapshots ${[marker?.DBSnapshotIdentifier, copy?.DBSnapshotIdentifier].filter(Boolean).join(', ')} kept` : ''}`);
      }
      return;
    }
    if (opts.target.kind === 'emulator') {
      if (!moto) return done(true, 'nothing to tear down: the emulator never started');
      const died = moto.hasExited && !moto.stopping && !forced;
      await moto.stop();
      return done(
        true,
        forced
          ? `stopped at once on a second interrupt: the emulator (moto_server pid ${moto.pid}) and every terraform process were killed; nothing the drill created outlives the emulator`
          : died
          ? `the emulator had already exited; nothing the drill created outlives it (${applied.join(' and ') || 'nothing'} applied there); no process left`
          : `stopped the emulator the drill started (moto_server pid ${moto.pid}): ${applied.length ? `${applied.join(' and ')}, ` : ''}the drill's snapshots and queue message went with it; terraform destroy was not needed`,
      );
    }
    // a running emulator or real AWS: destroy what was applied, newest first, and the drill's snapshots
    const lines: string[] = [];
    let ok = true;
    for (const name of applied) {
      const p = prepared.get(name)!;
      try {
        const protectedDbs = resourcesOf(p.json, 'aws_db_instance').filter((d) => d.body.deletion_protection === true);
        if (protectedDbs.length) {
          progress.update(`${name}: lifting deletion protection`);
          writeFileSync(join(p.dir, 'zz_teardown_override.tf.json'), `${JSON.stringify({ resource: { aws_db_instance: Object.fromEntries(protectedDbs.map((d) => [d.name, { deletion_protection: false, skip_final_snapshot: true, delete_automated_backups: true }])) } }, null, 2)}\n`);
          await apply(p.dir, tfCtx(teardownCtl.signal), `${name} teardown`, (t) => progress.update(`${name}: ${t}`));
        }
        const d = await destroy(p.dir, tfCtx(teardownCtl.signal), name, (t) => progress.update(`${name}: ${t}`));
        lines.push(`terraform destroy ${name}: ${d.destroyed} resources destroyed${protectedDbs.length ? ' (deletion protection lifted first)' : ''}`);
      } catch (e) {
        ok = false;
        lines.push(`terraform destroy ${name} FAILED: ${message(e)}; state kept in ${rel(p.dir)}/terraform.tfstate`);
      }
    }
    for (const [region, snap] of [[primary.region, marker], [dr.region, copy]] as const) {
      if (!snap?.DBSnapshotIdentifier) continue;
      const c = clients(region, endpoint);
      try {
        const deleted = await deleteSnapshot(c.rds, snap.DBSnapshotIdentifier);
        lines.push(`snapshot ${snap.DBSnapshotIdentifier} in ${region}: ${deleted ? 'deleted' : 'already gone'}`);
      } catch (e) {
        ok = false;
        lines.push(`snapshot ${snap.DBSnapshotIdentifier} in ${region}: NOT deleted (${message(e)})`);
      } finally {
        c.destroy();
      }
    }
    if (lines.length === 0) lines.push('nothing was applied');
    done(ok, lines.join('; '));
  }

  function notExercised(): NotExercised[] {
    const out: NotExercised[] = [];
    const seen = new Set<string>();
    for (const [env, p] of prepared) {
      for (const rm of p.filter?.removed ?? []) {
        const type = rm.address.split('.')[0]!;
        const u = MOTO_UNSUPPORTED[type];
        out.push({ what: rm.address, env, why: u ? `left out of the apply: ${u.reason}. Not exercised: ${u.consequence}` : `left out of the apply: ${rm.reason}` });
        if (u) seen.add(type);
      }
      if (!emulated) continue;
      for (const [type, why] of Object.entries(MOTO_INERT)) {
        for (const r of resourcesOf(p.json, type)) out.push({ what: r.address, env, why });
      }
    }
    const backupTypes = seen.has('aws_backup_selection');
    out.push({
      what: 'AWS Backup copy job (copy_action to the DR vault)',
      why: emulated
        ? `${backupTypes ? 'the emulator runs no backup job: ' : ''}the drill took the snapshot itself and copied it into ${dr.region} with CopyDBSnapshot after declaring the loss. In the cloud the copy job lands the copy before the loss, and a lost region could not be read; the RPO (snapshot creation time) is unaffected, the RTO includes the copy.`
        : `the drill takes its own snapshot and copies it into ${dr.region} (CopyDBSnapshot) instead of waiting for the next scheduled backup job and its copy.`,
    });
    if (!emulated && resourcesOf(prepared.get(primary.name)?.json ?? {}, 'aws_db_instance_automated_backups_replication').length) {
      out.push({ what: 'point-in-time restore from the replicated automated backups', why: `the drill restores from the snapshot copy; restoring ${dr.name} to a point in time from the backups replicated into ${dr.region} is not exercised` });
    }
    out.push({ what: 'cut-over', why: 'DNS, traffic and application smoke tests are outside the drill; the measured RTO stops when the infrastructure is verified' });
    return out;
  }
}
