/**
 * DR readiness, computed from configuration before anything is applied, in the shape of an AWS
 * Resilience Hub assessment: for every production environment and each dr environment that
 * recovers it, whether every stateful bundle reaches the dr region, the worst-case RPO and the
 * estimated RTO against their targets (met or breached, by how much, and what to change), the
 * keys copies are encrypted with, where the dr environment's state lives, what happens to queues,
 * and when the pair was last drilled.
 */
import { regionCatalog, strategyFacts, type Definition, type ResolvedEnvironment, type Strategy } from '@parity/model';
import type { DrillSummary } from './drills.js';
import { addBucketProtections, type BucketSink } from './buckets.js';
import { addQueueArchives, queueArchiveFindings, queueSummary } from './queues.js';
import { REPLICATED_BACKUPS_RPO_MINUTES, storeBreach, storeRpos, type StoreRpo } from './rpo.js';
import type { Finding } from './findings.js';
import { computeOf, findReplica, replicaFindings, replicaMechanism, standbyOf, type Mechanism, type Standby } from './standby.js';
import { blocks, cronIntervalMinutes, TfDoc, type TerraformJson } from './tf.js';

/** A replica found in the primary's own Terraform, whose lag alarm (if any) lives elsewhere: assumed. */
export const READ_REPLICA_RPO_MINUTES = 5;

/**
 * RTO model per strategy, in minutes. Backup & restore redeploys everything from IaC: the network
 * first, then the cluster and the database restore in parallel, then cut-over (DNS, smoke tests).
 * Pilot light scales up compute that is defined but off and promotes a replica; warm standby only
 * scales up. A drill replaces these estimates with measurements.
 */
export const RTO_MODEL = {
  'backup-restore': { network: 5, cluster: 25, restoreBase: 20, restorePer100Gb: 2, cutover: 15 },
  'pilot-light': { network: 0, cluster: 20, restoreBase: 10, restorePer100Gb: 0, cutover: 15 },
  'warm-standby': { network: 0, cluster: 10, restoreBase: 5, restorePer100Gb: 0, cutover: 10 },
} as const;

/** How one stateful bundle's data reaches the dr region (a `Mechanism` of standby.ts). */
export type Protection = Mechanism;

export interface Target {
  readonly targetMinutes: number;
  readonly minutes: number;
  readonly met: boolean;
  /** Positive: margin; negative: breached by. */
  readonly marginMinutes: number;
  readonly fix?: string;
}

export interface DrPair {
  readonly primary: string;
  readonly primaryRegion: string;
  readonly jurisdiction: string;
  /** The DR policy the pair runs under (that of the production environment). */
  readonly policy: {
    readonly name: string;
    readonly strategy: Strategy;
    readonly rpoMinutes: number;
    readonly rtoMinutes: number;
    /** Per store, a target of its own (`storeRpoMinutes`). */
    readonly storeRpoMinutes?: Readonly<Record<string, number>>;
    /** Budget for a cross-region backup copy to land. */
    readonly copyDelayMinutes: number;
    /** The database replica's lag budget, in seconds (replica strategies). */
    readonly replicaLagSeconds?: number;
    readonly standbyCapacityPercent?: number;
  };
  readonly strategy: Strategy;
  /** The strategy the Terraform of both environments actually implements. */
  readonly implemented?: Strategy;
  /** Per stateful bundle, how its data reaches the DR region (read from both environments' Terraform). */
  readonly mechanisms?: readonly Mechanism[];
  /** What runs in the DR region in peacetime: the standing cost of the policy. */
  readonly standby?: Standby;
  /** The failover step the dr manifest records, if one is under way. */
  readonly failover?: string;
  /** The failback step the production manifest records, if one is under way. */
  readonly failback?: string;
  /**
   * Failing back, step reprotect: the roles are reversed, and mechanisms, coverage, RPO and RTO are
   * those of the dr environment's data reaching the production region (the pair keeps its names).
   */
  readonly reversed?: boolean;
  readonly dr?: { readonly name: string; readonly region: string; readonly stateRegion: string };
  /** Without `dr`: the dr environments whose manifests recover it but that were not checked (or did not resolve). */
  readonly uncheckedDr?: readonly string[];
  readonly coverage: ReadonlyArray<{ readonly bundle: string; readonly protections: readonly Protection[]; readonly covered: boolean }>;
  /** The worst store against the overall target; `stores`: each store against its own. */
  readonly rpo?: Target & { readonly drivers: readonly Protection[]; readonly stores: readonly StoreRpo[] };
  readonly rto?: Target & { readonly breakdown: Readonly<Record<string, number>> };
  readonly keys: ReadonlyArray<{ readonly address: string; readonly region: string; readonly keyRegion?: string; readonly ok: boolean }>;
  readonly stateOk?: boolean;
  readonly queues?: string;
  readonly lastDrill?: DrillSummary;
}

