/**
 * 5. Backup & restore: the latest protected data into the DR region, re-encrypted with the DR copy
 * vault's key, as the backup plan's copy job would have landed it.
 */
import { snapshotId } from '@parity/dr';
import { allAliases, clients, copySnapshot, waitSnapshot } from '@parity/dr/aws';
import { refuseOne } from '@parity/model';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';
import type { DrillContext } from '../../context.js';
import type { Copy, CopyKey, Marker, PrimaryApplied } from '../values.js';
import { stateLacks } from '../outcomes.js';

/** The alias (in the DR region) of the key a resource's attribute references, from the Terraform JSON. */
function aliasOfKey(json: TerraformJson, keyArnRef: unknown): string | undefined {
  const keyAddress = typeof keyArnRef === 'string' ? /(aws_kms_key\.[A-Za-z0-9_-]+)\./.exec(keyArnRef)?.[1] : undefined;
  if (!keyAddress) return undefined;
  const alias = placedResources(json, 'aws_kms_alias').find(
    (a) => typeof a.body.target_key_id === 'string' && a.body.target_key_id.includes(`${keyAddress}.`),
  );
  return literal(alias?.body.name);
}

/**
 * Before the loss: the copy is what the backup plan's copy job had landed in the DR region by the
 * day (backups must already be where they are restored); after the loss the fence would refuse its
 * source, presigned for the lost region.
 */
export async function copyLatest(ctx: DrillContext, p: PrimaryApplied, marker: Marker): Promise<Copy> {
  const { primary, dr } = ctx.pair;
  return ctx.step('copy', async (s) => {
    const key = marker.copyKey;
    if (!key) {
      const fix = `the backup bundle creates a copy vault with its own key in each DR region: is ${dr.name} among ${primary.name}'s DR targets?`;
      refuseOne(stateLacks(ctx, p.primary.dir, primary.name, `KMS key in ${dr.region}`, fix));
    }
    const c = clients(dr.region, p.endpoint, ctx.caller('CopyDBSnapshot, ListAliases'));
    try {
      const copyId = snapshotId('parity', ctx.stamp, dr.region);
      s.update(`CopyDBSnapshot → ${copyId}`);
      const source = marker.snapshot.DBSnapshotArn ?? marker.snapshot.DBSnapshotIdentifier ?? '';
      await copySnapshot(c.rds, source, copyId, key.arn, s.signal);
      ctx.created.snapshots.push({ region: dr.region, id: copyId, ...(p.endpoint ? { endpoint: p.endpoint } : {}) });
      const snapshot = await waitSnapshot(c.rds, copyId, { signal: s.signal, onStatus: (st) => s.update(`copy ${copyId}: ${st}`) });
      const keySource = await keySourceOf(ctx, p, key, (alias) =>
        allAliases(c.kms, s.signal).then((l) => l.find((x) => x.AliasName === alias)),
      );
      ctx.report.recovery = { copySnapshotArn: snapshot.DBSnapshotArn, copyKmsKeyArn: snapshot.KmsKeyId, keySource };
      s.note(`${copyId}, encrypted with ${key.arn}`);
      return { value: 'copy', snapshot };
    } finally {
      c.destroy();
    }
  });
}

/** Where the copy's key came from, and the runbook's way to it once the primary's state (in the lost region) is gone: its alias. */
async function keySourceOf(
  ctx: DrillContext,
  p: PrimaryApplied,
  key: CopyKey,
  aliasNamed: (alias: string) => Promise<{ TargetKeyId?: string } | undefined>,
): Promise<string> {
  const { primary, dr } = ctx.pair;
  const vault = placedResources(p.primary.json, 'aws_backup_vault').find((v) => v.region === dr.region);
  const alias = aliasOfKey(p.primary.json, vault?.body.kms_key_arn);
  const source = `the key of ${key.address} in ${primary.name}'s Terraform state, read before the loss`;
  if (!alias) return source;
  const a = await aliasNamed(alias);
  const same = a?.TargetKeyId && key.arn.endsWith(`/${a.TargetKeyId}`);
  return same
    ? `${source}; ${alias} in ${dr.region} names the same key, which is how a runbook finds it when ${primary.region} (and the state in it) is gone`
    : `${source}; WARNING: ${alias} in ${dr.region} ${a ? `names another key (${a.TargetKeyId})` : 'does not exist'}`;
}
