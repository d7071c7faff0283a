/**
 * The API calls of `pnpm failback --aws` for a backup & restore pair, against recorded responses
 * in the shapes the APIs answer (RDS query/XML, AWS Backup REST-JSON, KMS JSON 1.1): the reverse
 * copy found in the primary region (shown at reprotect, awaited within the RPO before the
 * switchover, refused at the timeout) and the switchover snapshot (after the fence, copied into
 * the primary region with the primary database's key). The same code runs against moto in
 * `pnpm drill dr-euc1 --failback`.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetEnvironmentsAsync, fleetWorkspace, refusal, STAMP_TIMEOUT } from '@parity/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerraformJson } from '@parity/model/terraform';
import type { ApiTarget } from '../cloud/aws.js';
import { awaitReverseBackup, reverseBackup } from './reverse-aws-backup.js';
import { switchoverSnapshot, switchoverSnapshotId } from './switchover-snapshot.js';
import { planFailback } from './command.js';
import { resolvePair, type Pair } from '../pair.js';
import { recordedConfig, recordedHandler, type RecordedAnswer, type Sent } from '@parity/testkit';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const ACCOUNT = '123456789012';

const pair = {
  primary: { name: 'prod-euw1', region: 'eu-west-1', platform: 'acme' },
  dr: { name: 'dr-euc1', region: 'eu-central-1', platform: 'acme', dr: { strategy: 'backup-restore', rpoMinutes: 240 } },
} as unknown as Pair;

/** dr-euc1's Terraform once re-protected: its database, and a copy vault in eu-west-1 through an aliased provider. */
const drJson = {
  provider: { aws: [{ region: 'eu-central-1' }, { alias: 'eu_west_1', region: 'eu-west-1' }] },
  resource: {
    aws_db_instance: { db: { identifier: 'acme-dr-euc1-db' } },
    aws_backup_vault: {
      vault: { name: 'acme-dr-euc1-vault' },
      'copy-vault-eu-west-1': { name: 'acme-dr-euc1-copy-eu-west-1', provider: 'aws.eu_west_1' },
    },
  },
} as unknown as TerraformJson;

