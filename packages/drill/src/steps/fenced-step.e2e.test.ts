/**
 * The deliberately broken case: a failover step that reads the lost region. Behind the drill's
 * region fence (in front of a real moto server, with the drill's own context, step runner and
 * SDK clients) the same read passes before the loss and, after it, fails the step at once with a
 * `region-fenced` refusal naming the caller; the report lists the request as needed by the step.
 * A read of the surviving region in a step after the loss passes.
 *
 * Needs moto_server (moto 5.2.1): skipped locally without it, FAILS under CI=true.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import type { Pair } from '@parity/dr';
import { clients } from '@parity/dr/aws';
import { ParityError } from '@parity/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrillContext } from '../context.js';
import { startFence } from '../fence/index.js';
import { motoCommand, startMoto, type Moto } from '../target/moto.js';
import { hasMoto as probeMoto } from '../target/testing.js';

const CI = process.env.CI === 'true';
const hasMoto = await probeMoto();

const pair = {
  primary: { name: 'prod-use1', region: 'us-east-1' },
  dr: { name: 'dr-usw2', region: 'us-west-2', dr: { policy: 'important', strategy: 'pilot-light', rpoMinutes: 240, rtoMinutes: 120 } },
} as unknown as Pair;

const unused = () => Promise.reject(new Error('not used by this test'));

describe.skipIf(!hasMoto && !CI)('a drill step that reads the lost region', () => {
  let root: string;
  let moto: Moto;
  let ctx: DrillContext;

  beforeAll(async () => {
    if (!hasMoto) throw new Error(`${motoCommand()} is not on PATH: install moto 5.2.1 (pip install 'moto[server]==5.2.1')`);
    root = mkdtempSync(join(tmpdir(), 'parity-fenced-step-'));
    moto = await startMoto({ log: join(root, 'moto.log') });
    ctx = DrillContext.open(
      { root, drEnv: 'dr-usw2', target: { kind: 'endpoint', url: moto.url } },
      { runCheck: unused, synth: unused, terraformEnv: (extra) => ({ ...process.env, ...extra }) },
      pair,
    );
    ctx.guard(await startFence({ upstream: moto.url, log: join(ctx.work, 'fenced.jsonl') }), 'us-east-1');
  });

  afterAll(async () => {
    await ctx?.release();
    await moto?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** What the broken step does: read the primary's database in us-east-1, as a failover step must not. */
  const readLostPrimary = async () => {
    const c = clients('us-east-1', ctx.fence!.url, ctx.caller('DescribeDBInstances of the primary'));
    try {
      return await c.rds.send(new DescribeDBInstancesCommand({}));
    } finally {
      c.destroy();
    }
  };

  it('passes before the loss; after it the step fails at once, naming its caller, and the report lists the request', async () => {
    await expect(ctx.step('marker', readLostPrimary)).resolves.toMatchObject({ DBInstances: [] });
    expect(ctx.report.fence?.refused).toEqual([]);

    ctx.fence!.fence('us-east-1');
    const e = await ctx.step('promote', readLostPrimary).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ParityError);
    const err = e as ParityError;
    expect(err.kinds).toEqual(['region-fenced']);
    expect(err.headline).toBe(
      'promote: DescribeDBInstances of the primary called rds DescribeDBInstances in us-east-1, which the drill has lost (region-lost): the failover needs the lost region',
    );
    expect(ctx.rec('promote')).toMatchObject({ status: 'failed' });
    expect(ctx.rec('promote').error).toContain('promote: DescribeDBInstances of the primary called rds DescribeDBInstances in us-east-1');
    // the SDK retries a 503 once (maxAttempts 2): each attempt is listed
    const refused = ctx.report.fence?.refused ?? [];
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused)
      expect(r).toEqual(
        expect.objectContaining({
          reason: 'region-lost',
          region: 'us-east-1',
          service: 'rds',
          action: 'DescribeDBInstances',
          caller: 'promote: DescribeDBInstances of the primary',
          step: 'promote',
          needed: true,
        }),
      );
  });

  it('lets a step read the surviving region after the loss', async () => {
    const c = clients('us-west-2', ctx.fence!.url);
    try {
      await expect(c.sqs.send(new ListQueuesCommand({}))).resolves.toBeDefined();
    } finally {
      c.destroy();
    }
    expect(ctx.fence!.forwarded['us-west-2']).toBeGreaterThan(0);
  });
});
