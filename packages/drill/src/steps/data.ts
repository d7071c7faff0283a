/**
 * The drill's data plane (dataplane/): real PostgreSQL standing in for the pair's database, under
 * write load from the primary's apply to the loss, with the mechanism the Terraform declares. Each
 * function runs inside the drill step that does the same to the control plane: the primary's
 * apply starts the primary and its writer (and, backup & restore, the shipping of base backups and
 * WAL at the declared cadence, scaled); the standby's apply starts the streaming standby and reads
 * its lag against the ReplicaLag alarm's threshold; the loss kills it (SIGKILL) and stops the
 * shipping; the promotion promotes, the restore restores; the measure counts what came back. The
 * failback does the same the other way, and must lose nothing (a fenced switchover).
 */
import { join } from 'node:path';
import type { DrPair, Protection } from '@parity/checks';
import type { DataOutcome, DataPlaneRecord } from '@parity/model';
import { placedResources, type TerraformJson } from '@parity/model/terraform';
import type { DrillContext, StepHandle } from '../context.js';
import {
  assertIntact,
  type Cadence,
  type Cluster,
  type DataLoss,
  type DataPlane,
  kill,
  type Loss,
  measure,
  openDataPlane,
  promote,
  type Recovered,
  replicaLag,
  restore,
  scaleText,
  type Shipping,
  type Standby,
  startPrimary,
  startShipping,
  startStandby,
  startWriter,
  switchover,
  switchoverByRestore,
  type Writer,
  type WriterLog,
  planeFailed,
} from '../dataplane/index.js';

/** Commits a second, as the load: steady, small, every one acknowledged or not. */
export const WRITES_PER_SECOND = 50;
/** Schedule seconds per drill second when WAL is shipped: 5 min of schedule = 1 s of drill. */
const WAL_SCALE = 300;
/** The cadence of RDS's replicated transaction logs (AWS: "typically every five minutes"). */
const WAL_EVERY_MINUTES = 5;
/** RDS automated backups: a daily snapshot. */
const DAILY_MINUTES = 24 * 60;

/** The data plane of one drill, as its steps move it. */
export interface DrillData {
  readonly plane: DataPlane;
  readonly primary: Cluster;
  readonly writer: Writer;
  readonly record: DataPlaneRecord;
  /** Backup & restore: base backups and WAL shipped to the DR side. */
  shipping?: Shipping;
  /** Replica strategies: the streaming standby in the DR region. */
  standby?: Standby;
  loss?: Loss;
  recovered?: Recovered;
  /** The way back: the DR side's writer, and its standby (or shipping) in the primary region. */
  back?: { writer: Writer; standby?: Standby; shipping?: Shipping };
  home?: { recovered: Recovered; log: WriterLog };
}

/** The database's mechanisms in the DR region, from `pnpm check` of the pair. */
function databaseMechanisms(pair: DrPair | undefined): Protection[] {
  return (pair?.mechanisms ?? []).filter((m) => m.bundle === 'database');
}

/**
 * The cadence the Terraform declares for the database, scaled: base backups at the AWS Backup
 * plan's interval (else RDS's daily snapshot), WAL every 5 min when transaction logs are
 * replicated; with WAL, 5 min of schedule is 1 s of drill, else one base backup every 2 s.
 */
export function cadenceOf(mechanisms: readonly Protection[]): Cadence & { readonly mechanism: string } {
  const every = mechanisms
    .filter((m) => m.kind === 'backups')
    .map((m) => Number(/every (\d+) min/.exec(m.mechanism)?.[1]))
    .filter((n) => Number.isFinite(n) && n > 0);
  const baseMinutes = every.length ? Math.min(...every) : DAILY_MINUTES;
  const wal = mechanisms.some((m) => m.kind === 'replicated-backups');
  const scale = wal ? WAL_SCALE : (baseMinutes * 60) / 2;
  const base = `base backups every ${baseMinutes} min${every.length ? ' (AWS Backup plan)' : ' (RDS automated backups)'}`;
  return {
    baseBackupEverySeconds: (baseMinutes * 60) / scale,
    ...(wal ? { walEverySeconds: (WAL_EVERY_MINUTES * 60) / scale } : {}),
    scheduleSecondsPerDrillSecond: scale,
    mechanism: wal ? `${base} + archived WAL shipped every ${WAL_EVERY_MINUTES} min (replicated transaction logs)` : base,
  };
}

