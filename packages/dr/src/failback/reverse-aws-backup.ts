/**
 * Failback of a backup & restore pair, the API part (`pnpm failback` and `pnpm drill --failback`
 * run the same functions):
 *
 * - the reverse copy: the newest copy of the dr database in the PRODUCTION region (a recovery point
 *   in the copy vault the dr environment's backup bundle creates there once re-protected, or a
 *   snapshot copy), with its age against the RPO, awaited until within it before the switchover;
 * - the switchover: the dr environment's writers fenced (node groups to zero), then a manual
 *   snapshot of its database in the DR region, copied into the production region with the
 *   production database's own key (so the restored instance keeps the key its Terraform names,
 *   and leaving the restore step replaces nothing). Everything written before the fence is in it:
 *   zero data loss.
 */
import type { DBSnapshot } from '@aws-sdk/client-rds';
import { namer, recoveryPointMissing, refuseOne } from '@parity/model';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';
import { allAliases, type Clients, clients, copySnapshot, createSnapshot, DescribeKeyCommand, waitSnapshot } from '../cloud/aws.js';
import { refuseFailback } from './section.js';
import { databaseOf } from './procedure.js';
import type { Pair } from '../pair.js';
import { describePoint, newestSnapshot, type SnapshotPoint } from '../failover/recovery-point.js';

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

/** The switchover snapshot's identifier (the same in both regions): the dr database's, `failback`, the second. Same for the same inputs. */
export function switchoverSnapshotId(drDb: string, at: Date): string {
  return `${drDb}-failback-${at
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:T]/g, '')}`;
}

/** The reverse copy vault: the vault the dr environment's Terraform places in the production region. */
export function reverseVault(pair: Pair, drJson: TerraformJson): string | undefined {
  return literal(placedResources(drJson, 'aws_backup_vault').find((v) => v.region === pair.primary.region)?.body.name);
}

/** The newest copy of the dr database in the production region, if any. */
export async function reverseBackup(t: ApiTarget, pair: Pair, drJson: TerraformJson): Promise<SnapshotPoint | undefined> {
  const db = databaseOf(drJson)?.id;
  if (!db) return refuseOne(recoveryPointMissing(pair.dr.name, pair.dr.region, `a database in ${pair.dr.name}'s Terraform`));
  const vault = reverseVault(pair, drJson);
  const c = t.clientsFor(pair.primary.region);
  try {
    return await newestSnapshot({ rds: c.rds, backup: c.backup, sourceDbIdentifier: db, ...(vault ? { vault } : {}), signal: t.signal });
  } finally {
    c.destroy();
  }
}

export interface ReverseBackupWait extends ApiTarget {
  readonly now: () => Date;
  readonly waitMs: number;
  readonly pollMs: number;
  /** An emulator runs no backup jobs (moto): accept no recovery point (and say so) instead of waiting for one. */
  readonly acceptNone: boolean;
}

/** Wait until the reverse copy is within the RPO; refused at the timeout (an emulator: none accepted). */
export async function awaitReverseBackup(w: ReverseBackupWait, pair: Pair, drJson: TerraformJson): Promise<SnapshotPoint | undefined> {
  const deadline = Date.now() + w.waitMs;
  const rpo = pair.dr.dr.rpoMinutes;
  const vault = reverseVault(pair, drJson) ?? `(no vault of ${pair.dr.name} in ${pair.primary.region})`;
  for (;;) {
    const now = w.now();
    const p = await reverseBackup(w, pair, drJson);
    w.log?.(`reverse copy in ${pair.primary.region}: ${p ? describePoint(p, now, rpo) : `none yet in ${vault}`}`);
    if (!p && w.acceptNone) return undefined;
    if (p && now.getTime() - p.dataAt.getTime() <= rpo * 60_000) return p;
    if (Date.now() + w.pollMs > deadline) {
      return refuseFailback.reverseCopyBehind(
        pair.primary.name,
        vault,
        `no copy of ${pair.dr.name}'s database within the ${rpo} min RPO in ${pair.primary.region} after ${Math.round(w.waitMs / 60_000)} min: ${p ? describePoint(p, now, rpo) : 'none'}`,
        `apply ${pair.dr.name} with failback.step reprotect (it creates the copy vault in ${pair.primary.region} and the copy actions), wait for a backup and its copy (or start one: aws backup start-backup-job), then run pnpm failback again`,
      );
    }
    await new Promise((r) => setTimeout(r, w.pollMs));
  }
}

/** The ARN of the production database's key, through its alias in the production region (the key its Terraform names). */
async function productionKey(t: ApiTarget, pair: Pair): Promise<string> {
  const alias = `alias/${namer(pair.primary.platform, pair.primary.name)('aws.kmsAlias', 'database')}`;
  const c = t.clientsFor(pair.primary.region);
  try {
    const a = (await allAliases(c.kms, t.signal)).find((x) => x.AliasName === alias);
    const arn = a?.TargetKeyId
      ? (await c.kms.send(new DescribeKeyCommand({ KeyId: a.TargetKeyId }), { abortSignal: t.signal })).KeyMetadata?.Arn
      : undefined;
    if (!arn) return refuseOne(recoveryPointMissing(pair.primary.name, pair.primary.region, `the database key ${alias}`));
    return arn;
  } finally {
    c.destroy();
  }
}

export interface SwitchoverSnapshot {
  /** The manual snapshot of the dr database, in the DR region, taken after the fence. */
  readonly source: DBSnapshot;
  /** Its copy in the production region, encrypted with the production database's key: what the database is re-created from. */
  readonly copy: DBSnapshot;
}

/**
 * After the fence: a snapshot of the dr database in the DR region, copied into the production
 * region with the production database's key, both awaited until available.
 */
export async function switchoverSnapshot(
  t: ApiTarget,
  pair: Pair,
  drJson: TerraformJson,
  id: string,
  tags: Record<string, string>,
): Promise<SwitchoverSnapshot> {
  const db = databaseOf(drJson)?.id;
  if (!db) return refuseOne(recoveryPointMissing(pair.dr.name, pair.dr.region, `a database in ${pair.dr.name}'s Terraform`));
  const key = await productionKey(t, pair);
  const dr = t.clientsFor(pair.dr.region);
  const prod = t.clientsFor(pair.primary.region);
  const onStatus = (what: string) => (s: string) => t.log?.(`${what}: ${s}`);
  try {
    t.log?.(`CreateDBSnapshot ${id} of ${db} in ${pair.dr.region}`);
    await createSnapshot(dr.rds, db, id, tags, t.signal);
    const source = await waitSnapshot(dr.rds, id, { ...(t.signal ? { signal: t.signal } : {}), onStatus: onStatus(`snapshot ${id}`) });
    t.log?.(`CopyDBSnapshot ${id} → ${pair.primary.region}, encrypted with ${key}`);
    await copySnapshot(prod.rds, source.DBSnapshotArn!, id, key, t.signal);
    const copy = await waitSnapshot(prod.rds, id, { ...(t.signal ? { signal: t.signal } : {}), onStatus: onStatus(`copy ${id}`) });
    return { source, copy };
  } finally {
    dr.destroy();
    prod.destroy();
  }
}
