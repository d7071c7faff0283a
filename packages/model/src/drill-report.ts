/**
 * The drill report: what `pnpm drill` writes to `environments/<dr-env>/drills/<stamp>.json` (with a
 * markdown twin for people), its schema, and the one reader of those files. `pnpm check` reads the
 * newest as "last drilled", the runbook its step durations, the HTML report every one of them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ParityError } from './errors.js';
import { readWorkspaceJson } from './files.js';

/** The `schema` field of every drill report this version writes. */
export const DRILL_REPORT_SCHEMA = 'parity.drill/1';

export type DrillStatus = 'passed' | 'failed' | 'aborted';
export type StepStatus = 'passed' | 'failed' | 'aborted' | 'skipped';

/** The steps a drill records, in the order a strategy may run them (each strategy runs some). */
export const STEP_IDS = [
  'emulator',
  'check',
  'apply-primary',
  'apply-standby',
  'marker',
  'produce',
  'loss',
  'copy',
  'apply-dr',
  'promote',
  'complete',
  'replay',
  'verify',
  'measure',
  'reprotect',
  'switchover',
  'failback-complete',
  'restore-roles',
  'verify-failback',
  'teardown',
] as const;

export type StepId = (typeof STEP_IDS)[number];

export interface StepRecord {
  readonly id: StepId;
  title: string;
  status: StepStatus;
  startedAt?: string;
  durationSeconds?: number;
  detail?: string;
  error?: string;
}

