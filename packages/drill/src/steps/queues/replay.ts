/**
 * The drill's queue replay (queue.replay: archive, issue 23): before the loss, messages produced
 * through each archived queue's SNS topic as the producers' contract asks (idempotency key,
 * produced-at) and the checkpoint the consumers would publish after completing some of them (an
 * SSM parameter in the DR region); after the failover's last apply, the replay `pnpm failover
 * --replay` runs (`replayPair`, a dry run first, as the runbook says), then the count: produced
 * against delivered, per queue, in the report.
 *
 * The drill calls the DR region only after the loss: the archive, the DR queue and the checkpoint
 * are all there. What the emulator cannot show is in `REPLAY_NOTE`.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  archivedQueues,
  IDEMPOTENCY_KEY,
  PRODUCED_AT,
  REPLAYED_BY,
  type ReplayQueue,
  releaseMessages,
  replayLines,
  replayPair,
  scanQueue,
} from '@parity/dr';
import { namer, type QueueReplayCount } from '@parity/model';
import type { DrillContext } from '../../context.js';
import { stateResources } from '../../target/terraform.js';
import type { PrimaryApplied, Produced, Recovered } from '../values.js';

/** Messages a drill produces per archived queue, and how many of them the consumers have completed at the loss. */
export const PRODUCE = { n: 12, done: 8 } as const;

/** What the drill's replay cannot show on the emulator, and what it can. */
export function replayNote(emulated: boolean): string {
  return emulated
    ? 'moto delivers SNS to SQS inside one process: the cross-Region delivery into the archive (its network, its delay, a message SNS had not yet delivered at the loss) is not shown; every produced message reached the archive at once. What is shown: the fan-out the queue bundle applies, the checkpoint read from SSM in the DR region, the replay of only the newer messages into the DR queue with their attributes, and the count of distinct idempotency keys delivered.'
    : 'produced and counted against AWS: the archive delivery delay is real, but the primary region was not actually lost (the drill stops calling it).';
}

/** An SDK client's configuration: the emulator's endpoint if any, and the caller named to the drill's region fence. */
function config(region: string, endpoint: string | undefined, userAgent: string | undefined) {
  const ua = userAgent ? { customUserAgent: userAgent } : {};
  return endpoint
    ? { region, endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2, ...ua }
    : { region, ...ua };
}

/** Publish a message the way the contract asks producers to: with its idempotency key and when it was made. */
export async function publish(sns: SNSClient, topicArn: string, body: string, key: string, at: Date, signal?: AbortSignal): Promise<void> {
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: body,
      MessageAttributes: {
        [IDEMPOTENCY_KEY]: { DataType: 'String', StringValue: key },
        [PRODUCED_AT]: { DataType: 'String', StringValue: at.toISOString() },
      },
    }),
    { abortSignal: signal },
  );
}

/**
 * A drill's producer and consumers on one queue: `n` messages published to the primary's topic as
 * the contract asks (produced-at one second apart from `start`), then the checkpoint consumers would
 * publish after completing the first `done` of them, in SSM in the DR region.
 */
export async function produce(
  sns: SNSClient,
  ssm: SSMClient,
  topicArn: string,
  q: ReplayQueue,
  opts: { n: number; done: number; start: Date; prefix: string; signal?: AbortSignal },
): Promise<{ produced: number; checkpointed: number; checkpoint: string }> {
  for (let i = 0; i < opts.n; i++) {
    const at = new Date(opts.start.getTime() + i * 1000);
    await publish(sns, topicArn, JSON.stringify({ drill: opts.prefix, n: i }), `${opts.prefix}-${q.queue}-${i}`, at, opts.signal);
  }
  const checkpoint = new Date(opts.start.getTime() + (opts.done - 1) * 1000).toISOString();
  await ssm.send(new PutParameterCommand({ Name: q.checkpointParameter, Type: 'String', Value: checkpoint, Overwrite: true }), {
    abortSignal: opts.signal,
  });
  return { produced: opts.n, checkpointed: opts.done, checkpoint };
}

/** The distinct idempotency keys of the messages in a queue that `replayId` sent (received once; they stay). */
export async function deliveredKeys(sqs: SQSClient, queueName: string, replayId: string, signal?: AbortSignal): Promise<Set<string>> {
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }), { abortSignal: signal })).QueueUrl!;
  const all = await scanQueue(sqs, url, signal);
  await releaseMessages(sqs, url, all, signal);
  return new Set(
    all
      .filter((m) => m.MessageAttributes?.[REPLAYED_BY]?.StringValue === replayId)
      .map((m) => m.MessageAttributes?.[IDEMPOTENCY_KEY]?.StringValue)
      .filter((k): k is string => k !== undefined),
  );
}

