/**
 * What the DR region must hold after the failover, read from the definition (the DR
 * environment's Terraform JSON as applied) and checked through the AWS API: the database
 * restored from the right snapshot copy, every queue with its dead-letter queue, the cluster and
 * its node group, the backup vault and plan, and every key (by alias), all in the DR region and
 * encrypted with keys of the DR region.
 */
import type { DBSnapshot } from '@aws-sdk/client-rds';
import {
  allAliases,
  arnRegion,
  DescribeBackupVaultCommand,
  DescribeClusterCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  DescribeKeyCommand,
  DescribeNodegroupCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListBackupPlansCommand,
  type Clients,
} from '@parity/dr/aws';
import type { Verification } from '@parity/model';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';

export interface VerifyInput {
  /** The DR environment's Terraform JSON as applied (after any emulator filtering). */
  readonly json: TerraformJson;
  readonly region: string;
  readonly clients: Clients;
  /** Backup & restore: the snapshot copy the database was restored from; a replica strategy: none (the database was promoted). */
  readonly copy?: DBSnapshot;
  /** A promoted replica: whether the target keeps saying it replicates after a promotion (moto does), so that cannot be checked. */
  readonly sourceStaysAfterPromotion?: boolean;
  /** The marker id the primary's snapshot was tagged with. */
  readonly markerId: string;
  /** Address of the queue the marker message was sent to in the primary region (addresses match across environments). */
  readonly markerQueueAddress?: string;
  readonly signal?: AbortSignal;
}

function errText(e: unknown): string {
  const x = e as { name?: string; message?: string };
  return `${x.name ?? 'Error'}: ${x.message ?? String(e)}`;
}

interface Ctx {
  readonly v: VerifyInput;
  readonly json: TerraformJson;
  readonly region: string;
  readonly c: Clients;
  readonly signal?: AbortSignal;
  readonly opts: { abortSignal?: AbortSignal };
  inRegion(arn: string | undefined): boolean;
  check(what: string, fn: () => Promise<{ ok: boolean; detail: string }>): Promise<void>;
  here<T extends { region?: string }>(xs: T[]): T[];
}

export async function verifyDr(v: VerifyInput): Promise<Verification[]> {
  const out: Verification[] = [];
  const { json, region, clients: c, signal } = v;
  const x: Ctx = {
    v,
    json,
    region,
    c,
    signal,
    opts: { abortSignal: signal },
    inRegion: (arn) => arnRegion(arn) === region,
    check: async (what, fn) => {
      try {
        out.push({ what, ...(await fn()) });
      } catch (e) {
        if (signal?.aborted) throw e;
        out.push({ what, ok: false, detail: errText(e) });
      }
    },
    here: (xs) => xs.filter((r) => r.region === undefined || r.region === region),
  };
  for (const part of [verifyCopy, verifyDatabases, verifyQueues, verifyClusters, verifyBackup, verifyKeys]) await part(x);
  return out;
}

/** The snapshot copy: in the DR region, encrypted with a DR key, carrying the marker. */
async function verifyCopy(x: Ctx): Promise<void> {
  const { v, inRegion, check } = x;
  const copy = v.copy;
  if (copy) {
    await check(`snapshot copy ${copy.DBSnapshotIdentifier}`, async () => {
      const tags = Object.fromEntries((copy.TagList ?? []).map((t) => [t.Key, t.Value]));
      const problems: string[] = [];
      if (!inRegion(copy.DBSnapshotArn)) problems.push(`is in ${arnRegion(copy.DBSnapshotArn)}`);
      if (!copy.Encrypted || !inRegion(copy.KmsKeyId)) problems.push(`is encrypted with ${copy.KmsKeyId ?? 'no key'}`);
      if (tags['parity:drill-marker'] !== v.markerId) problems.push(`does not carry marker ${v.markerId}`);
      return {
        ok: problems.length === 0,
        detail: problems.length ? problems.join('; ') : `${copy.Status}, encrypted with ${copy.KmsKeyId}, marker ${v.markerId}`,
      };
    });
  }
}

