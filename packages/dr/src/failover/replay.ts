/**
 * The queue replay of a failover: what the archive in the DR region holds that consumers had not
 * checkpointed, sent into the DR environment's queue (see docs/failover-failback.md, "Queues:
 * replaying what was in flight").
 *
 * The archive is an SQS queue in the DR region that the primary's SNS topic delivered every message
 * to (the queue bundle's `replay: archive`). Producers set `produced-at` (ISO 8601) and
 * `idempotency-key`; consumers publish their checkpoint (the `produced-at` of the newest message
 * they completed). The replay reads the whole archive once (each message made invisible for the
 * scan, so it is seen once), sends every message newer than the checkpoint to the DR queue with its
 * attributes, and deletes it from the archive once sent: a second run sends nothing twice, and a
 * crash between the send and the delete makes one duplicate, which the idempotency key absorbs.
 * Older messages are made visible again and stay. `dryRun` counts and changes nothing.
 *
 * `pnpm failover` counts what it would replay in its plan (the archive is in the DR region in
 * peacetime); `pnpm failover <dr-env> --replay`, run after the apply as the procedure's replay step
 * says, sends it (`--dry-run` counts). A drill runs the same `replayPair`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ResolvedEnvironment } from '@parity/model';
import { archivedQueues, type ReplayQueue, type ReplayResult } from './replay-plan.js';

/** The message attribute producers set: when the message was made (ISO 8601). */
export const PRODUCED_AT = 'produced-at';
/** The message attribute producers set: the same for a message sent again. */
export const IDEMPOTENCY_KEY = 'idempotency-key';
/** The attribute the replay adds: which replay sent the message again. */
export const REPLAYED_BY = 'parity-replayed-by';

/** Long enough for one scan of the archive: a message received once is not received again in it. */
const SCAN_VISIBILITY_SECONDS = 300;
/** SQS batches hold at most ten entries. */
const BATCH = 10;

/** When a message was produced: its `produced-at`, else when SQS received it in the archive. */
export function producedAt(m: Message): Date | undefined {
  const own = m.MessageAttributes?.[PRODUCED_AT]?.StringValue;
  const t = own ? Date.parse(own) : Number(m.Attributes?.['SentTimestamp']);
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** Every message of a queue, each received once (made invisible for the scan). */
export async function scanQueue(sqs: SQSClient, url: string, signal?: AbortSignal): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: BATCH,
        VisibilityTimeout: SCAN_VISIBILITY_SECONDS,
        // long polling asks every SQS server: an empty answer means nothing is left to see
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
      { abortSignal: signal },
    );
    const got = (r.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (got.length === 0) return [...seen.values()];
    for (const m of got) seen.set(m.MessageId!, m);
  }
}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** Make received messages visible again (they stay in the archive). */
export async function releaseMessages(sqs: SQSClient, url: string, messages: readonly Message[], signal?: AbortSignal): Promise<void> {
  for (const b of batches(messages)) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: b.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
      { abortSignal: signal },
    );
  }
}

/** Send messages to the DR queue with their attributes, then delete each one sent from the archive. */
async function move(
  sqs: SQSClient,
  from: string,
  to: string,
  messages: readonly Message[],
  replayId: string,
  signal?: AbortSignal,
): Promise<Set<Message>> {
  const sent = new Set<Message>();
  for (const b of batches(messages)) {
    const r = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: to,
        Entries: b.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          MessageAttributes: {
            ...(m.MessageAttributes as Record<string, MessageAttributeValue> | undefined),
            [REPLAYED_BY]: { DataType: 'String', StringValue: replayId },
          },
        })),
      }),
      { abortSignal: signal },
    );
    const ok = (r.Successful ?? []).map((s) => b[Number(s.Id)]!);
    if (ok.length === 0) continue;
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: from, Entries: ok.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      { abortSignal: signal },
    );
    for (const m of ok) sent.add(m);
  }
  return sent;
}

/**
 * Replay one queue's archive after `checkpoint` into its DR queue (both in the DR region, reached
 * through `sqs`). Messages that failed to send stay in the archive, visible again for the next run.
 */
export async function replayArchive(
  sqs: SQSClient,
  q: ReplayQueue,
  checkpoint: string | undefined,
  opts: { dryRun: boolean; replayId: string; signal?: AbortSignal },
): Promise<ReplayResult> {
  const urlOf = async (name: string) =>
    (await sqs.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal: opts.signal })).QueueUrl!;
  const archive = await urlOf(q.archive);
  const all = await scanQueue(sqs, archive, opts.signal);
  const after = checkpoint === undefined ? undefined : Date.parse(checkpoint);
  const isNewer = (m: Message) => after === undefined || (producedAt(m)?.getTime() ?? Number.POSITIVE_INFINITY) > after;
  const newer = all.filter(isNewer);
  const base = { queue: q.queue, ...(checkpoint !== undefined ? { checkpoint } : {}), archived: all.length, newer: newer.length };
  if (opts.dryRun) {
    await releaseMessages(sqs, archive, all, opts.signal);
    return { ...base, sent: 0 };
  }
  const sent = await move(sqs, archive, await urlOf(q.target), newer, opts.replayId, opts.signal);
  // what was not sent (older than the checkpoint, or refused by SQS) stays, visible again
  await releaseMessages(
    sqs,
    archive,
    all.filter((m) => !sent.has(m)),
    opts.signal,
  );
  return { ...base, sent: sent.size };
}

/** The checkpoint consumers published for a queue (an SSM parameter in the DR region), if any. */
export async function readCheckpoint(ssm: SSMClient, parameter: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const r = await ssm.send(new GetParameterCommand({ Name: parameter }), { abortSignal: signal });
    return r.Parameter?.Value || undefined;
  } catch (e) {
    if ((e as { name?: string }).name === 'ParameterNotFound') return undefined;
    throw e;
  }
}

/**
 * The replay step of a failover, for every archived queue of the pair, in the DR region: against an
 * emulator (`endpoint`) or the ambient credentials. `dryRun` counts and changes nothing. `userAgent`
 * is appended to every request's User-Agent (a drill names the caller to its region fence).
 */
export async function replayPair(
  primary: ResolvedEnvironment,
  dr: ResolvedEnvironment,
  opts: { endpoint?: string; dryRun: boolean; replayId: string; signal?: AbortSignal; userAgent?: string },
): Promise<ReplayResult[]> {
  const queues = archivedQueues(primary, dr);
  if (queues.length === 0) return [];
  const ua = opts.userAgent ? { customUserAgent: opts.userAgent } : {};
  const config = opts.endpoint
    ? { region: dr.region, endpoint: opts.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2, ...ua }
    : { region: dr.region, ...ua };
  const sqs = new SQSClient(config);
  const ssm = new SSMClient(config);
  try {
    const out: ReplayResult[] = [];
    for (const q of queues) {
      const checkpoint = await readCheckpoint(ssm, q.checkpointParameter, opts.signal);
      out.push(await replayArchive(sqs, q, checkpoint, opts));
    }
    return out;
  } finally {
    sqs.destroy();
    ssm.destroy();
  }
}
