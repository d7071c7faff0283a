/**
 * The queue replay's plan, without the AWS SDK: which queues a pair archives, where each archive and
 * target are (by the naming helper), and the runbook's replay step. The runbook, the failover
 * procedure and `pnpm check` read this; `replay.ts` holds the replay itself (SQS, SSM).
 */
import { namer, type ResolvedEnvironment } from '@parity/model';

/** One queue's archive and where its messages go at failover. */
export interface ReplayQueue {
  readonly queue: string;
  /** The archive queue in the DR region (the primary's). */
  readonly archive: string;
  /** The DR environment's queue. */
  readonly target: string;
  /** Where consumers publish their checkpoint: an SSM parameter in the DR region. */
  readonly checkpointParameter: string;
}

/** The archives of a pair, named by the one naming helper (nothing is read from the lost region). */
export function replayQueues(platform: string, primary: string, dr: string, queues: readonly string[]): ReplayQueue[] {
  const p = namer(platform, primary);
  const d = namer(platform, dr);
  return queues.map((queue) => ({
    queue,
    archive: p('aws.sqsQueue', queue, 'archive'),
    target: d('aws.sqsQueue', queue),
    checkpointParameter: `/${platform}/${primary}/queue/${queue}/checkpoint`,
  }));
}

/** What one queue's replay found and did. */
export interface ReplayResult {
  readonly queue: string;
  /** The checkpoint it replayed after (undefined: none published, everything replayed). */
  readonly checkpoint?: string;
  /** Messages in the archive. */
  readonly archived: number;
  /** Of those, newer than the checkpoint: what the replay sends (or, dry run, would send). */
  readonly newer: number;
  /** Sent to the DR queue and deleted from the archive (0 on a dry run). */
  readonly sent: number;
}

/** Whether the primary archives its queues' messages (queue.replay: archive), on either cloud. */
export function archivesQueues(primary: ResolvedEnvironment): readonly string[] {
  const q = primary.bundles.find((b) => b.name === 'queue');
  return q?.params['replay'] === 'archive' ? ((q.params['queues'] as string[] | undefined) ?? []) : [];
}

/** The queues of a pair whose primary archives every message (queue.replay: archive), by the naming helper. */
export function archivedQueues(primary: ResolvedEnvironment, dr: ResolvedEnvironment): ReplayQueue[] {
  if (primary.cloud !== 'aws' || !primary.drTargets.some((t) => t.name === dr.name)) return [];
  return replayQueues(primary.platform, primary.name, dr.name, archivesQueues(primary));
}

/** One line per queue: what the replay found and did (or, dry run, would do). */
export function replayLines(results: readonly ReplayResult[], dryRun: boolean): string[] {
  return results.map(
    (r) =>
      `${r.queue}: ${r.archived} archived, ${r.newer} newer than ${r.checkpoint ? `the checkpoint ${r.checkpoint}` : 'any checkpoint (none published: all)'}${dryRun ? ` would be replayed` : `, ${r.sent} replayed`}`,
  );
}

/**
 * The runbook's replay step for the pair: on AWS `pnpm failover --replay` (after the apply, so the DR
 * queues exist); on GCP the commands to read the archive bucket and publish to the DR topics, which
 * Parity does not run itself.
 */
export function replayProcedure(primary: ResolvedEnvironment, dr: ResolvedEnvironment): { text: string; commands: string[] } | undefined {
  const queues = archivesQueues(primary);
  if (queues.length === 0) return undefined;
  if (primary.cloud === 'aws') {
    return {
      text: `Replay what consumers had not checkpointed (${queues.join(', ')}): the archive queues in ${dr.region} hold every message ${primary.name}'s topics delivered; each message newer than the queue's checkpoint (SSM \`/${primary.platform}/${primary.name}/queue/<queue>/checkpoint\` in ${dr.region}) is sent to ${dr.name}'s queue, once.`,
      commands: [
        `pnpm failover ${dr.name} --aws --replay --dry-run   # per queue: archived, newer than the checkpoint`,
        `pnpm failover ${dr.name} --aws --replay             # after the apply: sends them, deletes each sent one from the archive`,
      ],
    };
  }
  const bucket = namer(primary.platform, primary.name)('gcp.storageBucket', 'queue-archive', dr.region);
  return {
    text: `Replay what consumers had not checkpointed (${queues.join(', ')}): the bucket ${bucket} in ${dr.region} holds every message as Avro (data, attributes idempotency-key and produced-at, publish_time), one folder per queue. Publish each message whose produced-at is after the consumers' checkpoint to ${dr.name}'s topic, with its attributes (Parity does not run this on GCP).`,
    // every line runs as written (the runbook's commands test); the publish of each record is described, not templated
    commands: queues.flatMap((queue) => [
      `gcloud storage ls -l gs://${bucket}/${queue}/   # the archive's files: those written after the checkpoint (less a minute) hold what to replay`,
      `gcloud storage cp -r gs://${bucket}/${queue}/ replay/${queue}/   # Avro records: data, attributes (idempotency-key, produced-at), publish_time`,
      `# publish each record whose produced-at is after the checkpoint to projects/${dr.gcpProject ?? dr.name}/topics/${namer(primary.platform, dr.name)('gcp.pubsubTopic', queue)}, with its data and both attributes (gcloud pubsub topics publish --message --attribute)`,
    ]),
  };
}
