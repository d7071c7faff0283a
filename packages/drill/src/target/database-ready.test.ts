/** When the standby's apply may begin: the primary's database, asked through the real SDK against recorded answers. */
import { RDSClient } from '@aws-sdk/client-rds';
import { interruption, wasInterrupted } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { recordedConfig, recordedHandler, type RecordedAnswer } from '@parity/testkit';
import { describe, expect, it } from 'vitest';
import { databaseAvailable, databaseIn } from './database-ready.js';

const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const described = (status: string): RecordedAnswer => ({
  body: `<DescribeDBInstancesResponse xmlns="${NS}"><DescribeDBInstancesResult><DBInstances><DBInstance><DBInstanceIdentifier>acme-prod-use1-db</DBInstanceIdentifier><DBInstanceStatus>${status}</DBInstanceStatus></DBInstance></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>7c3a</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`,
});
const notFound: RecordedAnswer = {
  status: 404,
  body: `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance acme-prod-use1-db not found.</Message></Error><RequestId>7c3b</RequestId></ErrorResponse>`,
};

const primary: TerraformJson = {
  provider: { aws: [{ region: 'us-east-1' }] },
  resource: { aws_db_instance: { db: { identifier: 'acme-prod-use1-db' } } },
};

function rds(answer: RecordedAnswer) {
  const { handler, sent } = recordedHandler({ DescribeDBInstances: answer });
  return { rds: new RDSClient(recordedConfig(handler, 'us-east-1')), sent };
}

describe('the primary’s database, before the standby’s apply', () => {
  it('names the database the primary places in its region', () => {
    expect(databaseIn(primary, 'us-east-1')).toBe('acme-prod-use1-db');
    expect(databaseIn(primary, 'us-west-2')).toBeUndefined();
  });

  it('returns once DescribeDBInstances answers available', async () => {
    const r = rds(described('available'));
    await databaseAvailable(() => primary, 'us-east-1', { signal: new AbortController().signal, pauseMs: 1, rds: r.rds });
    expect(r.sent.map((s) => s.operation)).toEqual(['DescribeDBInstances']);
    expect(r.sent[0]!.body).toContain('DBInstanceIdentifier=acme-prod-use1-db');
  });

  it('returns at once when the primary places no database: nothing to replicate', async () => {
    const r = rds(described('creating'));
    await databaseAvailable(() => ({ resource: {} }), 'us-east-1', { signal: new AbortController().signal, pauseMs: 1, rds: r.rds });
    expect(r.sent).toEqual([]);
  });

  it('keeps asking while the database is missing or creating, and stops with the interruption', async () => {
    for (const answer of [notFound, described('creating')]) {
      const { handler, sent } = recordedHandler({ DescribeDBInstances: answer });
      const ctl = new AbortController();
      // The interruption comes after the third question, however slow the machine is.
      const counting = {
        async handle(req: Parameters<typeof handler.handle>[0]) {
          const out = await handler.handle(req);
          if (sent.length === 3) ctl.abort(interruption('SIGINT'));
          return out;
        },
      };
      let polls = 0;
      // The primary's work copy is not written for the first two polls.
      const doc = (): TerraformJson | undefined => (++polls > 2 ? primary : undefined);
      const e = await databaseAvailable(doc, 'us-east-1', {
        signal: ctl.signal,
        pauseMs: 1,
        rds: new RDSClient(recordedConfig(counting, 'us-east-1')),
      }).catch((x: unknown) => x);
      expect(wasInterrupted(e)).toBe(true);
      expect(polls).toBeGreaterThan(3);
      expect(sent.map((s) => s.operation)).toEqual(['DescribeDBInstances', 'DescribeDBInstances', 'DescribeDBInstances']);
    }
  });
});
