/**
 * The AWS API as the failover, the failback and the drill call it (RDS, SQS, EKS, AWS Backup, KMS,
 * CloudWatch): clients of a region, against an emulator (`--endpoint`) or, with `--aws`, the
 * ambient credentials, and the snapshot calls they share.
 */
import { BackupClient, DescribeBackupVaultCommand, ListBackupPlansCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { DescribeKeyCommand, KMSClient, ListAliasesCommand, type AliasListEntry } from '@aws-sdk/client-kms';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  RDSClient,
  type DBSnapshot,
} from '@aws-sdk/client-rds';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { refuseOne, snapshotUnavailable } from '@parity/model';
import { sleep } from './wait.js';

/** The wait between polls, for the drill's own waits (@parity/dr/aws is what the drill imports of the cloud). */
export { sleep };

export interface Clients {
  readonly region: string;
  readonly rds: RDSClient;
  readonly sqs: SQSClient;
  readonly eks: EKSClient;
  readonly backup: BackupClient;
  readonly kms: KMSClient;
  readonly cloudwatch: CloudWatchClient;
  destroy(): void;
}

/**
 * Clients for one region: on the emulator with test credentials, or with the ambient ones.
 * `userAgent`: a token appended to every request's User-Agent (a drill names the caller to its region fence).
 */
export function clients(region: string, endpoint?: string, userAgent?: string): Clients {
  // The SDK warns on every run that its releases after January 2027 need Node 22; the pinned
  // versions support Node 20 (engines >=20), and the warning would interleave with the progress.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ua = userAgent ? { customUserAgent: userAgent } : {};
  const config = endpoint
    ? { region, endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2, ...ua }
    : { region, ...ua };
  const c = {
    region,
    rds: new RDSClient(config),
    sqs: new SQSClient(config),
    eks: new EKSClient(config),
    backup: new BackupClient(config),
    kms: new KMSClient(config),
    cloudwatch: new CloudWatchClient(config),
  };
  return {
    ...c,
    destroy() {
      c.rds.destroy();
      c.sqs.destroy();
      c.eks.destroy();
      c.backup.destroy();
      c.kms.destroy();
      c.cloudwatch.destroy();
    },
  };
}

/** Where the API is: clients of a region (the team's account, an emulator, or recorded answers in tests). */
export interface ApiTarget {
  readonly clientsFor: (region: string) => Pick<Clients, 'rds' | 'backup' | 'kms' | 'destroy'>;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

/** The API target of an endpoint (an emulator), or of the ambient credentials. */
export function apiTarget(endpoint: string | undefined, extra: Omit<ApiTarget, 'clientsFor'> = {}): ApiTarget {
  return { clientsFor: (region) => clients(region, endpoint), ...extra };
}

/** The region of an ARN (`arn:aws:kms:us-west-2:…`). */
export function arnRegion(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

export async function describeSnapshot(rds: RDSClient, id: string, signal?: AbortSignal): Promise<DBSnapshot | undefined> {
  try {
    const r = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }), { abortSignal: signal });
    return r.DBSnapshots?.[0];
  } catch (e) {
    if ((e as { name?: string }).name === 'DBSnapshotNotFoundFault') return undefined;
    throw e;
  }
}

/** Poll until the snapshot is `available` (instant on the emulator; minutes on AWS). */
export async function waitSnapshot(
  rds: RDSClient,
  id: string,
  opts: { signal?: AbortSignal; timeoutMs?: number; onStatus?: (s: string) => void } = {},
): Promise<DBSnapshot> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000);
  for (;;) {
    const s = await describeSnapshot(rds, id, opts.signal);
    if (s?.Status === 'available') return s;
    if (s?.Status && ['failed', 'deleted', 'incompatible-restore'].includes(s.Status)) refuseOne(snapshotUnavailable(id, `is ${s.Status}`));
    opts.onStatus?.(`${s?.Status ?? 'not visible yet'}${s?.PercentProgress !== undefined ? ` ${s.PercentProgress}%` : ''}`);
    if (Date.now() > deadline) {
      const within = `was not available within ${Math.round((opts.timeoutMs ?? 0) / 60_000)} min (status ${s?.Status ?? 'unknown'})`;
      refuseOne(snapshotUnavailable(id, within));
    }
    await sleep(5000, opts.signal);
  }
}

export async function createSnapshot(
  rds: RDSClient,
  instanceId: string,
  snapshotId: string,
  tags: Record<string, string>,
  signal?: AbortSignal,
): Promise<DBSnapshot> {
  const r = await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: instanceId,
      DBSnapshotIdentifier: snapshotId,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
    { abortSignal: signal },
  );
  if (!r.DBSnapshot) return refuseOne(snapshotUnavailable(snapshotId, `was not made: CreateDBSnapshot of ${instanceId} returned none`));
  return r.DBSnapshot;
}

/**
 * CopyDBSnapshot into the client's region from a snapshot ARN in another region, re-encrypted
 * with a key of the destination region (the SDK signs the cross-region PreSignedUrl from the ARN).
 */
export async function copySnapshot(
  rds: RDSClient,
  sourceArn: string,
  targetId: string,
  kmsKeyId: string,
  signal?: AbortSignal,
): Promise<DBSnapshot> {
  const r = await rds.send(
    new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: sourceArn,
      TargetDBSnapshotIdentifier: targetId,
      KmsKeyId: kmsKeyId,
      CopyTags: true,
      // an encrypted snapshot of another region needs a request presigned for that region (PreSignedUrl): the SDK's RDS
      // middleware makes it whenever the source is an ARN of another region
    }),
    { abortSignal: signal },
  );
  if (!r.DBSnapshot) return refuseOne(snapshotUnavailable(targetId, `was not made: CopyDBSnapshot of ${sourceArn} returned none`));
  return r.DBSnapshot;
}

export async function deleteSnapshot(rds: RDSClient, id: string): Promise<boolean> {
  try {
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === 'DBSnapshotNotFoundFault') return false;
    throw e;
  }
}

export async function sendMarkerMessage(
  sqs: SQSClient,
  queueName: string,
  body: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }), { abortSignal: signal })).QueueUrl;
  const r = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }), { abortSignal: signal });
  return r.MessageId;
}

export async function allAliases(kms: KMSClient, signal?: AbortSignal): Promise<AliasListEntry[]> {
  const out: AliasListEntry[] = [];
  let marker: string | undefined;
  do {
    const r = await kms.send(new ListAliasesCommand({ Marker: marker, Limit: 100 }), { abortSignal: signal });
    out.push(...(r.Aliases ?? []));
    marker = r.Truncated ? r.NextMarker : undefined;
  } while (marker);
  return out;
}

export {
  DescribeBackupVaultCommand,
  DescribeClusterCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  DescribeKeyCommand,
  DescribeNodegroupCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListBackupPlansCommand,
};
