/**
 * 1. reprotect, as `pnpm failback` makes it: the primary region protects the dr environment again.
 * A replica pair replaces the old primary's database by a read replica of the promoted one;
 * backup & restore also copies the dr environment's backups into the primary region.
 */
import { reverseVault } from '@parity/dr';
import { clients, DescribeBackupVaultCommand } from '@parity/dr/aws';
import { drillOutcome, refuseOne } from '@parity/model';
import type { DrillContext } from '../../context.js';
import { stateResources } from '../../target/terraform.js';
import { stateLacks } from '../outcomes.js';
import type { Reprotected, Verified } from '../values.js';
import { reprotectData } from '../data.js';
import { applyChange, plan, record, snapshotExists, startingPoint } from './plan.js';

/** The failback starts once the primary region is back: the fence lets its requests through again. */
function regionBack(ctx: DrillContext): void {
  const { region } = ctx.pair.primary;
  ctx.fence?.lift(region);
  ctx.registryBack?.();
  if (ctx.report.fence && !ctx.report.fence.liftedAt) ctx.report.fence.liftedAt = ctx.now().toISOString();
}

/** A replica pair: the old primary's database replaced by a read replica of the dr environment's; compute at standby size. */
export async function reprotectAsReplica(ctx: DrillContext, v: Verified): Promise<Reprotected> {
  const { primary } = ctx.pair;
  const back = startingPoint(v);
  return ctx.step('reprotect', async (s) => {
    regionBack(ctx);
    const rec = record(ctx);
    const { p, texts } = await plan(ctx, s, back, 'reprotect');
    const applied = await applyChange(ctx, s, p, back, primary.name);
    const data = await reprotectData(ctx, v.primary.data);
    rec.replaced = applied.replaced ? [applied.replaced] : [];
    const replica = stateResources(applied.work.dir).find((r) => r.type === 'aws_db_instance' && r.values.replicate_source_db);
    if (!replica) refuseOne(stateLacks(ctx, applied.work.dir, primary.name, 'read replica after failback step reprotect'));
    const final = applied.finalSnapshot;
    const kept = final ? await snapshotExists(primary.region, v.primary.endpoint, final) : undefined;
    const detail = `${String(replica.values.arn)} replicates ${String(replica.values.replicate_source_db)}${final ? `; the old instance's final snapshot ${final} ${kept ? 'kept' : 'NOT found'}` : ''}`;
    if (final && !kept)
      refuseOne(
        drillOutcome(
          `(RDS ${primary.region})`,
          detail,
          `final snapshot ${final}`,
          "Terraform's delete of the old instance must keep it: read the apply's log",
        ),
      );
    rec.steps.push({ step: 'reprotect', detail: `${detail}; data plane: ${data}` });
    s.note(`${detail}; data plane: ${data}`);
    return { ...back, pair: p.change.pair, texts, primary: applied.work, value: 'reprotected' };
  });
}

/** Backup & restore: the dr environment applied with its backups also copied into the primary region; the copy vault read back there. */
export async function reprotectWithBackupCopies(ctx: DrillContext, v: Verified): Promise<Reprotected> {
  const { primary, dr } = ctx.pair;
  const back = startingPoint(v);
  return ctx.step('reprotect', async (s) => {
    regionBack(ctx);
    const rec = record(ctx);
    const { p, texts } = await plan(ctx, s, back, 'reprotect');
    const data = await reprotectData(ctx, v.primary.data);
    const envs = p.change.alsoChanged.map((c) => c.env);
    const file = `environments/${dr.name}/environment.yaml`;
    const why = `the production manifest's failback section must give ${dr.name} a copy vault in ${primary.region}: pnpm check ${dr.name}`;
    if (!envs.includes(dr.name))
      refuseOne(drillOutcome(file, `failback step reprotect changes nothing in ${dr.name}'s Terraform`, 'a copy vault, copy actions', why));
    let state = back;
    for (const env of envs) {
      const a = await applyChange(ctx, s, p, state, env);
      state = env === primary.name ? { ...state, primary: a.work } : { ...state, dr: a.work };
    }
    const vault = reverseVault(p.pair, state.dr.json);
    if (!vault)
      refuseOne(
        drillOutcome(
          file,
          `${dr.name}'s Terraform places no backup vault in ${primary.region} after failback step reprotect`,
          'a copy vault',
          why,
        ),
      );
    const c = clients(primary.region, v.primary.endpoint, ctx.caller('DescribeBackupVault'));
    try {
      const vd = await c.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: vault }), { abortSignal: s.signal });
      const key = String(vd.EncryptionKeyArn ?? '');
      if (key.split(':')[3] !== primary.region) {
        const fix = `the backup bundle gives each copy vault a key of its own region: pnpm check ${dr.name}`;
        refuseOne(
          drillOutcome(
            `(AWS Backup ${primary.region})`,
            `the reverse copy vault ${vault} is encrypted with ${key}, not a key of ${primary.region}`,
            `a key of ${primary.region}`,
            fix,
          ),
        );
      }
      const actions = ctx.emulated
        ? 'the copy action to it synthesized, its plan not updated on the emulator (see not exercised)'
        : 'copy actions to it';
      const detail = `${dr.name} applied: copy vault ${vd.BackupVaultArn} (key ${key}), ${actions}; ${primary.name} unchanged. Reverse copy found: ${p.reverseText}; data plane: ${data}`;
      rec.steps.push({ step: 'reprotect', detail });
      s.note(detail);
    } finally {
      c.destroy();
    }
    return { ...state, pair: p.change.pair, texts, value: 'reprotected' };
  });
}
