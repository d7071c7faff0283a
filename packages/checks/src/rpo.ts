/**
 * RPO per data store: for each store of a pair, the mechanism that carries its data to the DR
 * region on the day (a replica strategy promotes the replica; otherwise the freshest copy is
 * restored), the RPO that mechanism gives, the store's target (`storeRpoMinutes`, else
 * `rpoMinutes`) and the margin. The pair's RPO is its worst store; a store that breaches its
 * target is refused with the lever that would meet it.
 *
 * What each mechanism gives, and where that figure comes from:
 * - RDS replicated automated backups: "RDS uploads transaction logs for DB instances to Amazon S3
 *   every 5 minutes" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html), and
 *   with backup replication "RDS initiates a cross-Region copy of all snapshots and transaction
 *   logs as soon as they are ready on the DB instance"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html). AWS
 *   documents no bound on that copy; Parity allows it another 5 minutes (an assumption: the
 *   replicated backup's RestoreWindow.LatestTime in the DR region shows the real figure).
 * - Cloud SQL point-in-time recovery keeps its logs "in Cloud Storage in the same region as the
 *   instances" (https://cloud.google.com/sql/docs/postgres/backup-recovery/restore): they are lost
 *   with that region, so a Cloud SQL database reaches the DR region through a replica or through the
 *   backups kept there (the backup bundle's schedule), never through its logs.
 * - A replica: its lag budget, read from its lag alarm in the dr environment's Terraform.
 * - Buckets (buckets.ts): S3 RTC and Cloud Storage turbo replication, 15 minutes.
 * - Queues (queues.ts): the replay archive's delivery delay.
 */
import { namesStore, regionCatalog, storeTarget, type ResolvedEnvironment, type Strategy } from '@parity/model';
import type { Finding } from './findings.js';
import type { Mechanism } from './standby.js';

/** "RDS uploads transaction logs for DB instances to Amazon S3 every 5 minutes" (RDS User Guide, USER_PIT). */
export const RDS_LOG_UPLOAD_MINUTES = 5;
/** The cross-Region copy of a log file, started "as soon as they are ready": no documented bound; assumed. */
export const RDS_LOG_COPY_MINUTES = 5;
/** RDS replicated automated backups: point-in-time restore in the DR region, this far behind. */
export const REPLICATED_BACKUPS_RPO_MINUTES = RDS_LOG_UPLOAD_MINUTES + RDS_LOG_COPY_MINUTES;

/** One store's RPO against its target, through the mechanism recovery would use. */
export interface StoreRpo {
  readonly bundle: string;
  readonly kind: Mechanism['kind'];
  /** How its data reaches the DR region (the mechanism recovery uses). */
  readonly mechanism: string;
  readonly rpoMinutes: number;
  /** Its target: the policy's storeRpoMinutes for it, else rpoMinutes. */
  readonly targetMinutes: number;
  /** Whether the target is the store's own (storeRpoMinutes). */
  readonly ownTarget: boolean;
  readonly met: boolean;
  /** Positive: margin; negative: breached by. */
  readonly marginMinutes: number;
  readonly fix?: string;
  readonly resource?: string;
}

/** What the RPO assessment needs of a pair. */
export interface RpoInput {
  readonly p: ResolvedEnvironment;
  readonly d: ResolvedEnvironment;
  readonly definitionFile: string;
  /** The strategy the Terraform implements. */
  readonly implemented: Strategy;
}

/**
 * The mechanism recovery uses for a store: under a replica strategy the database is promoted, so
 * its replica (not the replicated backups beside it) is what the RPO rests on; otherwise the
 * freshest copy.
 */
export function driverOf(protections: readonly Mechanism[], replicaStrategy: boolean): Mechanism | undefined {
  const promoted = replicaStrategy ? protections.filter((x) => x.kind === 'replica' && x.bundle === 'database') : [];
  const from = promoted.length > 0 ? promoted : protections;
  return from.reduce<Mechanism | undefined>((a, x) => (!a || x.rpoMinutes < a.rpoMinutes ? x : a), undefined);
}

/** Minutes as `check` writes them: whole minutes, or seconds under one. */
export function formatMinutes(m: number): string {
  if (m >= 120 && m % 60 === 0) return `${m / 60} h`;
  if (Number.isInteger(m)) return `${m} min`;
  return m < 1 ? `${Math.round(m * 60)} s` : `${Math.round(m * 10) / 10} min`;
}

