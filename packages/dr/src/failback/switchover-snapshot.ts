/**
 * The switchover of a backup & restore failback: after the fence, a manual snapshot of the dr
 * database in the DR region, copied into the production region with the production database's
 * own key (so the restored instance keeps the key its Terraform names, and leaving the restore
 * step replaces nothing). Everything written before the fence is in it: zero data loss.
 */
import type { DBSnapshot } from '@aws-sdk/client-rds';
import { namer, recoveryPointMissing, refuseOne } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { allAliases, type ApiTarget, copySnapshot, createSnapshot, DescribeKeyCommand, waitSnapshot } from '../cloud/aws.js';
import { databaseOf } from '../names.js';

export { switchoverSnapshotId } from '../names.js';
import type { Pair } from '../pair.js';

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
