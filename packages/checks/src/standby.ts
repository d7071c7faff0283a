/**
 * What a DR environment's own Terraform holds, read the way `check` reads the primary's: the
 * replica its strategy needs (and whether it fits the primary), and what runs in the DR region in
 * peacetime, the standing cost of the policy. The label in the definition is never trusted: a
 * pilot-light policy whose dr environment synthesizes a standalone database is reported as such.
 */
import { namer, regionCatalog, strategyFacts, type ResolvedEnvironment } from '@parity/model';
import type { Finding } from './findings.js';
import { blocks, TfDoc, type TerraformJson, type TfResource } from './tf.js';

/** How one stateful bundle's data reaches the DR region. */
export interface Mechanism {
  readonly bundle: string;
  readonly kind: 'replica' | 'replicated-backups' | 'backups' | 'archive';
  /** How the data reaches the dr region. */
  readonly mechanism: string;
  /** Worst-case data loss, in minutes, through this mechanism. */
  readonly rpoMinutes: number;
  /** What recovery does with it. */
  readonly recovery: 'promotion' | 'restore' | 'replay';
  /** The Terraform address that provides it. */
  readonly resource?: string;
}

/** One thing running in the DR region before any failover. */
export interface StandbyItem {
  readonly resource: string;
  readonly what: string;
  /** Instance class or machine type. */
  readonly size?: string;
  /** Nodes (per zone on GCP), instances. */
  readonly count?: number;
}

export interface Standby {
  /** Whether the dr environment is applied in peacetime (false: backup & restore). */
  readonly applied: boolean;
  readonly items: readonly StandbyItem[];
}

const fileOf = (e: ResolvedEnvironment) => `environments/${e.name}/cdktf.out/stacks/${e.name}/cdk.tf.json`;

/** The primary's database, as the dr environment names it (the one naming helper). */
function sourceDatabase(p: ResolvedEnvironment): string {
  return p.cloud === 'aws' ? namer(p.platform, p.name)('aws.dbInstance', 'db') : namer(p.platform, p.name)('gcp.sqlInstance', 'postgres');
}

/** The replica of the primary's database in the dr environment's Terraform, if there is one. */
export function findReplica(p: ResolvedEnvironment, d: ResolvedEnvironment, dJson: TerraformJson): TfResource | undefined {
  const doc = new TfDoc(dJson, d.cloud, d.region);
  const source = sourceDatabase(p);
  if (d.cloud === 'aws') {
    return doc.resources('aws_db_instance').find((r) => {
      const arn = r.body.replicate_source_db;
      return typeof arn === 'string' && arn.split(':')[3] === p.region && (arn.endsWith(`:db:${source}`) || arn === source);
    });
  }
  return doc
    .resources('google_sql_database_instance')
    .find((r) => typeof r.body.master_instance_name === 'string' && r.body.master_instance_name.endsWith(source));
}

/**
 * The replica's lag alarm in the dr environment's Terraform, and the budget it enforces in seconds:
 * RDS `ReplicaLag` on the replica's identifier, or a Cloud Monitoring policy on Cloud SQL's
 * `database/replication/replica_lag`.
 */
export function replicaLagAlarm(
  d: ResolvedEnvironment,
  dJson: TerraformJson,
  replica: TfResource,
): { address: string; seconds: number } | undefined {
  const doc = new TfDoc(dJson, d.cloud, d.region);
  if (d.cloud === 'aws') {
    const alarm = doc.resources('aws_cloudwatch_metric_alarm').find((a) => {
      const dims = a.body.dimensions as Record<string, unknown> | undefined;
      return a.body.metric_name === 'ReplicaLag' && dims?.['DBInstanceIdentifier'] === replica.body.identifier;
    });
    return alarm && typeof alarm.body.threshold === 'number' ? { address: alarm.address, seconds: alarm.body.threshold } : undefined;
  }
  for (const a of doc.resources('google_monitoring_alert_policy')) {
    const t = blocks(a.body.conditions)
      .flatMap((c) => blocks(c.condition_threshold))
      .find((c) => typeof c.filter === 'string' && c.filter.includes('database/replication/replica_lag'));
    if (t && typeof t.threshold_value === 'number') return { address: a.address, seconds: t.threshold_value };
  }
  return undefined;
}

/**
 * The replica as a mechanism: the data it lacks is its lag, and its lag alarm's threshold (read
 * from the Terraform, not the policy) is the most that goes unnoticed. Without an alarm the
 * policy's budget is all there is, and `replicaFindings` says so.
 */