export interface DrReport {
  readonly pairs: readonly DrPair[];
  readonly findings: readonly Finding[];
}

/** How each stateful bundle of `primary` reaches `drRegion`, read from its Terraform JSON. */
export function protections(
  primary: ResolvedEnvironment,
  json: TerraformJson,
  drRegion: string,
  copyDelayMinutes: number,
): { protections: Protection[]; findings: Finding[]; keys: DrPair['keys'] } {
  const scan = protectionScan(primary, json, drRegion, copyDelayMinutes);
  if (primary.cloud === 'aws') {
    awsBackupPlans(scan);
    awsDatabaseCopies(scan);
  } else {
    cloudSqlProtections(scan);
    cloudSqlScheduledBackups(scan);
    gkeBackupPlans(scan);
  }
  addBucketProtections(scan);
  addQueueArchives(scan);
  return { protections: scan.out, findings: scan.findings, keys: scan.keys };
}

/** One primary's Terraform being read for protections toward `drRegion`, and what was found so far. */
interface ProtectionScan extends BucketSink {
  /** The interval of a backup schedule in minutes; a warning when it cannot be read. */
  interval(address: string, expr: unknown): number | undefined;
  /** Record the key a copy in `region` is encrypted with; an error when it is of another region. */
  checkKey(address: string, region: string, keyRef: unknown): void;
}

function protectionScan(primary: ResolvedEnvironment, json: TerraformJson, drRegion: string, copyDelayMinutes: number): ProtectionScan {
  const doc = new TfDoc(json, primary.cloud, primary.region);
  const findings: Finding[] = [];
  const keys: Array<{ address: string; region: string; keyRegion?: string; ok: boolean }> = [];
  const file = `environments/${primary.name}/cdktf.out/stacks/${primary.name}/cdk.tf.json`;
  const interval = (address: string, expr: unknown): number | undefined => {
    const m = typeof expr === 'string' ? cronIntervalMinutes(expr) : undefined;
    if (m === undefined)
      findings.push({
        check: 'dr',
        kind: 'schedule-unknown',
        severity: 'warning',
        env: primary.name,
        file,
        path: address,
        value: expr,
        message: `cannot read the interval of schedule ${String(expr)}`,
        fix: 'use a cron expression with a fixed minute and an hour step, or rate(N hours)',
      });
    return m;
  };
  const checkKey = (address: string, region: string, keyRef: unknown) => {
    const key = doc.deref(keyRef);
    const keyRegion = key ? doc.providerRegion(key) : doc.regionOf(keyRef);
    keys.push({ address, region, keyRegion, ok: keyRegion === region });
    if (keyRegion !== region) {
      findings.push({
        check: 'dr',
        kind: 'key-region',
        severity: 'error',
        env: primary.name,
        file,
        path: address,
        value: keyRegion ?? String(keyRef),
        message: `${address} in ${region} is encrypted with a key ${keyRegion ? `in ${keyRegion}` : 'whose region cannot be read'}; a copy must use a key in its own region, or it cannot be restored when the source region is lost`,
        fix: `create the key with the provider for ${region}`,
      });
    }
  };
  return { doc, primary, drRegion, copyDelayMinutes, file, out: [], findings, keys, interval, checkKey };
}