/** The ReplicaLag alarm's threshold (s) in the dr environment's Terraform. */
export function lagThreshold(json: TerraformJson): number | undefined {
  const alarm = placedResources(json, 'aws_cloudwatch_metric_alarm').find((a) => a.body.metric_name === 'ReplicaLag');
  return typeof alarm?.body.threshold === 'number' ? alarm.body.threshold : undefined;
}

/** apply-primary: the primary's PostgreSQL and its writer; backup & restore, the shipping too. */
export async function startData(ctx: DrillContext, s: StepHandle, pair: DrPair | undefined): Promise<DrillData> {
  const { primary, dr } = ctx.pair;
  s.update('data plane: PostgreSQL primary and writer');
  const plane = await openDataPlane({ work: join(ctx.work, 'data-plane'), groups: ctx.children, signal: ctx.ctl.signal });
  ctx.plane = plane;
  const cluster = await startPrimary(plane, { site: primary.name });
  const marker = `drill-${ctx.stamp}`.toLowerCase();
  const writer = await startWriter(plane, cluster, { marker, ratePerSecond: WRITES_PER_SECOND });
  const replica = ctx.strategy.drill.failoverSteps.includes('promote');
  const cadence = replica ? undefined : cadenceOf(databaseMechanisms(pair));
  const record: DataPlaneRecord = {
    engine: `PostgreSQL ${plane.postgres.version}`,
    mechanism: cadence?.mechanism ?? `asynchronous streaming standby in ${dr.name} (as an RDS cross-region read replica)`,
    ...(cadence ? { scale: scaleText(cadence.scheduleSecondsPerDrillSecond) } : {}),
    writer: { marker, ratePerSecond: WRITES_PER_SECOND },
    note: `Real PostgreSQL ${plane.postgres.version} on loopback stands in for ${primary.name}'s database (moto has no database engine): a writer commits marked rows with a sha256 checksum at a steady rate from the primary's apply to the loss, and records every commit it saw acknowledged. It is not RDS: one database (the drill's), no storage-level snapshot, no AWS Backup job.`,
  };
  ctx.report.data = record;
  const data: DrillData = { plane, primary: cluster, writer, record };
  if (cadence) data.shipping = await startShipping(plane, cluster, dr.name, cadence);
  return data;
}

/** apply-standby: the streaming standby in the DR region; its lag read from PostgreSQL against the alarm's threshold. */
export async function startDataStandby(ctx: DrillContext, s: StepHandle, data: DrillData, drJson: TerraformJson): Promise<string> {
  const { dr } = ctx.pair;
  s.update('data plane: streaming standby');
  data.standby = await startStandby(data.plane, data.primary, { site: dr.name });
  const threshold = lagThreshold(drJson) ?? dr.dr.rpoMinutes * 60;
  // a moment under load, so that the lag is read while the writer writes
  await new Promise((r) => setTimeout(r, 2000));
  const lag = await replicaLag(data.standby, threshold);
  const seconds = Number.isFinite(lag.seconds) ? Math.round(lag.seconds * 1000) / 1000 : -1;
  data.record.lag = {
    seconds,
    ...(lag.bytes !== undefined ? { bytes: lag.bytes } : {}),
    thresholdSeconds: threshold,
    withinThreshold: lag.withinThreshold,
    state: lag.state,
  };
  const text = `standby ${lag.state}, lag ${seconds} s (${lag.bytes ?? '?'} bytes) against the ReplicaLag alarm's ${threshold} s`;
  if (!lag.withinThreshold) throw planeFailed(`the replica lags beyond its alarm: ${text}`, data.standby.cluster.log);
  return text;
}

/** loss: shipping stops and the primary is killed (SIGKILL of its process group). */
export async function loseData(data: DrillData): Promise<Loss> {
  data.loss = await kill(data.plane, data.primary);
  return data.loss;
}

/** promote: the standby promoted, after the loss. */
export async function promoteData(data: DrillData): Promise<Recovered> {
  if (!data.standby || !data.loss) return missingPhase('a standby and a loss before the promotion');
  data.recovered = await promote(data.plane, data.standby, data.loss);
  return data.recovered;
}

