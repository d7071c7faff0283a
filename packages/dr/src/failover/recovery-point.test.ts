/**
 * The recovery-point look-ups of `pnpm failover --aws`, against recorded responses in the shapes
 * the AWS APIs answer (RDS query/XML, AWS Backup REST-JSON, CloudWatch JSON 1.0): what is asked,
 * and what is made of the answer. The same code runs against moto in the drill's end-to-end test.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { recordedConfig, recordedHandler, type RecordedAnswer } from '@parity/testkit';
import { ageSeconds, describePoint, newestSnapshot, replicaOf } from './recovery-point.js';

const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const rdsXml = (op: string, inner: string): RecordedAnswer => ({
  body: `<${op}Response xmlns="${NS}"><${op}Result>${inner}</${op}Result><ResponseMetadata><RequestId>7c3a</RequestId></ResponseMetadata></${op}Response>`,
});
const snapshot = (id: string, created: string, original?: string, status = 'available') =>
  `<DBSnapshot><DBSnapshotIdentifier>${id}</DBSnapshotIdentifier><DBInstanceIdentifier>acme-prod-use1-db</DBInstanceIdentifier>` +
  `<SnapshotCreateTime>${created}</SnapshotCreateTime>${original ? `<OriginalSnapshotCreateTime>${original}</OriginalSnapshotCreateTime>` : ''}` +
  `<Status>${status}</Status><Encrypted>true</Encrypted><KmsKeyId>arn:aws:kms:us-west-2:123456789012:key/copy</KmsKeyId>` +
  `<DBSnapshotArn>arn:aws:rds:us-west-2:123456789012:snapshot:${id}</DBSnapshotArn></DBSnapshot>`;

function clients(answers: Record<string, RecordedAnswer>) {
  const { handler, sent } = recordedHandler(answers);
  const cfg = recordedConfig(handler);
  return { rds: new RDSClient(cfg), backup: new BackupClient(cfg), cloudwatch: new CloudWatchClient(cfg), sent };
}

const NOW = new Date('2026-11-28T14:02:00Z');

describe('the newest snapshot in the DR region (backup & restore)', () => {
  it('takes the newest by the time of its data: a copy keeps its original time, a vault recovery point its creation', async () => {
    const c = clients({
      DescribeDBSnapshots: rdsXml(
        'DescribeDBSnapshots',
        `<DBSnapshots>${snapshot('copy-old', '2026-11-28T13:30:00Z', '2026-11-28T10:00:00Z')}${snapshot('copy-new', '2026-11-28T13:00:00Z', '2026-11-28T12:00:00Z')}${snapshot('creating', '2026-11-28T14:00:00Z', '2026-11-28T13:59:00Z', 'creating')}</DBSnapshots>`,
      ),
      'GET /backup-vaults/acme-prod-use1-backup-copy-us-west-2/recovery-points': {
        body: JSON.stringify({
          RecoveryPoints: [
            {
              RecoveryPointArn: 'arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1',
              ResourceArn: 'arn:aws:rds:us-east-1:123456789012:db:acme-prod-use1-db',
              Status: 'COMPLETED',
              CreationDate: 1795870800,
              EncryptionKeyArn: 'arn:aws:kms:us-west-2:123456789012:key/copy',
            },
            {
              RecoveryPointArn: 'arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-2',
              ResourceArn: 'arn:aws:rds:us-east-1:123456789012:db:acme-prod-use1-db',
              Status: 'PARTIAL',
              CreationDate: 1795870000,
            },
          ],
        }),
        contentType: 'application/json',
      },
      DescribeDBInstanceAutomatedBackups: rdsXml(
        'DescribeDBInstanceAutomatedBackups',
        '<DBInstanceAutomatedBackups><DBInstanceAutomatedBackup><DBInstanceIdentifier>acme-prod-use1-db</DBInstanceIdentifier><Status>replicating</Status><RestoreWindow><EarliestTime>2026-11-21T14:00:00Z</EarliestTime><LatestTime>2026-11-28T13:55:00Z</LatestTime></RestoreWindow></DBInstanceAutomatedBackup></DBInstanceAutomatedBackups>',
      ),
    });
    const p = await newestSnapshot({
      rds: c.rds,
      backup: c.backup,
      sourceDbIdentifier: 'acme-prod-use1-db',
      vault: 'acme-prod-use1-backup-copy-us-west-2',
    });
    // 1795870800 = 2026-11-28T13:00:00Z: newer than copy-new's data (12:00), though copy-old was copied later
    expect(p).toMatchObject({
      source: 'backup-vault',
      restoreFrom: 'arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1',
      automatedBackupsLatest: new Date('2026-11-28T13:55:00Z'),
    });
    expect(p!.dataAt.toISOString()).toBe('2026-11-28T13:00:00.000Z');
    expect(c.sent.map((s) => s.operation)).toEqual([
      'DescribeDBSnapshots',
      'GET /backup-vaults/acme-prod-use1-backup-copy-us-west-2/recovery-points',
      'DescribeDBInstanceAutomatedBackups',
    ]);
    expect(c.sent[0]!.body).toContain('DBInstanceIdentifier=acme-prod-use1-db');
    expect(describePoint(p!, NOW, 240)).toMatch(
      /^recovery point arn:aws:rds:us-west-2:123456789012:snapshot:awsbackup:job-1, data of .* old — within the 240 min RPO\); replicated automated backups restorable to 2026-11-28T13:55:00.000Z$/,
    );
  });

  it('takes a copy when there is no vault, and says when it is older than the RPO', async () => {
    const c = clients({
      DescribeDBSnapshots: rdsXml(
        'DescribeDBSnapshots',
        `<DBSnapshots>${snapshot('copy-new', '2026-11-28T13:00:00Z', '2026-11-28T06:00:00Z')}</DBSnapshots>`,
      ),
      DescribeDBInstanceAutomatedBackups: rdsXml('DescribeDBInstanceAutomatedBackups', '<DBInstanceAutomatedBackups/>'),
    });
    const p = await newestSnapshot({ rds: c.rds, backup: c.backup, sourceDbIdentifier: 'acme-prod-use1-db' });
    expect(p).toMatchObject({ source: 'snapshot-copy', restoreFrom: 'copy-new', kmsKeyId: 'arn:aws:kms:us-west-2:123456789012:key/copy' });
    expect(p!.automatedBackupsLatest).toBeUndefined();
    expect(ageSeconds(p!, NOW)).toBe(8 * 3600 + 120);
    expect(describePoint(p!, NOW, 240)).toMatch(/OLDER than the 240 min RPO/);
  });

  it('fails: finds nothing when no snapshot is available in the region', async () => {
    const c = clients({
      DescribeDBSnapshots: rdsXml(
        'DescribeDBSnapshots',
        `<DBSnapshots>${snapshot('s', '2026-11-28T13:00:00Z', undefined, 'creating')}</DBSnapshots>`,
      ),
    });
    expect(await newestSnapshot({ rds: c.rds, backup: c.backup, sourceDbIdentifier: 'acme-prod-use1-db' })).toBeUndefined();
  });
});

describe('the read replica in the DR region (pilot light, warm standby)', () => {
  const instance = `<DBInstances><DBInstance><DBInstanceIdentifier>acme-dr-usw2-db</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus>
    <DBInstanceArn>arn:aws:rds:us-west-2:123456789012:db:acme-dr-usw2-db</DBInstanceArn>
    <ReadReplicaSourceDBInstanceIdentifier>arn:aws:rds:us-east-1:123456789012:db:acme-prod-use1-db</ReadReplicaSourceDBInstanceIdentifier>
    <StatusInfos><DBInstanceStatusInfo><StatusType>read replication</StatusType><Normal>true</Normal><Status>replicating</Status></DBInstanceStatusInfo></StatusInfos>
    </DBInstance></DBInstances>`;

  it('is described with its replication state and the newest ReplicaLag datapoint', async () => {
    const c = clients({
      DescribeDBInstances: rdsXml('DescribeDBInstances', instance),
      GetMetricStatistics: {
        body: JSON.stringify({
          Label: 'ReplicaLag',
          Datapoints: [
            { Timestamp: 1795870800, Maximum: 4, Unit: 'Seconds' },
            { Timestamp: 1795870740, Maximum: 9, Unit: 'Seconds' },
          ],
        }),
      },
    });
    const p = await replicaOf(c.rds, c.cloudwatch, 'acme-dr-usw2-db', NOW);
    expect(p).toEqual({
      kind: 'replica',
      identifier: 'acme-dr-usw2-db',
      arn: 'arn:aws:rds:us-west-2:123456789012:db:acme-dr-usw2-db',
      status: 'available',
      source: 'arn:aws:rds:us-east-1:123456789012:db:acme-prod-use1-db',
      replication: 'replicating',
      lagSeconds: 4,
      lagAt: new Date(1795870800 * 1000),
    });
    const metric = JSON.parse(c.sent[1]!.body) as { Namespace: string; MetricName: string; Dimensions: unknown };
    expect(metric).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'ReplicaLag',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'acme-dr-usw2-db' }],
    });
    expect(describePoint(p!, NOW, 15)).toBe(
      'read replica acme-dr-usw2-db (available, replication replicating), lag 4 s — within the 15 min RPO',
    );
  });

  it('says so when CloudWatch has no lag datapoint', async () => {
    const c = clients({
      DescribeDBInstances: rdsXml('DescribeDBInstances', instance),
      GetMetricStatistics: { body: JSON.stringify({ Label: 'ReplicaLag', Datapoints: [] }) },
    });
    const p = await replicaOf(c.rds, c.cloudwatch, 'acme-dr-usw2-db', NOW);
    expect(describePoint(p!, NOW, 15)).toMatch(/lag unknown \(no ReplicaLag datapoint in the last 10 min\)$/);
  });

  it('fails: finds no replica when the instance does not exist', async () => {
    const c = clients({
      DescribeDBInstances: {
        status: 404,
        body: `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance acme-dr-usw2-db not found.</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      },
    });
    expect(await replicaOf(c.rds, c.cloudwatch, 'acme-dr-usw2-db', NOW)).toBeUndefined();
  });
});