/** AWS Backup plans whose rules copy to a vault in the DR region: the database, and volumes tagged for backup. */
function awsBackupPlans(scan: ProtectionScan): void {
  const { doc, primary, drRegion, copyDelayMinutes, out, interval, checkKey } = scan;
  const dbs = doc.resources('aws_db_instance').filter((r) => !r.body.replicate_source_db && doc.providerRegion(r) === primary.region);
  const vaultsInDr = doc.resources('aws_backup_vault').filter((v) => doc.providerRegion(v) === drRegion);
  for (const v of vaultsInDr) checkKey(v.address, drRegion, v.body.kms_key_arn);
  const selections = doc.resources('aws_backup_selection');
  for (const plan of doc.resources('aws_backup_plan')) {
    const planSelections = selections.filter((s) => doc.deref(s.body.plan_id)?.address === plan.address);
    const coversDb = planSelections.some((s) => doc.references(s.body.resources, 'aws_db_instance'));
    const coversTagged = planSelections.some((s) => blocks(s.body.selection_tag).length > 0);
    for (const rule of blocks(plan.body.rule)) {
      const toDr = blocks(rule.copy_action).some((c) => doc.regionOf(c.destination_vault_arn) === drRegion);
      if (!toDr) continue;
      const every = interval(`${plan.address}.rule.schedule`, rule.schedule);
      if (every === undefined) continue;
      const mech = `AWS Backup every ${every} min, copied to ${drRegion} (≤ ${copyDelayMinutes} min)`;
      if (coversDb && dbs.length > 0)
        out.push({ bundle: 'database', mechanism: mech, rpoMinutes: every + copyDelayMinutes, kind: 'backups', recovery: 'restore' });
      if (coversTagged)
        out.push({
          bundle: 'cluster',
          mechanism: `${mech}, volumes tagged parity:backup`,
          rpoMinutes: every + copyDelayMinutes,
          kind: 'backups',
          recovery: 'restore',
        });
    }
  }
}

/** RDS automated backups replicated to the DR region, and read replicas there. */
function awsDatabaseCopies(scan: ProtectionScan): void {
  const { doc, drRegion, out, checkKey } = scan;
  for (const r of doc.resources('aws_db_instance_automated_backups_replication')) {
    if (doc.providerRegion(r) !== drRegion) continue;
    checkKey(r.address, drRegion, r.body.kms_key_id);
    out.push({
      bundle: 'database',
      mechanism: `automated backups and transaction logs replicated to ${drRegion} (logs uploaded every 5 min, copied as soon as ready)`,
      rpoMinutes: REPLICATED_BACKUPS_RPO_MINUTES,
      kind: 'replicated-backups',
      recovery: 'restore',
    });
  }
  for (const r of doc.resources('aws_db_instance').filter((x) => x.body.replicate_source_db && doc.providerRegion(x) === drRegion)) {
    checkKey(r.address, drRegion, r.body.kms_key_id);
    out.push({
      bundle: 'database',
      mechanism: `read replica in ${drRegion}`,
      rpoMinutes: READ_REPLICA_RPO_MINUTES,
      kind: 'replica',
      recovery: 'promotion',
    });
  }
}

/** Cloud SQL replicas in the DR region, and automated backups stored there. */
function cloudSqlProtections(scan: ProtectionScan): void {
  const { doc, drRegion, out } = scan;
  for (const r of doc.resources('google_sql_database_instance')) {
    if (r.body.master_instance_name) {
      if (r.body.region === drRegion)
        out.push({
          bundle: 'database',
          mechanism: `Cloud SQL replica in ${drRegion}`,
          rpoMinutes: READ_REPLICA_RPO_MINUTES,
          kind: 'replica',
          recovery: 'promotion',
        });
      continue;
    }
    const backup = blocks(r.body.settings).flatMap((s) => blocks(s.backup_configuration));
    if (backup.some((b) => b.enabled !== false && b.location === drRegion)) {
      out.push({
        bundle: 'database',
        mechanism: `Cloud SQL daily automated backups stored in ${drRegion}`,
        rpoMinutes: 1440,
        kind: 'backups',
        recovery: 'restore',
      });
    }
  }
}

/** Cloud Scheduler jobs that call the Cloud SQL Admin API's backupRuns with a location in the DR region. */
function cloudSqlScheduledBackups(scan: ProtectionScan): void {
  const { doc, drRegion, copyDelayMinutes, out, interval } = scan;
  for (const j of doc.resources('google_cloud_scheduler_job')) {
    const t = blocks(j.body.http_target)[0];
    if (
      !t ||
      typeof t.uri !== 'string' ||
      !t.uri.includes('sqladmin.googleapis.com') ||
      !t.uri.endsWith('/backupRuns') ||
      typeof t.body !== 'string'
    )
      continue;
    let location: unknown;
    try {
      location = (JSON.parse(Buffer.from(t.body, 'base64').toString('utf8')) as { location?: unknown }).location;
    } catch {
      location = undefined;
    }
    if (location !== drRegion) continue;
    const every = interval(`${j.address}.schedule`, j.body.schedule);
    if (every !== undefined)
      out.push({
        bundle: 'database',
        mechanism: `on-demand Cloud SQL backup every ${every} min, stored in ${drRegion}`,
        rpoMinutes: every + copyDelayMinutes,
        kind: 'backups',
        recovery: 'restore',
      });
  }
}

