/**
 * The replay as the day's procedure and runbook carry it, for each strategy through the same
 * code: a replay step after the apply where the primary archives its queues (queue.replay:
 * archive), none without; the runbook's "what is lost" with and without archives; the archives'
 * names from the one naming helper. The replay itself runs against moto in @parity/drill
 * (steps/queues/replay.test.ts), where the emulator is.
 */
import type { TerraformJson } from '@parity/model/terraform';
import { fleetWorkspace, fleetEnvironmentsAsync, STAMP_TIMEOUT } from '@parity/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, resolvePair } from '../pair.js';
import { queueLoss } from '../runbook/runbook.js';
import { strategyFor } from '../strategy/strategies.js';
import { failoverProcedure } from './procedure.js';
import { archivedQueues, archivesQueues, replayLines, replayProcedure } from './replay-plan.js';

// The tests' fleet stamped (or waited for) without blocking the worker first: fleetWorkspace() then
// copies it; a worker blocked for a minute on a loaded machine trips vitest's RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

let root: string;
let cleanup: () => void;
let pairs: Pair[];
beforeAll(async () => {
  ({ root, cleanup } = fleetWorkspace());
  pairs = [await resolvePair(root, 'dr-usw2'), await resolvePair(root, 'dr-euc1')];
}, 120_000);
afterAll(() => cleanup());

/** The pair with the primary's queues not archived (queue.replay: none). */
function withoutArchive(p: Pair): Pair {
  const bundles = p.primary.bundles.map((b) => (b.name === 'queue' ? { ...b, params: { ...b.params, replay: 'none' } } : b));
  return { ...p, primary: { ...p.primary, bundles } };
}

const empty = { resource: {} } as unknown as TerraformJson;

describe('queue replay in the failover procedure', () => {
  it("puts the replay after the apply, before traffic, in each strategy's first step, with pnpm failover --replay", () => {
    for (const pair of pairs) {
      const s = strategyFor(pair.dr);
      const first = s.failover.steps[0]!.step;
      const ids = failoverProcedure(pair, first, empty, empty, s).map((x) => x.id);
      expect(ids.indexOf('replay')).toBeGreaterThan(ids.indexOf('apply'));
      expect(ids.indexOf('replay')).toBe(ids.indexOf('traffic') - 1);
      const replay = failoverProcedure(pair, first, empty, empty, s).find((x) => x.id === 'replay')!;
      expect(replay.commands).toEqual([
        expect.stringMatching(new RegExp(`^pnpm failover ${pair.dr.name} --aws --replay --dry-run`)),
        expect.stringMatching(new RegExp(`^pnpm failover ${pair.dr.name} --aws --replay `)),
      ]);
      // the later steps of a replica pair do not replay again
      for (const later of s.failover.steps.slice(1))
        expect(failoverProcedure(pair, later.step, empty, empty, s).map((x) => x.id)).not.toContain('replay');
    }
  });

  it('has no replay step where the primary archives no queue', () => {
    for (const pair of pairs.map(withoutArchive)) {
      const s = strategyFor(pair.dr);
      expect(failoverProcedure(pair, s.failover.steps[0]!.step, empty, empty, s).map((x) => x.id)).not.toContain('replay');
      expect(replayProcedure(pair.primary, pair.dr)).toBeUndefined();
      expect(archivedQueues(pair.primary, pair.dr)).toEqual([]);
    }
  });

  it("names each archive, the DR queue and the consumers' checkpoint by the naming helper", () => {
    const [usw2] = pairs;
    expect(archivesQueues(usw2!.primary)).toEqual(['orders', 'events']);
    expect(archivedQueues(usw2!.primary, usw2!.dr)[0]).toEqual({
      queue: 'orders',
      archive: 'acme-prod-use1-orders-archive',
      target: 'acme-dr-usw2-orders',
      checkpointParameter: '/acme/prod-use1/queue/orders/checkpoint',
    });
  });
});

describe("the runbook's what is lost", () => {
  it('says in-flight messages are lost with the region without archives, naming the queues', () => {
    const text = queueLoss(withoutArchive(pairs[0]!), ['acme-prod-use1-orders'], 1);
    expect(text).toMatch(
      /^Queues are not replicated\. Messages in flight in us-east-1 at the loss are lost with the region: `acme-prod-use1-orders`/,
    );
    expect(text).toContain('queue.replay: archive');
  });

  it('with archives, names the replay step and what is still lost', () => {
    const text = queueLoss(pairs[0]!, ['acme-prod-use1-orders'], 6);
    expect(text).toContain('archive queue in us-west-2');
    expect(text).toContain("Step 6 replays into dr-usw2's queues each archived message newer than the consumers' checkpoint");
    expect(text).toContain('Lost: messages SNS had not delivered to the archive at the loss');
  });

  it('says so when the primary has no queue', () => {
    expect(queueLoss(pairs[0]!, [], 6)).toBe('prod-use1 defines no queues.');
  });
});

describe('replay lines', () => {
  it('say per queue what was archived, what is newer than the checkpoint, and what was (or would be) sent', () => {
    const r = [{ queue: 'orders', checkpoint: '2026-11-28T14:00:04.000Z', archived: 8, newer: 3, sent: 3 }];
    expect(replayLines(r, false)).toEqual(['orders: 8 archived, 3 newer than the checkpoint 2026-11-28T14:00:04.000Z, 3 replayed']);
    expect(replayLines([{ queue: 'events', archived: 2, newer: 2, sent: 0 }], true)).toEqual([
      'events: 2 archived, 2 newer than any checkpoint (none published: all) would be replayed',
    ]);
  });
});