/** apply-dr: the newest base backup in the DR region plus every WAL segment shipped, replayed. */
export async function restoreData(data: DrillData): Promise<Recovered> {
  if (!data.shipping) return missingPhase('shipped backups before the restore');
  data.recovered = await restore(data.plane, data.shipping);
  return data.recovered;
}

/** What came back, for the report. */
function outcome(d: DataLoss, r: Recovered): DataOutcome {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    how: d.how,
    from: r.from,
    acknowledged: d.acknowledged,
    recovered: d.recovered,
    rpoRows: d.rpo.rows,
    rpoSeconds: round(d.rpo.seconds),
    ...(d.rpo.scheduleSeconds !== undefined ? { rpoScheduleSeconds: round(d.rpo.scheduleSeconds) } : {}),
    ...(d.missing.firstSeq !== undefined ? { missingSeqs: `${d.missing.firstSeq}-${d.missing.lastSeq}` } : {}),
    inFlightRecovered: d.unacknowledged.inFlight.length,
    unexplainedRows: d.unacknowledged.unexplained.length,
    checksumsVerified: d.checksums.verified,
    checksumsFailed: d.checksums.failed.length,
    ...(r.lagAtLossSeconds !== undefined ? { lagAtLossSeconds: round(r.lagAtLossSeconds) } : {}),
    ok: d.ok,
    problems: [...d.problems],
  };
}

/** measure: the writer's record against the recovered rows; the data must be intact. */
export async function measureData(data: DrillData): Promise<DataLoss> {
  if (!data.recovered) return missingPhase('a recovered database before the measure');
  const log = await data.writer.stop();
  const d = await measure(log, data.recovered);
  data.record.writer.achievedPerSecond = Math.round(log.achievedPerSecond * 10) / 10;
  data.record.failover = outcome(d, data.recovered);
  assertIntact(d);
  return d;
}

/** reprotect: the DR side takes writes; the primary region protects it (a standby there, or backups shipped there). */
export async function reprotectData(ctx: DrillContext, data: DrillData): Promise<string> {
  const { primary } = ctx.pair;
  if (!data.recovered) return missingPhase('a recovered database before the failback');
  const writer = await startWriter(data.plane, data.recovered.cluster, { marker: `failback-${ctx.stamp}`.toLowerCase() });
  if (data.standby) {
    const standby = await startStandby(data.plane, data.recovered.cluster, { site: primary.name, name: 'rebuilt' });
    data.back = { writer, standby };
    return `${writer.marker} written to ${data.recovered.cluster.id}; ${standby.cluster.id} streams from it`;
  }
  const cadence = data.shipping?.cadence ?? cadenceOf([]);
  const shipping = await startShipping(data.plane, data.recovered.cluster, primary.name, cadence);
  data.back = { writer, shipping };
  return `${writer.marker} written to ${data.recovered.cluster.id}; its base backups and WAL shipped to ${primary.name}`;
}

/** switchover: writes fenced, lag 0, the primary region's side promoted (or restored from the last shipment). */
export async function switchOverData(ctx: DrillContext, data: DrillData): Promise<string> {
  const back = data.back;
  if (!back) return missingPhase('the way back protected before the switchover');
  data.home = back.standby
    ? await switchover(data.plane, back.standby, back.writer)
    : back.shipping
      ? await switchoverByRestore(data.plane, back.shipping, back.writer, { site: ctx.pair.primary.name })
      : missingPhase('a standby or a shipment back');
  return data.home.recovered.from;
}

/** verify-failback: nothing the DR side acknowledged while it was primary is lost. */
export async function measureFailbackData(data: DrillData): Promise<DataLoss> {
  if (!data.home) return missingPhase('the switchover before the failback is measured');
  const d = await measure(data.home.log, data.home.recovered);
  data.record.failback = outcome(d, data.home.recovered);
  assertIntact(d, { maxMissingRows: 0 });
  return d;
}

/** A data plane phase called before the one it follows: a defect of the drill's step order. */
function missingPhase(what: string): never {
  throw planeFailed(`the data plane needs ${what}`);
}