/** Backup for GKE plans located in the DR region. */
function gkeBackupPlans(scan: ProtectionScan): void {
  const { doc, drRegion, copyDelayMinutes, out, interval } = scan;
  for (const p of doc.resources('google_gke_backup_backup_plan')) {
    if (p.body.location !== drRegion) continue;
    const sched = blocks(p.body.backup_schedule)[0];
    const volumes = blocks(p.body.backup_config).some((c) => c.include_volume_data === true);
    const every = interval(`${p.address}.backup_schedule.cron_schedule`, sched?.cron_schedule);
    if (every !== undefined)
      out.push({
        bundle: 'cluster',
        mechanism: `Backup for GKE every ${every} min${volumes ? ' with volume data' : ' (no volume data)'}, stored in ${drRegion}`,
        rpoMinutes: every + copyDelayMinutes,
        kind: 'backups',
        recovery: 'restore',
      });
  }
}

function estimateRto(strategy: Strategy, primary: ResolvedEnvironment): { minutes: number; breakdown: Record<string, number> } {
  const m = RTO_MODEL[strategy];
  const storage = Number(primary.bundles.find((b) => b.name === 'database')?.params.storageGb ?? 0);
  const restore = m.restoreBase + Math.ceil((storage / 100) * m.restorePer100Gb);
  const breakdown = {
    network: m.network,
    'cluster (parallel)': m.cluster,
    [strategyFacts(strategy).replica ? 'database promotion (parallel)' : 'database restore (parallel)']: restore,
    cutover: m.cutover,
  };
  return { minutes: m.network + Math.max(m.cluster, restore) + m.cutover, breakdown };
}

/** Inputs of one pair's assessment. */
interface PairInput {
  readonly p: ResolvedEnvironment;
  readonly d: ResolvedEnvironment;
  readonly pJson: TerraformJson;
  readonly dJson?: TerraformJson;
  readonly definitionFile: string;
}

/** Every way each stateful bundle's data reaches the DR region, from both environments' Terraform. */
function pairMechanisms({ p, d, pJson, dJson }: PairInput): {
  mechanisms: Mechanism[];
  findings: Finding[];
  keys: DrPair['keys'];
  replica?: string;
} {
  const pr = protections(p, pJson, d.region, p.dr.copyDelayMinutes);
  const mechanisms: Mechanism[] = [...pr.protections];
  const findings = [...pr.findings];
  const replica = dJson ? findReplica(p, d, dJson) : undefined;
  if (replica && dJson) {
    mechanisms.push(replicaMechanism(p, d, replica, dJson));
    findings.push(...replicaFindings(p, pJson, d, dJson, replica));
  }
  return { mechanisms, findings, keys: pr.keys, ...(replica ? { replica: replica.address } : {}) };
}

/** The strategy the Terraform implements: a replica, and compute running or not. */
function implementedStrategy(input: PairInput, replica: string | undefined): Strategy {
  if (!replica || !input.dJson) return 'backup-restore';
  return computeOf(input.d, input.dJson).some((c) => (c.count ?? 0) > 0) ? 'warm-standby' : 'pilot-light';
}

