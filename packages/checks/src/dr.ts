/**
 * DR readiness, computed from configuration before anything is applied, in the shape of an AWS
 * Resilience Hub assessment: for every production environment and each dr environment that
 * recovers it, whether every stateful bundle reaches the dr region, the worst-case RPO and the
 * estimated RTO against their targets (met or breached, by how much, and what to change), the
 * keys copies are encrypted with, where the dr environment's state lives, what happens to queues,
 * and when the pair was last drilled.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { regionCatalog, type Definition, type ResolvedEnvironment, type Strategy } from '@parity/model';
import type { Finding } from './findings.js';
import { blocks, cronIntervalMinutes, TfDoc, type TerraformJson } from './tf.js';

/**
 * Replication lag assumed for continuously shipped data: RDS uploads transaction logs every five
 * minutes and replicates them asynchronously; a read replica lags seconds to minutes.
 */
export const REPLICATED_BACKUPS_RPO_MINUTES = 15;
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

export interface Protection {
  readonly bundle: string;
  /** How the data reaches the dr region. */
  readonly mechanism: string;
  /** Worst-case data loss, in minutes, through this mechanism. */
  readonly rpoMinutes: number;
}

export interface Target {
  readonly targetMinutes: number;
  readonly minutes: number;
  readonly met: boolean;
  /** Positive: margin; negative: breached by. */
  readonly marginMinutes: number;
  readonly fix?: string;
}

export interface DrillSummary {
  readonly file: string;
  readonly at: string;
  readonly status: string;
  readonly rtoMinutes?: number;
  readonly rpoMinutes?: number;
}