/** Produced, checkpointed, replayed and delivered as one queue's count. */
export function queueCount(
  queue: string,
  made: { produced: number; checkpointed: number },
  replay: { archived: number; sent: number },
  delivered: number,
): QueueReplayCount {
  return {
    queue,
    produced: made.produced,
    checkpointed: made.checkpointed,
    archived: replay.archived,
    replayed: replay.sent,
    delivered,
    lost: Math.max(0, made.produced - made.checkpointed - delivered),
  };
}

/** `produce`: the messages and the checkpoint, before the loss; none where the primary archives no queue. */
export async function produceMessages(ctx: DrillContext, p: PrimaryApplied): Promise<Produced> {
  const { primary, dr } = ctx.pair;
  const queues = archivedQueues(primary, dr);
  return ctx.step('produce', async (s) => {
    if (queues.length === 0) {
      s.note(`${primary.name} archives no queue (queue.replay: archive): messages in flight at the loss are lost, nothing to replay`);
      return { value: 'produced', prefix: '', queues: [] };
    }
    const topicName = namer(primary.platform, primary.name);
    const topics = stateResources(p.primary.dir).filter((r) => r.type === 'aws_sns_topic');
    const sns = new SNSClient(config(primary.region, p.endpoint, ctx.caller('Publish')));
    const ssm = new SSMClient(config(dr.region, p.endpoint, ctx.caller('PutParameter (the checkpoint)')));
    const prefix = `drill-${ctx.stamp}`.toLowerCase();
    const start = new Date(ctx.now().getTime() - PRODUCE.n * 1000);
    try {
      const made: Array<Produced['queues'][number]> = [];
      for (const q of queues) {
        const name = topicName('aws.snsTopic', q.queue);
        const arn = topics.find((r) => r.values.name === name)?.values.arn as string | undefined;
        if (!arn) {
          s.note(`${q.queue}: no topic ${name} in ${primary.name}'s state: not produced`);
          continue;
        }
        s.update(`${q.queue}: publishing ${PRODUCE.n} messages to ${name}`);
        const r = await produce(sns, ssm, arn, q, { ...PRODUCE, start, prefix, signal: s.signal });
        made.push({ queue: q, produced: r.produced, checkpointed: r.checkpointed });
        s.note(
          `${q.queue}: ${r.produced} produced, checkpoint ${r.checkpoint} (after ${r.checkpointed}) in SSM ${q.checkpointParameter}, ${dr.region}`,
        );
      }
      return { value: 'produced', prefix, queues: made };
    } finally {
      sns.destroy();
      ssm.destroy();
    }
  });
}

/** `replay`: after the last apply, the replay as `pnpm failover --replay` runs it (a dry run first), then produced against delivered. */
export async function replayMessages(ctx: DrillContext, r: Recovered, produced: Produced): Promise<Recovered> {
  const { primary, dr } = ctx.pair;
  const endpoint = r.primary.endpoint;
  return ctx.step('replay', async (s) => {
    if (produced.queues.length === 0) {
      s.note(`${primary.name} archives no queue: nothing to replay`);
      return r;
    }
    const replayId = `${produced.prefix}-replay`;
    const ua = ctx.caller('pnpm failover --replay');
    const opts = { ...(endpoint ? { endpoint } : {}), ...(ua ? { userAgent: ua } : {}), replayId, signal: s.signal };
    const dry = await replayPair(primary, dr, { ...opts, dryRun: true });
    for (const l of replayLines(dry, true)) s.note(`dry run: ${l}`);
    const sent = await replayPair(primary, dr, { ...opts, dryRun: false });
    for (const l of replayLines(sent, false)) s.note(l);
    const sqs = new SQSClient(config(dr.region, endpoint, ctx.caller('ReceiveMessage (the count)')));
    try {
      const counts: QueueReplayCount[] = [];
      for (const made of produced.queues) {
        const done = sent.find((x) => x.queue === made.queue.queue) ?? { archived: 0, sent: 0 };
        const keys = await deliveredKeys(sqs, made.queue.target, replayId, s.signal);
        const ours = [...keys].filter((k) => k.startsWith(`${produced.prefix}-`)).length;
        counts.push(queueCount(made.queue.queue, made, done, ours));
      }
      ctx.report.queues = { counts, note: replayNote(ctx.emulated) };
      if (ctx.emulated) {
        ctx.report.notExercised.push({
          what: `cross-Region delivery of ${produced.queues.map((q) => q.queue.queue).join(', ')} into the archives in ${dr.region}`,
          env: primary.name,
          why: 'moto delivers SNS to SQS inside one process, at once: the network between the regions, the delivery delay (the queue RPO check budgets a minute) and a message not yet delivered at the loss are not shown',
        });
      }
      for (const c of counts)
        s.note(`${c.queue}: ${c.produced} produced, ${c.checkpointed} checkpointed, ${c.delivered} delivered, ${c.lost} lost`);
      return r;
    } finally {
      sqs.destroy();
    }
  });
}