/** The lever that would bring a store within its target, named for the mechanism that misses it. */
function lever(input: RpoInput, driver: Mechanism, target: number, own: boolean): string {
  const { p, d, definitionFile } = input;
  const pol = `dr.policies.${p.dr.policy}`;
  const ownTarget = `${pol}.storeRpoMinutes.${driver.bundle}: ${Math.ceil(driver.rpoMinutes)}`;
  const raise = own
    ? `raise ${ownTarget.replace(/: \d+$/, '')} to ${Math.ceil(driver.rpoMinutes)}`
    : `give it a target of its own (${ownTarget})`;
  switch (`${driver.bundle}:${driver.kind}`) {
    case 'database:replica':
      return `lower ${pol}.replicaLagSeconds to ${target * 60} or less (the replica's lag alarm follows it), or ${raise}`;
    case 'database:replicated-backups':
      return `replicated transaction logs reach ${d.region} about ${REPLICATED_BACKUPS_RPO_MINUTES} min late; a replica strategy (pilot-light, with replicaLagSeconds) meets ${formatMinutes(target)}, or ${raise}`;
    case 'database:backups':
      return p.cloud === 'aws' && regionCatalog().supportsRdsBackupReplication(p.region, d.region)
        ? `set database.replicateBackupsToDr: true in ${definitionFile} (transaction logs in ${d.region} about ${REPLICATED_BACKUPS_RPO_MINUTES} min late), use a replica strategy (pilot-light), or ${raise}`
        : `backups cannot meet ${formatMinutes(target)}${p.cloud === 'gcp' ? " (Cloud SQL keeps its point-in-time logs in the instance's own region)" : ''}: use a replica strategy (pilot-light, with replicaLagSeconds), or ${raise}`;
    case 'cluster:backups':
      return `set cluster.volumes: none in ${definitionFile} if workloads keep no data on volumes (state in the database, the bucket, the queues), or ${raise}`;
    case 'bucket:replica':
      return driver.rpoMinutes > 15
        ? `set bucket.replicationTimeControl: true (15 min) in ${definitionFile}, or ${raise}`
        : `${driver.mechanism.includes('S3') ? 'S3 RTC' : 'turbo replication'} gives 15 min; use a database for data that needs ${formatMinutes(target)}, or ${raise}`;
    default:
      return `${raise}, or move the data to a store whose mechanism meets ${formatMinutes(target)}`;
  }
}

/** Each covered store's RPO against its target, through the mechanism recovery would use. */
export function storeRpos(
  input: RpoInput,
  coverage: ReadonlyArray<{ readonly bundle: string; readonly protections: readonly Mechanism[]; readonly covered: boolean }>,
  replicaStrategy: boolean,
): StoreRpo[] {
  const { p } = input;
  return coverage.flatMap((c) => {
    const driver = driverOf(c.protections, replicaStrategy);
    if (!driver) return [];
    const targetMinutes = storeTarget(p.dr, c.bundle);
    const marginMinutes = targetMinutes - driver.rpoMinutes;
    const ownTarget = namesStore(p.dr, c.bundle);
    return [
      {
        bundle: c.bundle,
        kind: driver.kind,
        mechanism: driver.mechanism,
        rpoMinutes: driver.rpoMinutes,
        targetMinutes,
        ownTarget,
        met: marginMinutes >= 0,
        marginMinutes,
        ...(marginMinutes < 0 ? { fix: lever(input, driver, targetMinutes, ownTarget) } : {}),
        ...(driver.resource ? { resource: driver.resource } : {}),
      },
    ];
  });
}

/** A store's breach as a finding: the store, its mechanism, its target and the lever. */
export function storeBreach(input: RpoInput, s: StoreRpo): Finding {
  const { p, d, definitionFile } = input;
  const pol = `dr.policies.${p.dr.policy}`;
  return {
    check: 'dr',
    kind: 'rpo-breached',
    severity: 'error',
    env: p.name,
    file: definitionFile,
    path: s.ownTarget ? `${pol}.storeRpoMinutes.${s.bundle}` : `${pol}.rpoMinutes`,
    value: s.targetMinutes,
    message: `RPO of ${p.name}'s ${s.bundle} in ${d.region} is ${formatMinutes(s.rpoMinutes)} (${s.mechanism}), breaching the ${formatMinutes(s.targetMinutes)} target${s.ownTarget ? ` the policy gives it` : ''} by ${formatMinutes(-s.marginMinutes)}`,
    fix: s.fix!,
  };
}