export function replicaMechanism(p: ResolvedEnvironment, d: ResolvedEnvironment, replica: TfResource, dJson?: TerraformJson): Mechanism {
  const what = d.cloud === 'aws' ? 'RDS cross-region read replica' : 'Cloud SQL cross-region replica';
  const alarm = dJson ? replicaLagAlarm(d, dJson, replica) : undefined;
  const seconds = alarm?.seconds ?? p.dr.replicaLagSeconds;
  return {
    bundle: 'database',
    kind: 'replica',
    mechanism: `${what} in ${d.region} (${d.name}), lag budget ${seconds} s${alarm ? ' (its lag alarm)' : ' (no lag alarm)'}`,
    rpoMinutes: seconds / 60,
    recovery: 'promotion',
    resource: replica.address,
  };
}

/** Findings about the replica itself: engine version, key region, residency. */
export function replicaFindings(
  p: ResolvedEnvironment,
  pJson: TerraformJson,
  d: ResolvedEnvironment,
  dJson: TerraformJson,
  replica: TfResource,
): Finding[] {
  const out: Finding[] = [];
  const doc = new TfDoc(dJson, d.cloud, d.region);
  const file = fileOf(d);
  const base = { check: 'dr' as const, severity: 'error' as const, env: d.name, file, path: replica.address };
  const primary = new TfDoc(pJson, p.cloud, p.region).resources(p.cloud === 'aws' ? 'aws_db_instance' : 'google_sql_database_instance')[0];
  const versionKey = p.cloud === 'aws' ? 'engine_version' : 'database_version';
  if (primary && replica.body[versionKey] !== primary.body[versionKey]) {
    out.push({
      ...base,
      kind: 'replica-engine-mismatch',
      value: replica.body[versionKey],
      allowed: String(primary.body[versionKey]),
      message: `the replica of ${p.name}'s database runs ${String(replica.body[versionKey])}, its source ${String(primary.body[versionKey])}: a cross-region replica must run the source's engine version, and a promoted one would serve a different engine`,
      fix: `make database.postgresVersion the same in ${p.name} and ${d.name}`,
    });
  }
  if (d.cloud === 'aws') {
    const key = doc.deref(replica.body.kms_key_id);
    const keyRegion = key ? doc.providerRegion(key) : doc.regionOf(replica.body.kms_key_id);
    if (keyRegion !== d.region) {
      out.push({
        ...base,
        kind: 'key-region',
        value: keyRegion ?? String(replica.body.kms_key_id),
        message: `the replica in ${d.region} is encrypted with a key ${keyRegion ? `in ${keyRegion}` : 'whose region cannot be read'}; a cross-region replica needs a key of its own region, and must not depend on the region it recovers from`,
        fix: `set kms_key_id to a key created with the provider for ${d.region}`,
      });
    }
  }
  if (!replicaLagAlarm(d, dJson, replica)) {
    out.push({
      ...base,
      kind: 'dr-mechanism-missing',
      severity: 'warning',
      value: p.dr.replicaLagSeconds,
      message: `nothing watches the lag of the replica of ${p.name}'s database: a replica that falls behind its ${p.dr.replicaLagSeconds} s budget (policy ${p.dr.policy}) loses more data than the RPO says, unnoticed`,
      fix: `synthesize ${d.name} with the database bundle's lag alarm (pnpm synth ${d.name})`,
    });
  }
  const region = d.cloud === 'aws' ? doc.providerRegion(replica) : String(replica.body.region ?? d.region);
  const jurisdiction = regionCatalog().get(d.cloud, region)?.jurisdiction;
  if (!jurisdiction || !p.jurisdictions.includes(jurisdiction)) {
    out.push({
      ...base,
      check: 'residency',
      kind: 'residency',
      value: region,
      allowed: `regions in ${p.jurisdiction}`,
      message: `the replica of ${p.name}'s database lives in ${region} (${jurisdiction ?? 'unknown jurisdiction'}), outside ${p.jurisdiction}, where ${p.name} keeps its data`,
      fix: `recover ${p.name} in a region inside ${p.jurisdiction}`,
    });
  }
  return out;
}

