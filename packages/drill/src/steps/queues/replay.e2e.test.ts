/**
 * The queue replay against a real moto server: the queue bundle's fan-out made by hand (an SNS topic
 * in the primary region delivering raw to the queue there and, across Regions, to the archive in the
 * DR region), messages published as the contract asks, a checkpoint in SSM in the DR region, then
 * the replay: the dry run counts, the replay sends what is newer exactly once, a second run sends
 * nothing. moto delivers SNS to SQS inside one process: the network between two regions is not shown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archivedQueues,
  IDEMPOTENCY_KEY,
  readCheckpoint,
  REPLAYED_BY,
  type ReplayQueue,
  replayArchive,
  replayPair,
  replayQueues,
  resolvePair,
} from '@parity/dr';
import { fleetWorkspace, fleetEnvironmentsAsync, STAMP_TIMEOUT } from '@parity/testkit';
import { startMoto, type Moto } from '../../target/moto.js';
import { deliveredKeys, produce, queueCount } from './replay.js';

// The tests' fleet stamped (or waited for) without blocking the worker first: fleetWorkspace() then
// copies it; a worker blocked for a minute on a loaded machine trips vitest's RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

// the pinned SDK supports Node 20; its notice about 2027 would only clutter the output
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const T0 = Date.parse('2026-11-28T14:00:00Z');
const N = 8;
const CHECKPOINT = new Date(T0 + 4_000).toISOString();

let moto: Moto;
let dir: string;
let primary: SQSClient;
let dr: SQSClient;
let ssm: SSMClient;
let sns: SNSClient;
let topicArn: string;
const [orders] = replayQueues('acme', 'prod-use1', 'dr-usw2', ['orders']);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parity-replay-'));
  moto = await startMoto({ log: join(dir, 'moto.log') });
  const config = (region: string) => ({ region, endpoint: moto.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  primary = new SQSClient(config('us-east-1'));
  dr = new SQSClient(config('us-west-2'));
  ssm = new SSMClient(config('us-west-2'));
  sns = new SNSClient(config('us-east-1'));
  topicArn = await fanOut(orders!, 'acme-prod-use1-orders');
}, 60_000);

afterAll(async () => {
  for (const c of [primary, dr, ssm, sns]) c?.destroy();
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The queue bundle's fan-out, made by hand: a topic delivering raw to the queue and, across Regions, to the archive. */
async function fanOut(q: ReplayQueue, name: string): Promise<string> {
  const queue = (await primary.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const archive = (await dr.send(new CreateQueueCommand({ QueueName: q.archive }))).QueueUrl!;
  await dr.send(new CreateQueueCommand({ QueueName: q.target }));
  const topic = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
  for (const [client, url] of [
    [primary, queue],
    [dr, archive],
  ] as const) {
    const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes![
      'QueueArn'
    ]!;
    await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: arn, Attributes: { RawMessageDelivery: 'true' } }));
  }
  return topic;
}

async function drain(url: string): Promise<Array<{ key?: string; replayedBy?: string; body?: string }>> {
  const out: Array<{ key?: string; replayedBy?: string; body?: string }> = [];
  for (;;) {
    const r = await dr.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    if (!r.Messages?.length) return out;
    for (const m of r.Messages)
      out.push({
        key: m.MessageAttributes?.[IDEMPOTENCY_KEY]?.StringValue,
        replayedBy: m.MessageAttributes?.[REPLAYED_BY]?.StringValue,
        body: m.Body,
      });
  }
}

