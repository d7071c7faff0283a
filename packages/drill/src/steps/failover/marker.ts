/**
 * 3-4. The marker and the loss: a snapshot of the primary's database with a known time and tag,
 * and a queue message; then the primary region declared lost, and the recovery clock started.
 */
import { snapshotId } from '@parity/dr';
import { arnRegion, clients, createSnapshot, sendMarkerMessage, waitSnapshot } from '@parity/dr/aws';
import { refuseOne } from '@parity/model';
import { literal, placedResources } from '@parity/model/terraform';
import type { DrillContext } from '../../context.js';
import { type StateResource, stateResources } from '../../target/terraform.js';
import { stateLacks } from '../outcomes.js';
import type { CopyKey, Loss, Marker, PrimaryApplied } from '../values.js';
import { loseData } from '../data.js';
import { stopRegistry } from '../registry.js';

/** The KMS key in the DR region that backup copies use, from the primary's state: the DR copy vault's key. */
export function copyKeyFromState(resources: readonly StateResource[], drRegion: string): CopyKey | undefined {
  const vault = resources.find(
    (r) =>
      r.type === 'aws_backup_vault' &&
      arnRegion(r.values.arn as string | undefined) === drRegion &&
      typeof r.values.kms_key_arn === 'string',
  );
  if (vault) return { arn: vault.values.kms_key_arn as string, address: vault.address };
  const key = resources.find((r) => r.type === 'aws_kms_key' && arnRegion(r.values.arn as string | undefined) === drRegion);
  return key ? { arn: key.values.arn as string, address: key.address } : undefined;
}

/** The note the report gives the marker: what it proves, on this target. */
function markerNote(emulated: boolean): string {
  const rows = "the data itself is the data plane's: rows written to real PostgreSQL and counted after the recovery (see Data)";
  return emulated
    ? `the marker of the control plane is the snapshot (its identity, tag and creation time), taken through the RDS API as a backup job would; ${rows}.`
    : `the marker of the control plane is the snapshot (its identity, tag and creation time); ${rows}.`;
}

/** 3. The marker: a snapshot of the primary's database with a known time and tag, and a queue message. */
export async function writeMarker(ctx: DrillContext, p: PrimaryApplied): Promise<Marker> {
  const { primary, dr } = ctx.pair;
  const state = stateResources(p.primary.dir);
  const copyKey = copyKeyFromState(state, dr.region);
  return ctx.step('marker', async (s) => {
    const c = clients(primary.region, p.endpoint, ctx.caller('CreateDBSnapshot, SendMessage'));
    try {
      const db = state.find(
        (r) => r.type === 'aws_db_instance' && arnRegion(r.values.arn as string) === primary.region && !r.values.replicate_source_db,
      );
      const instanceId = db?.values.identifier as string | undefined;
      if (!instanceId) refuseOne(stateLacks(ctx, p.primary.dir, primary.name, `a database instance in ${primary.region}`));
      const markerId = `drill-${ctx.stamp}`.toLowerCase();
      const id = snapshotId('parity', ctx.stamp, 'marker');
      s.update(`CreateDBSnapshot ${id}`);
      await createSnapshot(c.rds, instanceId, id, { 'parity:drill-marker': markerId, 'parity:drill': dr.name }, s.signal);
      ctx.created.snapshots.push({ region: primary.region, id, ...(p.endpoint ? { endpoint: p.endpoint } : {}) });
      const snapshot = await waitSnapshot(c.rds, id, { signal: s.signal, onStatus: (st) => s.update(`snapshot ${id}: ${st}`) });
      const created = snapshot.OriginalSnapshotCreateTime ?? snapshot.SnapshotCreateTime;
      const marker = { id: markerId, snapshotId: id, snapshotArn: snapshot.DBSnapshotArn ?? '', note: markerNote(ctx.emulated) };
      ctx.report.marker = { ...marker, snapshotCreatedAt: created ? new Date(created).toISOString() : '' };
      const queue = placedResources(p.primary.json, 'aws_sqs_queue')
        .map((q) => ({ address: q.address, name: literal(q.body.name), dlq: typeof q.body.redrive_policy === 'string' }))
        .find((q) => q.dlq && q.name);
      if (queue?.name) {
        const msgId = await sendMarkerMessage(c.sqs, queue.name, JSON.stringify({ parityDrill: markerId }), s.signal);
        ctx.report.marker.queueMessage = `message ${msgId} sent to ${queue.name} in ${primary.region}; queues are not replicated, so ${dr.name} must start with it absent`;
      }
      s.note(`snapshot ${id} of ${instanceId} at ${ctx.report.marker.snapshotCreatedAt}`);
      return {
        value: 'marker',
        id: markerId,
        snapshot,
        ...(queue ? { queueAddress: queue.address } : {}),
        ...(copyKey ? { copyKey } : {}),
      };
    } finally {
      c.destroy();
    }
  });
}

/**
 * 4. The loss: the primary region fenced (every request signed for it refused from now on), its
 * data plane killed (SIGKILL; shipping stops first), and the recovery clock started.
 */
export async function declareLoss(ctx: DrillContext, p: PrimaryApplied, _marker: Marker): Promise<Loss> {
  const { primary } = ctx.pair;
  return ctx.step('loss', async (s) => {
    const at = ctx.fence ? ctx.fence.fence(primary.region) : ctx.now();
    if (ctx.report.fence) ctx.report.fence.fencedAt = at.toISOString();
    const killed = await loseData(p.data);
    const registry = await stopRegistry(ctx.root);
    ctx.registryBack = registry.restore;
    if (ctx.report.fence) ctx.report.fence.registry = registry.text;
    ctx.report.lossAt = at.toISOString();
    const fenced = ctx.fence ? `fenced at the proxy (every request signed for it refused)` : 'not fenced (real AWS: no proxy)';
    s.note(
      `${primary.region} lost at ${ctx.report.lossAt}: ${fenced}; ${killed.cluster} killed (SIGKILL) at ${new Date(killed.at).toISOString()}${p.data.shipping ? ', shipping stopped' : ''}; ${registry.text}; recovery clock started`,
    );
    return { value: 'loss', at };
  });
}