const snapshots = (items: Array<{ id: string; at: string; region: string }>): RecordedAnswer => ({
  body: `<DescribeDBSnapshotsResponse xmlns="${NS}"><DescribeDBSnapshotsResult><DBSnapshots>${items
    .map(
      (s) =>
        `<DBSnapshot><DBSnapshotIdentifier>${s.id}</DBSnapshotIdentifier><DBInstanceIdentifier>acme-dr-euc1-db</DBInstanceIdentifier><Status>available</Status><SnapshotCreateTime>${s.at}</SnapshotCreateTime><DBSnapshotArn>arn:aws:rds:${s.region}:${ACCOUNT}:snapshot:${s.id}</DBSnapshotArn><KmsKeyId>arn:aws:kms:${s.region}:${ACCOUNT}:key/k-${s.region}</KmsKeyId><Encrypted>true</Encrypted></DBSnapshot>`,
    )
    .join(
      '',
    )}</DBSnapshots></DescribeDBSnapshotsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBSnapshotsResponse>`,
});
const points = (at: string | undefined): RecordedAnswer => ({
  contentType: 'application/json',
  body: JSON.stringify({
    RecoveryPoints: at
      ? [
          {
            RecoveryPointArn: `arn:aws:rds:eu-west-1:${ACCOUNT}:snapshot:awsbackup:copyjob-1`,
            ResourceArn: `arn:aws:rds:eu-central-1:${ACCOUNT}:db:acme-dr-euc1-db`,
            Status: 'COMPLETED',
            CreationDate: new Date(at).getTime() / 1000,
            EncryptionKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/copy`,
          },
        ]
      : [],
  }),
});
const noAutomated: RecordedAnswer = {
  body: `<DescribeDBInstanceAutomatedBackupsResponse xmlns="${NS}"><DescribeDBInstanceAutomatedBackupsResult><DBInstanceAutomatedBackups/></DescribeDBInstanceAutomatedBackupsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBInstanceAutomatedBackupsResponse>`,
};

/** An API target answering every region from `answers`, recording what each region was sent. */
function target(answers: Record<string, RecordedAnswer>): { t: ApiTarget; sent: Record<string, Sent[]> } {
  const sent: Record<string, Sent[]> = {};
  const t: ApiTarget = {
    clientsFor: (region) => {
      const h = recordedHandler(answers);
      sent[region] = h.sent;
      const cfg = recordedConfig(h.handler, region);
      return { rds: new RDSClient(cfg), backup: new BackupClient(cfg), kms: new KMSClient(cfg), destroy: () => undefined };
    },
  };
  return { t, sent };
}

describe('the reverse copy of a backup & restore failback', () => {
  it('is the newest copy of the dr database in the primary region: a recovery point of the copy vault, or a snapshot copy', async () => {
    const { t, sent } = target({
      DescribeDBSnapshots: snapshots([{ id: 'old-copy', at: '2026-11-29T06:00:00Z', region: 'eu-west-1' }]),
      'GET /backup-vaults/acme-dr-euc1-copy-eu-west-1/recovery-points': points('2026-11-29T08:00:00Z'),
      DescribeDBInstanceAutomatedBackups: noAutomated,
    });
    const p = await reverseBackup(t, pair, drJson);
    expect(p).toMatchObject({ source: 'backup-vault', restoreFrom: `arn:aws:rds:eu-west-1:${ACCOUNT}:snapshot:awsbackup:copyjob-1` });
    // asked in the primary region only, about the dr database and the vault the dr Terraform places there
    expect(Object.keys(sent)).toEqual(['eu-west-1']);
    expect(sent['eu-west-1']!.find((s) => s.operation === 'DescribeDBSnapshots')!.body).toMatch(/DBInstanceIdentifier=acme-dr-euc1-db/);
  });

  it('is awaited until within the RPO before the switchover', async () => {
    const { t } = target({
      DescribeDBSnapshots: snapshots([]),
      'GET /backup-vaults/acme-dr-euc1-copy-eu-west-1/recovery-points': points('2026-11-29T08:00:00Z'),
      DescribeDBInstanceAutomatedBackups: noAutomated,
    });
    const lines: string[] = [];
    const w = {
      ...t,
      now: () => new Date('2026-11-29T09:00:00Z'),
      waitMs: 50,
      pollMs: 10,
      acceptNone: false,
      log: (l: string) => lines.push(l),
    };
    const p = await awaitReverseBackup(w, pair, drJson);
    expect(p?.dataAt.toISOString()).toBe('2026-11-29T08:00:00.000Z');
    expect(lines[0]).toMatch(/within the 240 min RPO/);
  });

  it('fails at the timeout when no copy in the primary region is within the RPO, naming the vault and the fix', async () => {
    const { t } = target({
      DescribeDBSnapshots: snapshots([]),
      'GET /backup-vaults/acme-dr-euc1-copy-eu-west-1/recovery-points': points('2026-11-28T09:00:00Z'),
      DescribeDBInstanceAutomatedBackups: noAutomated,
    });
    const w = { ...t, now: () => new Date('2026-11-29T09:00:00Z'), waitMs: 30, pollMs: 10, acceptNone: false };
    const e = await refusal(awaitReverseBackup(w, pair, drJson));
    expect(e.issues[0]).toMatchObject({
      kind: 'reverse-copy-behind',
      file: 'environments/prod-euw1/environment.yaml',
      path: 'failback.step',
      value: 'acme-dr-euc1-copy-eu-west-1',
    });
    expect(e.issues[0]!.message).toMatch(/OLDER than the 240 min RPO/);
    expect(e.issues[0]!.fix).toMatch(/apply dr-euc1 with failback.step reprotect/);
    // an emulator runs no backup job: none is accepted there, and said
    const { t: none } = target({
      DescribeDBSnapshots: snapshots([]),
      'GET /backup-vaults/acme-dr-euc1-copy-eu-west-1/recovery-points': points(undefined),
    });
    expect(
      await awaitReverseBackup({ ...none, now: () => new Date(), waitMs: 30, pollMs: 10, acceptNone: true }, pair, drJson),
    ).toBeUndefined();
  });
});

describe('the switchover snapshot', () => {
  it('is named after the dr database and the second, the same for the same inputs', () => {
    expect(switchoverSnapshotId('acme-dr-euc1-db', new Date('2026-11-29T09:05:07.123Z'))).toBe('acme-dr-euc1-db-failback-20261129090507');
  });

  it('is taken in the dr region after the fence and copied into the primary region with the primary database key', async () => {
    const id = 'acme-dr-euc1-db-failback-20261129090507';
    const one = (region: string) => snapshots([{ id, at: '2026-11-29T09:05:10Z', region }]);
    const create: RecordedAnswer = {
      body: `<CreateDBSnapshotResponse xmlns="${NS}"><CreateDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>${id}</DBSnapshotIdentifier><Status>creating</Status></DBSnapshot></CreateDBSnapshotResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></CreateDBSnapshotResponse>`,
    };
    const copy: RecordedAnswer = {
      body: `<CopyDBSnapshotResponse xmlns="${NS}"><CopyDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>${id}</DBSnapshotIdentifier><Status>pending</Status></DBSnapshot></CopyDBSnapshotResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></CopyDBSnapshotResponse>`,
    };
    const kms = {
      ListAliases: {
        contentType: 'application/x-amz-json-1.1',
        body: JSON.stringify({ Aliases: [{ AliasName: 'alias/acme-prod-euw1-database', TargetKeyId: 'prod-key' }], Truncated: false }),
      },
      DescribeKey: {
        contentType: 'application/x-amz-json-1.1',
        body: JSON.stringify({ KeyMetadata: { KeyId: 'prod-key', Arn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/prod-key` } }),
      },
    };
    const handlers: Array<{ region: string; sent: Sent[] }> = [];
    const t: ApiTarget = {
      clientsFor: (region) => {
        const h = recordedHandler({ ...kms, CreateDBSnapshot: create, CopyDBSnapshot: copy, DescribeDBSnapshots: one(region) });
        handlers.push({ region, sent: h.sent });
        const cfg = recordedConfig(h.handler, region);
        return { rds: new RDSClient(cfg), backup: new BackupClient(cfg), kms: new KMSClient(cfg), destroy: () => undefined };
      },
    };
    const sent = (region: string) => handlers.filter((h) => h.region === region).flatMap((h) => h.sent);
    const s = await switchoverSnapshot(t, pair, drJson, id, { 'parity:failback': 'dr-euc1 to prod-euw1' });
    expect(s.source.DBSnapshotArn).toBe(`arn:aws:rds:eu-central-1:${ACCOUNT}:snapshot:${id}`);
    expect(s.copy.DBSnapshotArn).toBe(`arn:aws:rds:eu-west-1:${ACCOUNT}:snapshot:${id}`);
    const created = sent('eu-central-1').find((x) => x.operation === 'CreateDBSnapshot')!.body;
    expect(created).toMatch(/DBInstanceIdentifier=acme-dr-euc1-db/);
    expect(created).toMatch(/Tags\.Tag\.1\.Key=parity%3Afailback/);
    // the key looked up by its alias in the primary region, never in the dr region
    expect(sent('eu-west-1').map((x) => x.operation)).toEqual(expect.arrayContaining(['ListAliases', 'DescribeKey']));
    expect(sent('eu-central-1').map((x) => x.operation)).not.toContain('ListAliases');
    const copied = sent('eu-west-1').find((x) => x.operation === 'CopyDBSnapshot')!.body;
    expect(copied).toMatch(new RegExp(`SourceDBSnapshotIdentifier=arn%3Aaws%3Ards%3Aeu-central-1%3A${ACCOUNT}%3Asnapshot%3A${id}`));
    expect(copied).toMatch(new RegExp(`KmsKeyId=arn%3Aaws%3Akms%3Aeu-west-1%3A${ACCOUNT}%3Akey%2Fprod-key`));
    // a request presigned for the source region, which AWS needs to copy an encrypted snapshot across regions
    expect(copied).toMatch(/PreSignedUrl=https%3A%2F%2Frds\.eu-central-1\.amazonaws\.com/);
  });
});