export interface Verification {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface NotExercised {
  /** What was not exercised: a Terraform address, or a step of the real procedure. */
  readonly what: string;
  readonly env?: string;
  readonly why: string;
}

export interface DrillTarget {
  readonly kind: 'emulator' | 'endpoint' | 'aws';
  readonly endpoint?: string;
  readonly description: string;
}

/** A time measured against its target (RTO: loss → verified; RPO: the restored data's age at the loss). */
export interface Measured {
  /** Minutes, rounded to two decimals (what `pnpm check` shows as "last drilled"). */
  readonly measuredMinutes: number;
  readonly measuredSeconds: number;
  readonly targetMinutes: number;
  readonly met: boolean;
  /** Target minus measured, in minutes (negative: breached by). */
  readonly marginMinutes: number;
  readonly from: string;
  readonly to: string;
}

/** One queue's count in a drill: produced before the loss, checkpointed by the consumers, replayed, delivered. */
export interface QueueReplayCount {
  readonly queue: string;
  /** Messages published to the primary's topic before the loss. */
  readonly produced: number;
  /** Of those, at or before the checkpoint the drill published as the consumers would: not to be sent again. */
  readonly checkpointed: number;
  /** In the archive in the DR region when the replay read it (a dry run first, as pnpm failover --replay --dry-run). */
  readonly archived: number;
  /** Sent by the replay into the DR queue. */
  readonly replayed: number;
  /** Distinct idempotency keys of this drill's messages found in the DR queue afterwards. */
  readonly delivered: number;
  /** Produced after the checkpoint and never delivered. */
  readonly lost: number;
}

/** The drill's queue replay: the count per queue, and what the target could not show. */
export interface QueueReplayRecord {
  readonly counts: QueueReplayCount[];
  readonly note: string;
}

/** The failback part of a drill (`pnpm drill --failback`). */
export interface FailbackRecord {
  startedAt: string;
  verifiedAt?: string;
  /** Reprotect started → both regions verified in their original roles. */
  durationSeconds?: number;
  /** The steps applied, as `pnpm failback` writes them (`restore` removes the sections). */
  steps: Array<{ step: string; detail: string }>;
  /** The old primary's database, replaced by a replica (AWS cannot make a standalone instance one), or (backup & restore) re-created from the switchover snapshot. */
  replaced?: string[];
  /** The reverse replica (backup & restore: the reverse copy) before the fence, and at the switchover (lag 0, or the snapshot taken after the fence: zero data loss). */
  beforeFence?: string;
  atSwitchover?: string;
  fenced?: string[];
  /** Both manifests byte for byte as before the failover, apart from the history comment. */
  manifestsRestored?: boolean;
  note?: string;
}

/** A request the region fence refused (after the loss): who made it, in which step, and whether the step needed it. */
export interface FencedRequest {
  readonly at: string;
  /** `region-lost`, `presigned-for-lost-region`, `control-plane-lost`, `unsigned`. */
  readonly reason: string;
  readonly region?: string;
  readonly service?: string;
  readonly action: string;
  readonly caller: string;
  /** The drill step running when it came (none: between steps, or in the teardown). */
  readonly step?: string;
  /** The step failed for it (a request made during a failover step is one the failover needs). */
  readonly needed: boolean;
}

/** The region fence between every client and the target: what it refused, what it let through. */
export interface FenceRecord {
  /** The region fenced at the loss. */
  readonly region: string;
  fencedAt?: string;
  /** When it was lifted (the failback's region back, or the teardown). */
  liftedAt?: string;
  readonly refused: FencedRequest[];
  /** Requests let through, per region they were signed for. */
  forwarded: Record<string, number>;
  /** The bundle registry, stopped with the region (what the drill did). */
  registry?: string;
  readonly note: string;
}

/** What one recovery of the data plane brought back, measured against the writer's own record. */
export interface DataOutcome {
  /** `promoted`, `restored`, `switched-over`. */
  readonly how: string;
  readonly from: string;
  /** Commits the writer saw acknowledged, and the rows of its marker that came back. */
  readonly acknowledged: number;
  readonly recovered: number;
  /** The measured RPO: acknowledged commits missing, and the seconds of writes they span. */
  readonly rpoRows: number;
  readonly rpoSeconds: number;
  /** A restore: the same loss in the Terraform schedule's time (seconds × the scale). */
  readonly rpoScheduleSeconds?: number;
  readonly missingSeqs?: string;
  /** Rows present that the writer never saw acknowledged: in flight at the loss (explained), or not. */
  readonly inFlightRecovered: number;
  readonly unexplainedRows: number;
  readonly checksumsVerified: number;
  readonly checksumsFailed: number;
  /** A promotion: the replica's lag at the loss (s), read from PostgreSQL. */
  readonly lagAtLossSeconds?: number;
  readonly ok: boolean;
  readonly problems: string[];
}

/** The drill's data plane: real PostgreSQL standing in for the pair's database, under write load. */
export interface DataPlaneRecord {
  /** `PostgreSQL 15.10`. */
  readonly engine: string;
  /** The mechanism the Terraform declares, as the data plane runs it. */
  readonly mechanism: string;
  readonly writer: { readonly marker: string; readonly ratePerSecond: number; achievedPerSecond?: number };
  /** Replica strategies: the lag read from PostgreSQL against the ReplicaLag alarm's threshold. */
  lag?: {
    readonly seconds: number;
    readonly bytes?: number;
    readonly thresholdSeconds: number;
    readonly withinThreshold: boolean;
    readonly state: string;
  };
  /** Backup & restore: "1 min of schedule = 1 s of drill". */
  readonly scale?: string;
  failover?: DataOutcome;
  failback?: DataOutcome;
  readonly note: string;
}

export interface DrillReport {
  readonly schema: typeof DRILL_REPORT_SCHEMA;
  readonly drEnv: string;
  readonly primary: string;
  readonly primaryRegion: string;
  readonly drRegion: string;
  /** The pair's DR policy and its strategy. */
  readonly policy?: { readonly name: string; readonly strategy: string };
  readonly startedAt: string;
  finishedAt?: string;
  status: DrillStatus;
  /** The step that failed or was interrupted. */
  failedStep?: StepId;
  error?: string;
  target: DrillTarget;
  tools: Record<string, string>;
  readonly steps: StepRecord[];
  marker?: { id: string; snapshotId: string; snapshotArn: string; snapshotCreatedAt: string; note: string; queueMessage?: string };
  /** Queue replay (queue.replay: archive): messages produced before the loss against those the failover's replay delivered. */
  queues?: QueueReplayRecord;
  lossAt?: string;
  recovery?: {
    copySnapshotArn?: string;
    copyKmsKeyArn?: string;
    keySource?: string;
    restoredInstanceArn?: string;
    replicaArn?: string;
    replicaAtLoss?: string;
  };
  /** The failover sections the drill applied, in order, as `pnpm failover` writes them into the manifest. */
  failover?: Array<{ step: string; from: string; snapshot?: string }>;
  verifiedAt?: string;
  /** `--failback`: the return to the primary region, as `pnpm failback` makes it, measured. */
  failback?: FailbackRecord;
  rto?: Measured & { readonly note?: string };
  rpo?: Measured & { readonly worstCaseMinutes?: number; readonly note?: string };
  /** Emulator adaptations: resources left out of each apply, by Terraform address. */
  readonly leftOut: Record<string, Array<{ address: string; reason: string }>>;
  /** Kept resources whose depends_on named a left-out one (ordering only; the edge was dropped). */
  readonly droppedDependsOn: Record<string, Array<{ address: string; on: string[] }>>;
  /**
   * Creates the emulator carried out for a request whose answer was lost: the provider's retry was
   * refused as already existing, and the drill imported the object.
   */
  adopted?: Array<{ env: string; address: string; id: string }>;
  readonly verification: Verification[];
  readonly notExercised: NotExercised[];
  teardown?: { action: string; ok: boolean; detail?: string };
  readonly workDir: string;
  /** Who ran the drill (`--by`). */
  by?: string;
  /** The region fence (emulator targets): every request refused after the loss. */
  fence?: FenceRecord;
  /** The data plane: rows written, lost and verified. */
  data?: DataPlaneRecord;
  /** Files relative to the workspace root, once written (the evidence record beside the report). */
  files?: { json: string; markdown: string; evidence?: { json: string; markdown: string } };
}

const MeasuredSchema = z.object({
  measuredMinutes: z.number(),
  measuredSeconds: z.number(),
  targetMinutes: z.number(),
  met: z.boolean(),
  marginMinutes: z.number(),
  from: z.string(),
  to: z.string(),
  note: z.string().optional(),
});

const FailbackRecordSchema = z.object({
  startedAt: z.string(),
  verifiedAt: z.string().optional(),
  durationSeconds: z.number().optional(),
  steps: z.array(z.object({ step: z.string(), detail: z.string() })),
  replaced: z.array(z.string()).optional(),
  beforeFence: z.string().optional(),
  atSwitchover: z.string().optional(),
  fenced: z.array(z.string()).optional(),
  manifestsRestored: z.boolean().optional(),
  note: z.string().optional(),
});

const DataOutcomeSchema = z.object({
  how: z.string(),
  from: z.string(),
  acknowledged: z.number(),
  recovered: z.number(),
  rpoRows: z.number(),
  rpoSeconds: z.number(),
  rpoScheduleSeconds: z.number().optional(),
  missingSeqs: z.string().optional(),
  inFlightRecovered: z.number(),
  unexplainedRows: z.number(),
  checksumsVerified: z.number(),
  checksumsFailed: z.number(),
  lagAtLossSeconds: z.number().optional(),
  ok: z.boolean(),
  problems: z.array(z.string()),
});

const FenceRecordSchema = z.object({
  region: z.string(),
  fencedAt: z.string().optional(),
  liftedAt: z.string().optional(),
  refused: z.array(
    z.object({
      at: z.string(),
      reason: z.string(),
      region: z.string().optional(),
      service: z.string().optional(),
      action: z.string(),
      caller: z.string(),
      step: z.string().optional(),
      needed: z.boolean(),
    }),
  ),
  forwarded: z.record(z.string(), z.number()),
  registry: z.string().optional(),
  note: z.string(),
});

const DataPlaneRecordSchema = z.object({
  engine: z.string(),
  mechanism: z.string(),
  writer: z.object({ marker: z.string(), ratePerSecond: z.number(), achievedPerSecond: z.number().optional() }),
  lag: z
    .object({
      seconds: z.number(),
      bytes: z.number().optional(),
      thresholdSeconds: z.number(),
      withinThreshold: z.boolean(),
      state: z.string(),
    })
    .optional(),
  scale: z.string().optional(),
  failover: DataOutcomeSchema.optional(),
  failback: DataOutcomeSchema.optional(),
  note: z.string(),
});

/** The schema of a drill report file (`schema: parity.drill/1`); the reader checks every file against it. */
export const DrillReportSchema: z.ZodType<DrillReport> = z.object({
  schema: z.literal(DRILL_REPORT_SCHEMA),
  drEnv: z.string(),
  primary: z.string(),
  primaryRegion: z.string(),
  drRegion: z.string(),
  policy: z.object({ name: z.string(), strategy: z.string() }).optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  status: z.enum(['passed', 'failed', 'aborted']),
  failedStep: z.enum(STEP_IDS).optional(),
  error: z.string().optional(),
  target: z.object({ kind: z.enum(['emulator', 'endpoint', 'aws']), endpoint: z.string().optional(), description: z.string() }),
  tools: z.record(z.string(), z.string()),
  steps: z.array(
    z.object({
      id: z.enum(STEP_IDS),
      title: z.string(),
      status: z.enum(['passed', 'failed', 'aborted', 'skipped']),
      startedAt: z.string().optional(),
      durationSeconds: z.number().optional(),
      detail: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
  marker: z
    .object({
      id: z.string(),
      snapshotId: z.string(),
      snapshotArn: z.string(),
      snapshotCreatedAt: z.string(),
      note: z.string(),
      queueMessage: z.string().optional(),
    })
    .optional(),
  queues: z
    .object({
      counts: z.array(
        z.object({
          queue: z.string(),
          produced: z.number(),
          checkpointed: z.number(),
          archived: z.number(),
          replayed: z.number(),
          delivered: z.number(),
          lost: z.number(),
        }),
      ),
      note: z.string(),
    })
    .optional(),
  lossAt: z.string().optional(),
  recovery: z
    .object({
      copySnapshotArn: z.string().optional(),
      copyKmsKeyArn: z.string().optional(),
      keySource: z.string().optional(),
      restoredInstanceArn: z.string().optional(),
      replicaArn: z.string().optional(),
      replicaAtLoss: z.string().optional(),
    })
    .optional(),
  failover: z.array(z.object({ step: z.string(), from: z.string(), snapshot: z.string().optional() })).optional(),
  verifiedAt: z.string().optional(),
  failback: FailbackRecordSchema.optional(),
  rto: MeasuredSchema.optional(),
  rpo: MeasuredSchema.extend({ worstCaseMinutes: z.number().optional() }).optional(),
  leftOut: z.record(z.string(), z.array(z.object({ address: z.string(), reason: z.string() }))),
  droppedDependsOn: z.record(z.string(), z.array(z.object({ address: z.string(), on: z.array(z.string()) }))),
  adopted: z.array(z.object({ env: z.string(), address: z.string(), id: z.string() })).optional(),
  verification: z.array(z.object({ what: z.string(), ok: z.boolean(), detail: z.string() })),
  notExercised: z.array(z.object({ what: z.string(), env: z.string().optional(), why: z.string() })),
  teardown: z.object({ action: z.string(), ok: z.boolean(), detail: z.string().optional() }).optional(),
  workDir: z.string(),
  by: z.string().optional(),
  fence: FenceRecordSchema.optional(),
  data: DataPlaneRecordSchema.optional(),
  files: z
    .object({ json: z.string(), markdown: z.string(), evidence: z.object({ json: z.string(), markdown: z.string() }).optional() })
    .optional(),
});

/** A drill report file as read: the report, or why the file is not one. */
export type DrillReportRead =
  | { readonly file: string; readonly report: DrillReport; readonly problem?: undefined }
  | { readonly file: string; readonly report?: undefined; readonly problem: string };

/** The evidence record beside each drill report (`<stamp>.evidence.json`, and its `.md`): not a report. */
export const EVIDENCE_SUFFIX = '.evidence.json';

/** The folder of a dr environment's drill reports, relative to the workspace root. */
export function drillReportsDir(env: string): string {
  return join('environments', env, 'drills');
}

/** `2026-11-24T06-30-00Z`: a report's file stamp, sortable and safe in file names everywhere. */
export function reportStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
}

/** A dr environment's drill report files (relative to the root), newest first. */
export function drillReportFiles(root: string, env: string): string[] {
  const dir = drillReportsDir(env);
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.json') && !f.endsWith(EVIDENCE_SUFFIX))
    .sort()
    .reverse()
    .map((f) => `${dir}/${f}`);
}

/**
 * One drill report file (relative to the root), read through the guarded reader (a linked,
 * oversized or non-regular file is refused: a report's content can reach a pull-request comment)
 * and checked against `DrillReportSchema`. A file that is not a report says why, never quoting it.
 */
export function readDrillReport(root: string, file: string): DrillReportRead {
  let json: unknown;
  try {
    json = readWorkspaceJson(root, file, { kind: 'drill report' });
  } catch (e) {
    if (e instanceof ParityError) return { file, problem: e.headline };
    throw e;
  }
  const r = DrillReportSchema.safeParse(json);
  if (r.success) return { file, report: r.data };
  // the top-level field only: deeper paths can hold the file's own keys
  const field = r.error.issues[0]?.path[0];
  return { file, problem: `not a drill report: ${field === undefined ? 'its top level' : String(field)} is not what a drill writes` };
}

/** The newest drill report file of a dr environment, read; none when it has never been drilled. */
export function lastDrillReport(root: string, env: string): DrillReportRead | undefined {
  const [newest] = drillReportFiles(root, env);
  return newest === undefined ? undefined : readDrillReport(root, newest);
}