export interface DrPair {
  readonly primary: string;
  readonly primaryRegion: string;
  readonly jurisdiction: string;
  /** The DR policy the pair runs under (that of the production environment). */
  readonly policy: string;
  readonly strategy: string;
  readonly dr?: { readonly name: string; readonly region: string; readonly stateRegion: string };
  readonly coverage: ReadonlyArray<{ readonly bundle: string; readonly protections: readonly Protection[]; readonly covered: boolean }>;
  readonly rpo?: Target & { readonly drivers: readonly Protection[] };
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

/** The newest drill report of a dr environment (`environments/<dr>/drills/*.json`). */
export function lastDrill(root: string, env: string): DrillSummary | undefined {
  const dir = join(root, 'environments', env, 'drills');
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const last = files[files.length - 1];
  if (!last) return undefined;
  try {
    const r = JSON.parse(readFileSync(join(dir, last), 'utf8')) as { startedAt?: string; status?: string; rto?: { measuredMinutes?: number }; rpo?: { measuredMinutes?: number } };
    return { file: `environments/${env}/drills/${last}`, at: r.startedAt ?? last.replace(/\.json$/, ''), status: r.status ?? 'unknown', rtoMinutes: r.rto?.measuredMinutes, rpoMinutes: r.rpo?.measuredMinutes };
  } catch {
    return { file: `environments/${env}/drills/${last}`, at: last.replace(/\.json$/, ''), status: 'unreadable' };
  }
}

/** How each stateful bundle of `primary` reaches `drRegion`, read from its Terraform JSON. */
export function protections(primary: ResolvedEnvironment, json: TerraformJson, drRegion: string, copyDelayMinutes: number): { protections: Protection[]; findings: Finding[]; keys: DrPair['keys'] } {
  const doc = new TfDoc(json, primary.cloud, primary.region);
  const out: Protection[] = [];
  const findings: Finding[] = [];
  const keys: Array<{ address: string; region: string; keyRegion?: string; ok: boolean }> = [];
  const file = `environments/${primary.name}/cdktf.out/stacks/${primary.name}/cdk.tf.json`;
  const interval = (address: string, expr: unknown): number | undefined => {
    const m = typeof expr === 'string' ? cronIntervalMinutes(expr) : undefined;
    if (m === undefined) findings.push({ check: 'dr', kind: 'schedule-unknown', severity: 'warning', env: primary.name, file, path: address, value: expr, message: `cannot read the interval of schedule ${String(expr)}`, fix: 'use a cron expression with a fixed minute and an hour step, or rate(N hours)' });
    return m;
  };
  const checkKey = (address: string, region: string, keyRef: unknown) => {
    const key = doc.deref(keyRef);
    const keyRegion = key ? doc.providerRegion(key) : doc.regionOf(keyRef);
    keys.push({ address, region, keyRegion, ok: keyRegion === region });
    if (keyRegion !== region) {
      findings.push({ check: 'dr', kind: 'key-region', severity: 'error', env: primary.name, file, path: address, value: keyRegion ?? String(keyRef), message: `${address} in ${region} is encrypted with a key ${keyRegion ? `in ${keyRegion}` : 'whose region cannot be read'}; a copy must use a key in its own region, or it cannot be restored when the source region is lost`, fix: `create the key with the provider for ${region}` });
    }
  };

  if (primary.cloud === 'aws') {
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
        if (coversDb && dbs.length > 0) out.push({ bundle: 'database', mechanism: mech, rpoMinutes: every + copyDelayMinutes });
        if (coversTagged) out.push({ bundle: 'cluster', mechanism: `${mech}, volumes tagged parity:backup`, rpoMinutes: every + copyDelayMinutes });
      }
    }
    for (const r of doc.resources('aws_db_instance_automated_backups_replication')) {
      if (doc.providerRegion(r) !== drRegion) continue;
      checkKey(r.address, drRegion, r.body.kms_key_id);
      out.push({ bundle: 'database', mechanism: `automated backups and transaction logs replicated to ${drRegion}`, rpoMinutes: REPLICATED_BACKUPS_RPO_MINUTES });
    }
    for (const r of doc.resources('aws_db_instance').filter((x) => x.body.replicate_source_db && doc.providerRegion(x) === drRegion)) {
      checkKey(r.address, drRegion, r.body.kms_key_id);
      out.push({ bundle: 'database', mechanism: `read replica in ${drRegion}`, rpoMinutes: READ_REPLICA_RPO_MINUTES });
    }
  } else {
    for (const r of doc.resources('google_sql_database_instance')) {
      if (r.body.master_instance_name) {
        if (r.body.region === drRegion) out.push({ bundle: 'database', mechanism: `Cloud SQL replica in ${drRegion}`, rpoMinutes: READ_REPLICA_RPO_MINUTES });
        continue;
      }
      const backup = blocks(r.body.settings).flatMap((s) => blocks(s.backup_configuration));
      if (backup.some((b) => b.enabled !== false && b.location === drRegion)) {
        out.push({ bundle: 'database', mechanism: `Cloud SQL daily automated backups stored in ${drRegion}`, rpoMinutes: 1440 });
      }
    }
    for (const j of doc.resources('google_cloud_scheduler_job')) {
      const t = blocks(j.body.http_target)[0];
      if (!t || typeof t.uri !== 'string' || !t.uri.includes('sqladmin.googleapis.com') || !t.uri.endsWith('/backupRuns') || typeof t.body !== 'string') continue;
      let location: unknown;
      try {
        location = (JSON.parse(Buffer.from(t.body, 'base64').toString('utf8')) as { location?: unknown }).location;
      } catch {
        location = undefined;
      }
      if (location !== drRegion) continue;
      const every = interval(`${j.address}.schedule`, j.body.schedule);
      if (every !== undefined) out.push({ bundle: 'database', mechanism: `on-demand Cloud SQL backup every ${every} min, stored in ${drRegion}`, rpoMinutes: every + copyDelayMinutes });
    }
    for (const p of doc.resources('google_gke_backup_backup_plan')) {
      if (p.body.location !== drRegion) continue;
      const sched = blocks(p.body.backup_schedule)[0];
      const volumes = blocks(p.body.backup_config).some((c) => c.include_volume_data === true);
      const every = interval(`${p.address}.backup_schedule.cron_schedule`, sched?.cron_schedule);
      if (every !== undefined) out.push({ bundle: 'cluster', mechanism: `Backup for GKE every ${every} min${volumes ? ' with volume data' : ' (no volume data)'}, stored in ${drRegion}`, rpoMinutes: every + copyDelayMinutes });
    }
  }
  return { protections: out, findings, keys };
}