describe('queue replay on moto', () => {
  it('names the archive, the DR queue and the checkpoint with the one naming helper', () => {
    expect(orders).toEqual({
      queue: 'orders',
      archive: 'acme-prod-use1-orders-archive',
      target: 'acme-dr-usw2-orders',
      checkpointParameter: '/acme/prod-use1/queue/orders/checkpoint',
    });
  });

  it('reads no checkpoint before consumers publish one, then theirs', async () => {
    expect(await readCheckpoint(ssm, orders!.checkpointParameter)).toBeUndefined();
    // N messages through the topic, as the contract asks; consumers done with the first five (produced at T0+0..4 s)
    const made = await produce(sns, ssm, topicArn, orders!, { n: N, done: 5, start: new Date(T0), prefix: 'order' });
    expect(made).toEqual({ produced: N, checkpointed: 5, checkpoint: CHECKPOINT });
    expect(await readCheckpoint(ssm, orders!.checkpointParameter)).toBe(CHECKPOINT);
  });

  it('counts on a dry run what it would replay, and changes nothing', async () => {
    const r = await replayArchive(dr, orders!, CHECKPOINT, { dryRun: true, replayId: 'dry' });
    // produced at T0+0..7 s, checkpoint at T0+4 s: 5, 6, 7 are newer
    expect(r).toEqual({ queue: 'orders', checkpoint: CHECKPOINT, archived: N, newer: 3, sent: 0 });
    const again = await replayArchive(dr, orders!, CHECKPOINT, { dryRun: true, replayId: 'dry' });
    expect(again.archived).toBe(N);
  });

  it('sends what is newer than the checkpoint into the DR queue, once, with its idempotency key', async () => {
    const r = await replayArchive(dr, orders!, CHECKPOINT, { dryRun: false, replayId: 'failover-1' });
    expect(r).toMatchObject({ archived: N, newer: 3, sent: 3 });
    // what the drill counts: distinct keys this replay delivered, the messages left in place
    expect([...(await deliveredKeys(dr, orders!.target, 'failover-1'))].sort()).toEqual([
      'order-orders-5',
      'order-orders-6',
      'order-orders-7',
    ]);
    const target = `${moto.url}/123456789012/${orders!.target}`;
    const delivered = await drain(target);
    expect(delivered.map((m) => m.key).sort()).toEqual(['order-orders-5', 'order-orders-6', 'order-orders-7']);
    expect(delivered.every((m) => m.replayedBy === 'failover-1')).toBe(true);
    expect(delivered.map((m) => JSON.parse(m.body!).n).sort()).toEqual([5, 6, 7]);
    // a second run finds them gone from the archive: nothing is sent twice
    const second = await replayArchive(dr, orders!, CHECKPOINT, { dryRun: false, replayId: 'failover-2' });
    expect(second).toMatchObject({ archived: N - 3, newer: 0, sent: 0 });
    expect(await drain(target)).toEqual([]);
  });

  it('replays everything archived when no checkpoint was published', async () => {
    const all = await replayArchive(dr, orders!, undefined, { dryRun: true, replayId: 'dry' });
    expect(all).toEqual({ queue: 'orders', archived: N - 3, newer: N - 3, sent: 0 });
  });
});

describe("the drill's produce and replay steps on moto, for the example fleet's dr-usw2", () => {
  it('produce N, checkpoint after K, replay as pnpm failover --replay does (a dry run first), and count produced against delivered', async () => {
    const { root, cleanup } = fleetWorkspace();
    try {
      const pair = await resolvePair(root, 'dr-usw2');
      const queues = archivedQueues(pair.primary, pair.dr);
      expect(queues.map((q) => q.queue)).toEqual(['orders', 'events']);
      const events = queues[1]!;
      const arn = await fanOut(events, 'acme-prod-use1-events');
      const made = await produce(sns, ssm, arn, events, { n: 12, done: 8, start: new Date(T0), prefix: 'drill-x' });
      const opts = { endpoint: moto.url, replayId: 'drill-x-replay' };
      // orders was replayed by the tests above (3 sent, 5 older stay); events is this drill's
      const dry = await replayPair(pair.primary, pair.dr, { ...opts, dryRun: true });
      expect(dry.find((r) => r.queue === 'events')).toMatchObject({ archived: 12, newer: 4, sent: 0 });
      const sent = await replayPair(pair.primary, pair.dr, { ...opts, dryRun: false });
      const ev = sent.find((r) => r.queue === 'events')!;
      expect(ev).toMatchObject({ archived: 12, newer: 4, sent: 4 });
      const delivered = await deliveredKeys(dr, events.target, 'drill-x-replay');
      expect(queueCount('events', made, ev, delivered.size)).toEqual({
        queue: 'events',
        produced: 12,
        checkpointed: 8,
        archived: 12,
        replayed: 4,
        delivered: 4,
        lost: 0,
      });
    } finally {
      cleanup();
    }
  }, 180_000);

  it('counts a message produced after the checkpoint that never arrived as lost', () => {
    expect(queueCount('orders', { produced: 12, checkpointed: 8 }, { archived: 11, sent: 3 }, 3).lost).toBe(1);
    expect(queueCount('orders', { produced: 12, checkpointed: 8 }, { archived: 12, sent: 4 }, 4).lost).toBe(0);
  });
});