/** The policy's strategy must be in the Terraform: the replica, and compute at the policy's share. */
function strategyFindings(input: PairInput, replica: string | undefined): Finding[] {
  const { p, d, pJson, dJson } = input;
  // mid-failover, and failing back past re-protection, neither side is what the strategy keeps in peacetime
  if (!dJson || d.dr.failover || (d.dr.failback && d.dr.failback.step !== 'reprotect') || !strategyFacts(p.dr.strategy).replica) return [];
  const out: Finding[] = [];
  const file = `environments/${d.name}/cdktf.out/stacks/${d.name}/cdk.tf.json`;
  const db = d.bundles.find((b) => b.name === 'database');
  if (!replica) {
    const arn =
      p.cloud === 'aws'
        ? `replicate_source_db = arn:<partition>:rds:${p.region}:<account>:db:<${p.name}'s instance>`
        : `master_instance_name = ${p.gcpProject}:<${p.name}'s instance>`;
    const overridden = db?.sources['mode'] === 'override';
    out.push({
      check: 'dr',
      kind: 'dr-mechanism-missing',
      severity: 'error',
      env: d.name,
      file: overridden ? d.file : file,
      path: overridden ? 'overrides.database.mode' : p.cloud === 'aws' ? 'aws_db_instance' : 'google_sql_database_instance',
      value: db?.params['mode'],
      allowed: 'replica',
      message: `policy ${p.dr.policy} (${p.dr.strategy}) needs a read replica of ${p.name}'s database in ${d.region}, but the Terraform of ${d.name} has none: missing ${p.cloud === 'aws' ? 'aws_db_instance' : 'google_sql_database_instance'} with ${arn} (database.mode is ${String(db?.params['mode'])}${db ? `, from ${db.sources['mode']}` : ''})`,
      fix: overridden
        ? `remove overrides.database.mode from ${d.file}: the strategy sets it`
        : `synthesize ${d.name} again (pnpm synth ${d.name}); the strategy sets database.mode: replica`,
    });
  }
  const primaryNodes = computeOf(p, pJson);
  const standby = computeOf(d, dJson);
  const pct = p.dr.strategy === 'pilot-light' ? 0 : (p.dr.standbyCapacityPercent ?? 100);
  for (const [i, node] of standby.entries()) {
    const full = primaryNodes[i]?.count ?? 0;
    const expected = pct === 0 ? 0 : Math.max(1, Math.ceil((full * pct) / 100));
    if (node.count !== expected) {
      out.push({
        check: 'dr',
        kind: 'standby-capacity',
        severity: 'error',
        env: d.name,
        file,
        path: node.resource,
        value: node.count,
        allowed: String(expected),
        message: `${node.resource} runs ${node.count} node(s) in peacetime; policy ${p.dr.policy} (${p.dr.strategy}${pct ? `, ${pct}% of ${p.name}'s ${full}` : ''}) means ${expected}`,
        fix: `remove overrides of cluster node counts from ${d.file}, or change the policy's standbyCapacityPercent`,
      });
    }
  }
  return out;
}

/** RPO: each store through the mechanism recovery uses, against its own target; the pair's is the worst. */
function rpoOf(input: PairInput, coverage: DrPair['coverage'], implemented: Strategy): { rpo?: DrPair['rpo']; findings: Finding[] } {
  const { p, d, definitionFile } = input;
  const rin = { p, d, definitionFile, implemented };
  const stores = storeRpos(rin, coverage, strategyFacts(implemented).replica);
  if (stores.length === 0) return { findings: [] };
  const worst = stores.reduce((a, x) => (x.rpoMinutes > a.rpoMinutes ? x : a));
  const tightest = stores.reduce((a, x) => (x.marginMinutes < a.marginMinutes ? x : a));
  const breached = stores.filter((x) => !x.met);
  const drivers = stores.map((x) => coverage.find((c) => c.bundle === x.bundle)!.protections.find((m) => m.mechanism === x.mechanism)!);
  const rpo = {
    targetMinutes: p.dr.rpoMinutes,
    minutes: worst.rpoMinutes,
    met: breached.length === 0,
    marginMinutes: tightest.marginMinutes,
    drivers,
    stores,
    ...(breached[0]?.fix ? { fix: breached[0].fix } : {}),
  };
  // failed over (until the failback removes the section), the primary's data does not flow to the DR region: the
  // replica the RPO was measured on is promoted, so a breach says what peacetime will need, and blocks nothing
  const failedOver = d.dr.failover
    ? ` (${d.name} is failed over, failover.step ${d.dr.failover.step}: judged again once the roles are restored)`
    : '';
  const findings = breached
    .map((x) => storeBreach(rin, x))
    .map((f) => (failedOver ? { ...f, severity: 'warning' as const, message: `${f.message}${failedOver}` } : f));
  return { rpo, findings };
}