/** Node groups / pools of a Terraform document, with their peacetime counts. */
export function computeOf(e: ResolvedEnvironment, json: TerraformJson): StandbyItem[] {
  const doc = new TfDoc(json, e.cloud, e.region);
  if (e.cloud === 'aws') {
    return doc.resources('aws_eks_node_group').map((r) => {
      const s = blocks(r.body.scaling_config)[0] ?? {};
      return {
        resource: r.address,
        what: 'EKS node group',
        size: (r.body.instance_types as string[] | undefined)?.join(', '),
        count: Number(s.desired_size ?? 0),
      };
    });
  }
  return doc.resources('google_container_node_pool').map((r) => {
    const a = blocks(r.body.autoscaling)[0] ?? {};
    return {
      resource: r.address,
      what: 'GKE node pool (nodes per zone)',
      size: String(blocks(r.body.node_config)[0]?.machine_type ?? ''),
      count: Number(a.min_node_count ?? r.body.initial_node_count ?? 0),
    };
  });
}

/** Databases of a Terraform document, as standby items. */
function databasesOf(e: ResolvedEnvironment, json: TerraformJson): StandbyItem[] {
  const doc = new TfDoc(json, e.cloud, e.region);
  if (e.cloud === 'aws') {
    return doc.resources('aws_db_instance').map((r) => ({
      resource: r.address,
      what: `RDS ${r.body.replicate_source_db ? 'read replica' : 'instance'}${r.body.multi_az ? ', Multi-AZ' : ''}`,
      size: String(r.body.instance_class),
      count: 1,
    }));
  }
  return doc.resources('google_sql_database_instance').map((r) => {
    const s = blocks(r.body.settings)[0] ?? {};
    return {
      resource: r.address,
      what: `Cloud SQL ${r.body.master_instance_name ? 'replica' : 'instance'}${s.availability_type === 'REGIONAL' ? ', regional HA' : ''}`,
      size: String(s.tier),
      count: 1,
    };
  });
}

/** The backup plane the primary keeps in the DR region (vaults, keys, replicated backups, backup plans). */
function backupPlane(p: ResolvedEnvironment, pJson: TerraformJson, drRegion: string): StandbyItem[] {
  const doc = new TfDoc(pJson, p.cloud, p.region);
  const inDr = (type: string, what: string) =>
    doc
      .resources(type)
      .filter((r) => (p.cloud === 'aws' ? doc.providerRegion(r) : r.body.location) === drRegion)
      .map((r) => ({ resource: `${p.name}: ${r.address}`, what }));
  return p.cloud === 'aws'
    ? [
        ...inDr('aws_backup_vault', 'AWS Backup vault (copies)'),
        ...inDr('aws_kms_key', 'KMS key'),
        ...inDr('aws_db_instance_automated_backups_replication', 'replicated RDS automated backups'),
        ...inDr('aws_sqs_queue', 'SQS replay archive (every message, kept for replay)'),
      ]
    : [
        ...inDr('google_gke_backup_backup_plan', 'Backup for GKE plan (backups stored here)'),
        ...doc
          .resources('google_storage_bucket')
          .filter((r) => r.name.startsWith('queue_') && String(r.body.location ?? '').toLowerCase() === drRegion)
          .map((r) => ({ resource: `${p.name}: ${r.address}`, what: 'Cloud Storage replay archive (every message, kept for replay)' })),
      ];
}

/** The replica's lag alarm in the dr environment: a CloudWatch alarm or a Cloud Monitoring alert policy. */
function lagAlarmsOf(e: ResolvedEnvironment, json: TerraformJson): StandbyItem[] {
  const doc = new TfDoc(json, e.cloud, e.region);
  return e.cloud === 'aws'
    ? doc
        .resources('aws_cloudwatch_metric_alarm')
        .filter((a) => a.body.metric_name === 'ReplicaLag')
        .map((a) => ({ resource: a.address, what: `CloudWatch alarm on ReplicaLag above ${String(a.body.threshold)} s` }))
    : doc
        .resources('google_monitoring_alert_policy')
        .filter((a) => JSON.stringify(a.body.conditions ?? '').includes('replica_lag'))
        .map((a) => ({ resource: a.address, what: 'Cloud Monitoring alert policy on the replica lag' }));
}

/** What runs in the DR region in peacetime: the backup plane, plus the dr environment when its strategy applies it. */
export function standbyOf(p: ResolvedEnvironment, pJson: TerraformJson, d: ResolvedEnvironment, dJson: TerraformJson | undefined): Standby {
  const plane = backupPlane(p, pJson, d.region);
  const state = { resource: `${d.name}: state`, what: `Terraform state bucket ${d.state.bucket}` };
  if (!strategyFacts(p.dr.strategy).replica || !dJson) return { applied: false, items: [...plane, state] };
  return { applied: true, items: [...databasesOf(d, dJson), ...lagAlarmsOf(d, dJson), ...computeOf(d, dJson), ...plane, state] };
}
