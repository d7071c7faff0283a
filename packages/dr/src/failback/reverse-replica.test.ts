/**
 * The wait for the reverse replica of `pnpm failback --aws` against recorded responses in the
 * shapes the APIs answer (RDS query/XML, CloudWatch JSON 1.0): within the RPO, then lag 0 read
 * after the fence, refused at the timeout. The same code runs against moto in `pnpm drill --failback`.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { type ReverseWait, waitForReverseCopy } from './reverse-replica.js';
import { type RecordedAnswer, recordedConfig, recordedHandler, refusal } from '@parity/testkit';

const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const instance: RecordedAnswer = {
  body: `<DescribeDBInstancesResponse xmlns="${NS}"><DescribeDBInstancesResult><DBInstances><DBInstance>
    <DBInstanceIdentifier>acme-prod-use1-db</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus>
    <DBInstanceArn>arn:aws:rds:us-east-1:123456789012:db:acme-prod-use1-db</DBInstanceArn>
    <ReadReplicaSourceDBInstanceIdentifier>arn:aws:rds:us-west-2:123456789012:db:acme-dr-usw2-db</ReadReplicaSourceDBInstanceIdentifier>
    </DBInstance></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`,
};
const lag = (points: Array<[string, number]>): RecordedAnswer => ({
  body: JSON.stringify({
    Label: 'ReplicaLag',
    Datapoints: points.map(([t, v]) => ({ Timestamp: new Date(t).getTime() / 1000, Maximum: v, Unit: 'Seconds' })),
  }),
});

function wait(answers: Record<string, RecordedAnswer>, over: Partial<ReverseWait> = {}) {
  const { handler, sent } = recordedHandler(answers);
  const cfg = recordedConfig(handler, 'us-east-1');
  const w: ReverseWait = {
    rds: new RDSClient(cfg),
    cloudwatch: new CloudWatchClient(cfg),
    identifier: 'acme-prod-use1-db',
    env: 'prod-use1',
    region: 'us-east-1',
    rpoMinutes: 15,
    until: 'rpo',
    acceptUnknownLag: false,
    waitMs: 50,
    pollMs: 10,
    now: () => new Date('2026-11-29T09:00:00Z'),
    ...over,
  };
  return { w, sent };
}

describe('the wait for the reverse replica in the primary region', () => {
  it('returns once its lag is within the RPO, read through the region that now receives the data', async () => {
    const { w, sent } = wait({ DescribeDBInstances: instance, GetMetricStatistics: lag([['2026-11-29T08:59:00Z', 120]]) });
    const lines: string[] = [];
    const p = await waitForReverseCopy({ ...w, log: (l) => lines.push(l) });
    expect(p).toMatchObject({ identifier: 'acme-prod-use1-db', lagSeconds: 120, source: expect.stringContaining(':us-west-2:') });
    expect(sent.map((s) => s.operation)).toEqual(['DescribeDBInstances', 'GetMetricStatistics']);
    expect(sent[1]!.body).toContain('acme-prod-use1-db');
    expect(lines[0]).toMatch(/lag 2 min — within the 15 min RPO/);
  });

  it('after the fence, counts lag 0 only from a datapoint taken after it', async () => {
    const since = new Date('2026-11-29T08:59:30Z');
    const stale = wait(
      { DescribeDBInstances: instance, GetMetricStatistics: lag([['2026-11-29T08:59:00Z', 0]]) },
      { until: 'zero', since },
    );
    const e = await refusal(waitForReverseCopy(stale.w));
    expect(e.kinds[0]).toBe('reverse-copy-behind');
    expect(e.issues[0]).toMatchObject({
      file: 'environments/prod-use1/environment.yaml',
      path: 'failback.step',
      value: 'acme-prod-use1-db',
    });
    expect(e.issues[0]!.fix).toMatch(/every writer of the dr environment has stopped/);
    const fresh = wait(
      { DescribeDBInstances: instance, GetMetricStatistics: lag([['2026-11-29T09:00:00Z', 0]]) },
      { until: 'zero', since },
    );
    expect((await waitForReverseCopy(fresh.w)).lagSeconds).toBe(0);
  });

  it('fails at the timeout when the lag stays above the RPO, showing it against the RPO', async () => {
    const { w } = wait({ DescribeDBInstances: instance, GetMetricStatistics: lag([['2026-11-29T08:59:00Z', 3600]]) });
    const e = await refusal(waitForReverseCopy(w));
    expect(e.headline).toMatch(/is not within the 15 min RPO after 0 min: .*lag 60 min — OLDER than the 15 min RPO/);
  });

  it('fails when the instance is not a replica of the dr database: re-protection was not applied', async () => {
    const { w } = wait(
      { DescribeDBInstances: instance, GetMetricStatistics: lag([]) },
      { source: 'acme-other-db', acceptUnknownLag: true },
    );
    const e = await refusal(waitForReverseCopy(w));
    expect(e.headline).toMatch(
      /acme-prod-use1-db in us-east-1 is not a read replica of acme-other-db \(it replicates arn:aws:rds:us-west-2:/,
    );
    expect(e.issues[0]!.fix).toMatch(/apply failback\.step reprotect first/);
    const ok = wait({ DescribeDBInstances: instance, GetMetricStatistics: lag([]) }, { source: 'acme-dr-usw2-db', acceptUnknownLag: true });
    expect((await waitForReverseCopy(ok.w)).identifier).toBe('acme-prod-use1-db');
  });

  it('fails on AWS when no lag is reported, and accepts it only when told (an emulator)', async () => {
    const none = { DescribeDBInstances: instance, GetMetricStatistics: lag([]) };
    expect((await refusal(waitForReverseCopy(wait(none).w))).headline).toMatch(/lag unknown/);
    expect((await waitForReverseCopy(wait(none, { acceptUnknownLag: true }).w)).lagSeconds).toBeUndefined();
  });
});