/** RTO: estimated from the strategy the Terraform implements, not the label. */
function rtoOf(input: PairInput, implemented: Strategy): { rto: NonNullable<DrPair['rto']>; finding?: Finding } {
  const { p, d, definitionFile } = input;
  const est = estimateRto(implemented, p);
  const margin = p.dr.rtoMinutes - est.minutes;
  const fix =
    margin >= 0
      ? undefined
      : `a policy with a faster strategy (${strategyFacts(implemented).faster}) for ${p.name}, or raise dr.policies.${p.dr.policy}.rtoMinutes to ${est.minutes}`;
  const rto = {
    targetMinutes: p.dr.rtoMinutes,
    minutes: est.minutes,
    met: margin >= 0,
    marginMinutes: margin,
    breakdown: est.breakdown,
    ...(fix ? { fix } : {}),
  };
  if (margin >= 0) return { rto };
  return {
    rto,
    finding: {
      check: 'dr',
      kind: 'rto-breached',
      severity: 'error',
      env: p.name,
      file: definitionFile,
      path: `dr.policies.${p.dr.policy}.rtoMinutes`,
      value: p.dr.rtoMinutes,
      message: `estimated RTO of ${p.name} into ${d.region} with ${implemented}${implemented !== p.dr.strategy ? ` (what the Terraform implements; policy ${p.dr.policy} says ${p.dr.strategy})` : ` (policy ${p.dr.policy})`} is ${est.minutes} min, breaching the ${p.dr.rtoMinutes} min target by ${-margin} min`,
      fix: fix!,
    },
  };
}

/** One production environment and one dr environment that recovers it. */
function assessPair(input: PairInput): { pair: DrPair; findings: Finding[] } {
  const { p, d } = input;
  const m = pairMechanisms(input);
  const findings = [...m.findings, ...strategyFindings(input, m.replica)];
  const coverage = p.bundles
    .filter((b) => b.stateful)
    .map((b) => {
      const ps = m.mechanisms.filter((x) => x.bundle === b.name);
      return { bundle: b.name, protections: ps, covered: ps.length > 0 };
    });
  for (const c of coverage.filter((x) => !x.covered)) {
    findings.push({
      check: 'dr',
      kind: 'dr-not-covered',
      severity: 'error',
      env: p.name,
      file: p.file,
      path: `bundles.${c.bundle}`,
      message: `${c.bundle} in ${p.name} holds data, but nothing backs it up or replicates it to ${d.region}, where ${d.name} would restore it`,
      fix:
        c.bundle === 'cluster'
          ? 'set backup.includeClusterVolumes: true in the definition, or cluster.volumes: none if workloads keep no data on volumes'
          : c.bundle === 'queue'
            ? `synthesize ${p.name} again: queue.replay: archive creates each queue's archive in ${d.region}`
            : `connect ${c.bundle} to the backup bundle (and make sure ${d.name} is the dr environment of ${p.name})`,
    });
  }
  const implemented = implementedStrategy(input, m.replica);
  const rpo = rpoOf(input, coverage, implemented);
  const rto = rtoOf(input, implemented);
  const archives = m.mechanisms.filter((x) => x.kind === 'archive');
  findings.push(...rpo.findings, ...(rto.finding ? [rto.finding] : []), ...queueArchiveFindings(p, d, archives, input.definitionFile));
  const queues = queueSummary(p, d, archives, strategyFacts(implemented).replica);
  const pair: DrPair = {
    ...pairBase(p),
    dr: { name: d.name, region: d.region, stateRegion: d.state.region },
    implemented,
    mechanisms: m.mechanisms,
    standby: standbyOf(p, input.pJson, d, input.dJson),
    ...(d.dr.failover ? { failover: d.dr.failover.step } : {}),
    ...(p.dr.failover ? { failover: p.dr.failover.step } : {}),
    coverage,
    ...(rpo.rpo ? { rpo: rpo.rpo } : {}),
    rto: rto.rto,
    keys: m.keys,
    stateOk: d.state.region !== p.region,
    ...(queues ? { queues } : {}),
  };
  return { pair, findings };
}

/**
 * Failing back, step reprotect: the dr environment runs as the primary and the production
 * environment is its DR, so the pair is assessed the other way round (the dr environment's data
 * reaching the production region: the replica there, the keys, residency) and keeps its names.
 * What only the replica reverses: other stateful bundles written to since the failover are not
 * copied back by anything Parity generates, which is a warning to act on, not a reason to stop.
 */