describe('failback step restore of a backup & restore pair', () => {
  const workspaces: Array<{ cleanup: () => void }> = [];
  afterAll(() => {
    for (const w of workspaces.splice(0)) w.cleanup();
  });

  it('fails before anything is fenced when the old database would be replaced without a final snapshot', async () => {
    const ws = fleetWorkspace();
    workspaces.push(ws);
    const file = (env: string) => join(ws.root, 'environments', env, 'environment.yaml');
    const add = (env: string, text: string) =>
      writeFileSync(file(env), readFileSync(file(env), 'utf8').replace(/^overrides: \{\}$/m, text));
    add('dr-euc1', 'failover:\n  step: restore\n  snapshot: copy-1\noverrides: {}');
    add('prod-euw1', 'failback:\n  step: reprotect\noverrides:\n  database:\n    deletionProtection: false # test');
    const pair = await resolvePair(ws.root, 'dr-euc1', 'failback');
    // no API is reached: every client answers from an empty recording, which would fail the test
    const { t } = target({});
    const opts = { root: ws.root, drEnv: 'dr-euc1', target: { kind: 'aws' as const }, waitMs: 10, pollMs: 5 };
    const e = await refusal(planFailback(opts, { runCheck: async () => ({}) as never, api: t.clientsFor }, undefined, pair));
    expect(e.issues[0]).toMatchObject({
      kind: 'failback-state',
      file: 'environments/prod-euw1/environment.yaml',
      path: 'overrides.database.deletionProtection',
      value: false,
    });
    expect(e.issues[0]!.message).toMatch(/keeps no final snapshot/);
  }, 120_000);
});