/** Each database: in the region, available, encrypted; restored from the copy, or promoted. */
async function verifyDatabases(x: Ctx): Promise<void> {
  const { v, json, region, c, opts, inRegion, check, here } = x;
  const copy = v.copy;
  for (const db of here(placedResources(json, 'aws_db_instance'))) {
    const id = literal(db.body.identifier);
    if (!id) continue;
    await check(`database ${id} (${db.address})`, async () => {
      const inst = (await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), opts)).DBInstances?.[0];
      if (!inst) return { ok: false, detail: 'not found' };
      const problems: string[] = [];
      if (!inRegion(inst.DBInstanceArn)) problems.push(`is in ${arnRegion(inst.DBInstanceArn)}`);
      if (inst.DBInstanceStatus !== 'available') problems.push(`status ${inst.DBInstanceStatus}`);
      if (inst.Engine !== db.body.engine) problems.push(`engine ${inst.Engine}, expected ${String(db.body.engine)}`);
      if (!inst.StorageEncrypted) problems.push('storage not encrypted');
      // RDS keeps the snapshot's key on restore: the instance's key is the copy's
      if (copy && inst.KmsKeyId !== copy.KmsKeyId)
        problems.push(`encrypted with ${inst.KmsKeyId}, not with the copy's key ${copy.KmsKeyId}: not restored from it`);
      if (!copy && !inRegion(inst.KmsKeyId)) problems.push(`encrypted with ${inst.KmsKeyId}, not a key of ${region}`);
      if (!copy && inst.ReadReplicaSourceDBInstanceIdentifier && !v.sourceStaysAfterPromotion)
        problems.push(`still replicates ${inst.ReadReplicaSourceDBInstanceIdentifier}: not promoted`);
      if (typeof db.body.multi_az === 'boolean' && inst.MultiAZ !== db.body.multi_az)
        problems.push(`Multi-AZ ${inst.MultiAZ}, expected ${db.body.multi_az}`);
      if (typeof db.body.deletion_protection === 'boolean' && inst.DeletionProtection !== db.body.deletion_protection)
        problems.push(`deletion protection ${inst.DeletionProtection}`);
      // AWS records the restore as an event; the emulator does not
      let event = '';
      try {
        const ev = await c.rds.send(
          new DescribeEventsCommand({ SourceIdentifier: id, SourceType: 'db-instance', Duration: 24 * 60 }),
          opts,
        );
        const restored = ev.Events?.find((e) => /restored from/i.test(e.Message ?? ''));
        if (restored) {
          event = `; event: "${restored.Message}"`;
          if (!restored.Message?.includes(copy?.DBSnapshotIdentifier ?? '\0'))
            problems.push(`restore event names another snapshot: ${restored.Message}`);
        }
      } catch {
        /* events are corroboration only */
      }
      return {
        ok: problems.length === 0,
        detail: problems.length
          ? problems.join('; ')
          : `available, ${inst.Engine} ${inst.EngineVersion}, Multi-AZ ${inst.MultiAZ}, ${copy ? `restored from ${copy.DBSnapshotIdentifier} (same key ${inst.KmsKeyId})` : `a standalone primary encrypted with ${inst.KmsKeyId}${inst.ReadReplicaSourceDBInstanceIdentifier ? ` (the emulator still names ${inst.ReadReplicaSourceDBInstanceIdentifier} as its source after the promotion)` : ''}`}${event}`,
      };
    });
  }
}