function assessReversed(input: PairInput & { dJson: TerraformJson }): { pair: DrPair; findings: Finding[] } {
  const { p, d, pJson, dJson, definitionFile } = input;
  const r = assessPair({ p: d, d: p, pJson: dJson, dJson: pJson, definitionFile });
  const findings = r.findings.map((f): Finding => {
    if (f.kind !== 'dr-not-covered' || f.path === 'bundles.database') return f;
    return {
      ...f,
      severity: 'warning',
      message: `failing back: ${f.message}; what ${d.name} wrote to it since the failover stays in ${d.region} unless you copy it back before the switchover`,
    };
  });
  const pair: DrPair = {
    ...r.pair,
    ...pairBase(p),
    dr: { name: d.name, region: d.region, stateRegion: d.state.region },
    reversed: true,
    stateOk: p.state.region !== d.region,
  };
  return { pair, findings };
}

function pairBase(p: ResolvedEnvironment): Pick<DrPair, 'primary' | 'primaryRegion' | 'jurisdiction' | 'policy' | 'strategy'> {
  const { policy, strategy, rpoMinutes, rtoMinutes, copyDelayMinutes, standbyCapacityPercent, storeRpoMinutes, replicaLagSeconds } = p.dr;
  return {
    primary: p.name,
    primaryRegion: p.region,
    jurisdiction: p.jurisdiction,
    policy: {
      name: policy,
      strategy,
      rpoMinutes,
      ...(Object.keys(storeRpoMinutes).length ? { storeRpoMinutes } : {}),
      rtoMinutes,
      copyDelayMinutes,
      ...(strategyFacts(strategy).replica ? { replicaLagSeconds } : {}),
      ...(standbyCapacityPercent !== undefined ? { standbyCapacityPercent } : {}),
    },
    strategy,
  };
}

/**
 * Every DR pair of the fleet. Drill reports come from the caller (`drills`): the checks read
 * nothing from disk.
 */
export function drReport(
  definition: Definition,
  envs: readonly ResolvedEnvironment[],
  jsonOf: (env: string) => TerraformJson | undefined,
  definitionFile = 'environments/platform.yaml',
  drills: (env: string) => DrillSummary | undefined = () => undefined,
): DrReport {
  const findings: Finding[] = [];
  const pairs: DrPair[] = [];
  const cat = regionCatalog();
  for (const p of envs.filter((e) => e.role === 'production')) {
    const drEnvs = envs.filter((e) => e.role === 'dr' && e.recovers?.name === p.name);
    if (drEnvs.length === 0) {
      pairs.push({ ...pairBase(p), coverage: [], keys: [] });
      if (definition.dr.required) {
        const near = cat.nearest(p.cloud, p.region, cat.inJurisdiction(p.cloud, p.jurisdiction))[0];
        findings.push({
          check: 'dr',
          kind: 'dr-missing',
          severity: 'error',
          env: p.name,
          file: p.file,
          path: '',
          message: `${p.name} is production and the definition requires DR (dr.required), but no dr environment recovers it`,
          fix: near
            ? `pnpm gen env dr-${p.cloud === 'gcp' ? 'gcp-' : ''}${near.short} --recovers ${p.name}`
            : `add a dr environment in ${p.jurisdiction} with --recovers ${p.name}`,
        });
      }
      continue;
    }
    const pJson = jsonOf(p.name);
    for (const d of drEnvs) {
      const lastDrill = drills(d.name);
      if (!pJson) {
        pairs.push({
          ...pairBase(p),
          dr: { name: d.name, region: d.region, stateRegion: d.state.region },
          coverage: [],
          keys: [],
          stateOk: d.state.region !== p.region,
          ...(lastDrill ? { lastDrill } : {}),
        });
        continue;
      }
      const dJson = jsonOf(d.name);
      const r =
        p.dr.failback?.step === 'reprotect' && dJson
          ? assessReversed({ p, d, pJson, dJson, definitionFile })
          : assessPair({ p, d, pJson, ...(dJson ? { dJson } : {}), definitionFile });
      const failback = p.dr.failback ? { failback: p.dr.failback.step } : {};
      pairs.push({ ...r.pair, ...failback, ...(lastDrill ? { lastDrill } : {}) });
      findings.push(...r.findings);
    }
  }
  return { pairs, findings };
}