function estimateRto(strategy: Strategy, primary: ResolvedEnvironment): { minutes: number; breakdown: Record<string, number> } {
  const m = RTO_MODEL[strategy];
  const storage = Number(primary.bundles.find((b) => b.name === 'database')?.params.storageGb ?? 0);
  const restore = m.restoreBase + Math.ceil((storage / 100) * m.restorePer100Gb);
  const breakdown = { network: m.network, 'cluster (parallel)': m.cluster, 'database restore (parallel)': restore, cutover: m.cutover };
  return { minutes: m.network + Math.max(m.cluster, restore) + m.cutover, breakdown };
}

export function drReport(
  root: string,
  definition: Definition,
  envs: readonly ResolvedEnvironment[],
  jsonOf: (env: string) => TerraformJson | undefined,
  definitionFile = 'environments/platform.yaml',
): DrReport {
  const findings: Finding[] = [];
  const pairs: DrPair[] = [];
  const cat = regionCatalog();
  for (const p of envs.filter((e) => e.role === 'production')) {
    const drEnvs = envs.filter((e) => e.role === 'dr' && e.recovers?.name === p.name);
    const base = { primary: p.name, primaryRegion: p.region, jurisdiction: p.jurisdiction, policy: p.dr.policy, strategy: p.dr.strategy };
    if (drEnvs.length === 0) {
      pairs.push({ ...base, coverage: [], keys: [] });
      if (definition.dr.required) {
        const specs = p.bundles.length;
        const near = cat.nearest(p.cloud, p.region, cat.inJurisdiction(p.cloud, p.jurisdiction))[0];
        findings.push({ check: 'dr', kind: 'dr-missing', severity: 'error', env: p.name, file: p.file, path: '', message: `${p.name} is production and the definition requires DR (dr.required), but no dr environment recovers it${specs ? '' : ''}`, fix: near ? `pnpm gen env dr-${p.cloud === 'gcp' ? 'gcp-' : ''}${near.short} --recovers ${p.name}` : `add a dr environment in ${p.jurisdiction} with --recovers ${p.name}` });
      }
      continue;
    }
    const json = jsonOf(p.name);
    for (const d of drEnvs) {
      const stateOk = d.state.region !== p.region;
      if (!json) {
        pairs.push({ ...base, dr: { name: d.name, region: d.region, stateRegion: d.state.region }, coverage: [], keys: [], stateOk });
        continue;
      }
      const pr = protections(p, json, d.region, p.dr.copyDelayMinutes);
      findings.push(...pr.findings);
      const stateful = p.bundles.filter((b) => b.stateful).map((b) => b.name);
      const coverage = stateful.map((b) => {
        const ps = pr.protections.filter((x) => x.bundle === b);
        return { bundle: b, protections: ps, covered: ps.length > 0 };
      });
      for (const c of coverage.filter((x) => !x.covered)) {
        findings.push({ check: 'dr', kind: 'dr-not-covered', severity: 'error', env: p.name, file: p.file, path: `bundles.${c.bundle}`, message: `${c.bundle} in ${p.name} holds data, but nothing backs it up or replicates it to ${d.region}, where ${d.name} would restore it`, fix: c.bundle === 'cluster' ? 'set backup.includeClusterVolumes: true in the definition' : `connect ${c.bundle} to the backup bundle (and make sure ${d.name} is the dr environment of ${p.name})` });
      }
      // worst case: the slowest stateful bundle, each through its best protection
      const best = coverage.filter((c) => c.covered).map((c) => c.protections.reduce((a, x) => (x.rpoMinutes < a.rpoMinutes ? x : a)));
      const worst = best.reduce<Protection | undefined>((a, x) => (!a || x.rpoMinutes > a.rpoMinutes ? x : a), undefined);
      let rpo: DrPair['rpo'];
      if (worst) {
        const target = p.dr.rpoMinutes;
        const pol = `dr.policies.${p.dr.policy}`;
        const margin = target - worst.rpoMinutes;
        const replicable = p.cloud === 'aws' && cat.supportsRdsBackupReplication(p.region, d.region);
        const fix =
          margin >= 0
            ? undefined
            : worst.bundle === 'database' && replicable
              ? `set database.replicateBackupsToDr: true in ${definitionFile} (RPO about ${REPLICATED_BACKUPS_RPO_MINUTES} min; ${p.region} → ${d.region} supports it), lower ${pol}.copyDelayMinutes if copies land faster, or raise ${pol}.rpoMinutes to ${worst.rpoMinutes}`
              : `shorten the schedule (the backup schedule is derived from ${pol}.rpoMinutes - copyDelayMinutes; AWS Backup runs at most hourly), lower ${pol}.copyDelayMinutes if copies land faster, or raise ${pol}.rpoMinutes to ${worst.rpoMinutes}`;
        rpo = { targetMinutes: target, minutes: worst.rpoMinutes, met: margin >= 0, marginMinutes: margin, drivers: best, ...(fix ? { fix } : {}) };
        if (margin < 0) {
          findings.push({ check: 'dr', kind: 'rpo-breached', severity: 'error', env: p.name, file: definitionFile, path: `${pol}.rpoMinutes`, value: target, message: `worst-case RPO of ${p.name} in ${d.region} is ${worst.rpoMinutes} min (${worst.bundle}: ${worst.mechanism}), breaching the ${target} min target by ${-margin} min`, fix: fix! });
        }
      }
      const est = estimateRto(p.dr.strategy, p);
      const rtoMargin = p.dr.rtoMinutes - est.minutes;
      const rtoFix = rtoMargin >= 0 ? undefined : `a policy with a faster strategy (${p.dr.strategy === 'backup-restore' ? 'pilot-light' : 'warm-standby'}) for ${p.name}, or raise dr.policies.${p.dr.policy}.rtoMinutes to ${est.minutes}`;
      const rto = { targetMinutes: p.dr.rtoMinutes, minutes: est.minutes, met: rtoMargin >= 0, marginMinutes: rtoMargin, breakdown: est.breakdown, ...(rtoFix ? { fix: rtoFix } : {}) };
      if (rtoMargin < 0) {
        findings.push({ check: 'dr', kind: 'rto-breached', severity: 'error', env: p.name, file: definitionFile, path: `dr.policies.${p.dr.policy}.rtoMinutes`, value: p.dr.rtoMinutes, message: `estimated RTO of ${p.name} into ${d.region} with ${p.dr.strategy} (policy ${p.dr.policy}) is ${est.minutes} min, breaching the ${p.dr.rtoMinutes} min target by ${-rtoMargin} min`, fix: rtoFix! });
      }
      const queue = p.bundles.find((b) => b.name === 'queue');
      const names = Array.isArray(queue?.params.queues) ? (queue.params.queues as string[]).join(', ') : '';
      pairs.push({
        ...base,
        dr: { name: d.name, region: d.region, stateRegion: d.state.region },
        coverage,
        rpo,
        rto,
        keys: pr.keys,
        stateOk,
        ...(queue ? { queues: `${names}: not replicated (${p.cloud === 'aws' ? 'SQS' : 'Pub/Sub'} has no cross-region replication). ${d.name} recreates them empty from IaC; messages in flight in ${p.region} are lost unless producers replay them, so consumers must be idempotent.` } : {}),
        lastDrill: lastDrill(root, d.name),
      });
    }
  }
  return { pairs, findings };
}