/** Each queue and its dead-letter queue, in the region and encrypted; the marker message absent. */
async function verifyQueues(x: Ctx): Promise<void> {
  const { v, json, region, c, opts, inRegion, check, here } = x;
  const queues = here(placedResources(json, 'aws_sqs_queue'));
  const queueByAddress = new Map(queues.map((q) => [q.address, literal(q.body.name)]));
  for (const q of queues) {
    const name = literal(q.body.name);
    if (!name) continue;
    const redrive = typeof q.body.redrive_policy === 'string' ? q.body.redrive_policy : undefined;
    const dlqAddress = redrive?.match(/(aws_sqs_queue\.[A-Za-z0-9_-]+)\.arn/)?.[1];
    const dlqName = dlqAddress ? queueByAddress.get(dlqAddress) : undefined;
    const isDlq = queues.some((o) => typeof o.body.redrive_policy === 'string' && o.body.redrive_policy.includes(`${q.address}.arn`));
    await check(`queue ${name}${dlqName ? ` → dead-letter ${dlqName}` : isDlq ? ' (dead-letter queue)' : ''}`, async () => {
      const url = (await c.sqs.send(new GetQueueUrlCommand({ QueueName: name }), opts)).QueueUrl;
      const attrs = (await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }), opts)).Attributes ?? {};
      const problems: string[] = [];
      if (!inRegion(attrs.QueueArn)) problems.push(`is in ${arnRegion(attrs.QueueArn)}`);
      if (q.body.kms_master_key_id !== undefined && !attrs.KmsMasterKeyId) problems.push('not KMS-encrypted');
      if (attrs.KmsMasterKeyId?.startsWith('arn:') && !inRegion(attrs.KmsMasterKeyId))
        problems.push(`encrypted with a key in ${arnRegion(attrs.KmsMasterKeyId)}`);
      let detail = `in ${region}${attrs.KmsMasterKeyId ? ', KMS-encrypted' : ''}`;
      if (dlqName) {
        const policy = attrs.RedrivePolicy
          ? (JSON.parse(attrs.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string })
          : undefined;
        if (!policy) problems.push('has no redrive policy');
        else if (!policy.deadLetterTargetArn?.endsWith(`:${dlqName}`) || !inRegion(policy.deadLetterTargetArn))
          problems.push(`dead letters go to ${policy.deadLetterTargetArn}, expected ${dlqName} in ${region}`);
        else {
          const dlqUrl = (await c.sqs.send(new GetQueueUrlCommand({ QueueName: dlqName }), opts)).QueueUrl;
          if (!dlqUrl) problems.push(`dead-letter queue ${dlqName} does not exist`);
          detail += `, dead letters after ${policy.maxReceiveCount} receives to ${dlqName}`;
        }
      }
      if (v.markerQueueAddress === q.address) {
        const n = Number(attrs.ApproximateNumberOfMessages ?? 0);
        detail +=
          n === 0
            ? '; empty: the marker message sent in the primary region did not survive (SQS is not replicated, as the definition says)'
            : `; holds ${n} message(s)`;
      }
      return { ok: problems.length === 0, detail: problems.length ? problems.join('; ') : detail };
    });
  }
}

/** Each cluster and its node groups at the size the Terraform says. */
async function verifyClusters(x: Ctx): Promise<void> {
  const { json, c, opts, inRegion, check, here } = x;
  for (const cl of here(placedResources(json, 'aws_eks_cluster'))) {
    const name = literal(cl.body.name);
    if (!name) continue;
    await check(`cluster ${name}`, async () => {
      const cluster = (await c.eks.send(new DescribeClusterCommand({ name }), opts)).cluster;
      if (!cluster) return { ok: false, detail: 'not found' };
      const problems: string[] = [];
      if (!inRegion(cluster.arn)) problems.push(`is in ${arnRegion(cluster.arn)}`);
      if (cluster.status !== 'ACTIVE') problems.push(`status ${cluster.status}`);
      if (typeof cl.body.version === 'string' && cluster.version !== cl.body.version)
        problems.push(`version ${cluster.version}, expected ${cl.body.version}`);
      const key = cluster.encryptionConfig?.[0]?.provider?.keyArn;
      if (cl.body.encryption_config !== undefined && !inRegion(key)) problems.push(`secrets encrypted with ${key ?? 'no key'}`);
      const groups = here(placedResources(json, 'aws_eks_node_group')).filter(
        (g) => typeof g.body.cluster_name === 'string' && g.body.cluster_name.includes(`${cl.address}.name`),
      );
      const found: string[] = [];
      for (const g of groups) {
        const ng = literal(g.body.node_group_name);
        if (!ng) continue;
        try {
          const r = (await c.eks.send(new DescribeNodegroupCommand({ clusterName: name, nodegroupName: ng }), opts)).nodegroup;
          const want =
            typeof (g.body.scaling_config as { desired_size?: unknown } | undefined)?.desired_size === 'number'
              ? (g.body.scaling_config as { desired_size: number }).desired_size
              : undefined;
          if (!r) problems.push(`node group ${ng} not found`);
          else if (want !== undefined && r.scalingConfig?.desiredSize !== want)
            problems.push(`node group ${ng} runs ${r.scalingConfig?.desiredSize} nodes, not ${want}`);
          else found.push(`${ng} (${r.status}, ${r.scalingConfig?.desiredSize} nodes)`);
        } catch (e) {
          problems.push(`node group ${ng}: ${errText(e)}`);
        }
      }
      return {
        ok: problems.length === 0,
        detail: problems.length
          ? problems.join('; ')
          : `${cluster.status}, Kubernetes ${cluster.version}, secrets encrypted with ${key}; node groups: ${found.join(', ') || 'none defined'}`,
      };
    });
  }
}

/** The backup vault and plans. */
async function verifyBackup(x: Ctx): Promise<void> {
  const { json, c, opts, inRegion, check, here } = x;
  for (const vault of here(placedResources(json, 'aws_backup_vault'))) {
    const name = literal(vault.body.name);
    if (!name) continue;
    await check(`backup vault ${name}`, async () => {
      const r = await c.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: name }), opts);
      const problems: string[] = [];
      if (!inRegion(r.BackupVaultArn)) problems.push(`is in ${arnRegion(r.BackupVaultArn)}`);
      if (!inRegion(r.EncryptionKeyArn)) problems.push(`encrypted with ${r.EncryptionKeyArn ?? 'no key'}`);
      return { ok: problems.length === 0, detail: problems.length ? problems.join('; ') : `encrypted with ${r.EncryptionKeyArn}` };
    });
  }
  const plans = here(placedResources(json, 'aws_backup_plan'))
    .map((p) => literal(p.body.name))
    .filter((n): n is string => !!n);
  if (plans.length) {
    await check(`backup plan${plans.length > 1 ? 's' : ''} ${plans.join(', ')}`, async () => {
      const listed = new Set(
        ((await c.backup.send(new ListBackupPlansCommand({}), opts)).BackupPlansList ?? []).map((p) => p.BackupPlanName),
      );
      const missing = plans.filter((p) => !listed.has(p));
      return { ok: missing.length === 0, detail: missing.length ? `missing: ${missing.join(', ')}` : 'present' };
    });
  }
}

/** Every key, found by its alias in the region. */
async function verifyKeys(x: Ctx): Promise<void> {
  const { json, region, c, signal, opts, inRegion, check, here } = x;
  const aliases = here(placedResources(json, 'aws_kms_alias'))
    .map((a) => literal(a.body.name))
    .filter((n): n is string => !!n);
  if (aliases.length) {
    const listed = await allAliases(c.kms, signal);
    for (const alias of aliases) {
      await check(`key ${alias}`, async () => {
        const a = listed.find((x) => x.AliasName === alias);
        if (!a?.TargetKeyId) return { ok: false, detail: `alias not found in ${region}` };
        const key = (await c.kms.send(new DescribeKeyCommand({ KeyId: a.TargetKeyId }), opts)).KeyMetadata;
        const problems: string[] = [];
        if (!inRegion(key?.Arn)) problems.push(`key ${key?.Arn} is not in ${region}`);
        if (key?.KeyState !== 'Enabled') problems.push(`key state ${key?.KeyState}`);
        return { ok: problems.length === 0, detail: problems.length ? problems.join('; ') : `${key?.Arn} ${key?.KeyState}` };
      });
    }
  }
}
