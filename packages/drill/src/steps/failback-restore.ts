/**
 * `pnpm drill --failback` of a backup & restore pair: after the failover restored the dr
 * environment, the return to the primary region as `pnpm failback` makes it (the same planning,
 * manifest texts, procedure, fence and switchover snapshot), each change applied in the drill's
 * work folders and never written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clients, DescribeBackupVaultCommand } from '@parity/dr';
import { reverseVault } from '@parity/dr';
import { fencedSnapshot } from '@parity/dr';
import { applyChange, optionsOf, plan, record, restoredExactly, snapshotExists } from './failback.js';
import type { DrillRun } from '../context.js';
import { stateResources } from '../target/terraform.js';

const dbState = (dir: string) => stateResources(dir).find((r) => r.type === 'aws_db_instance');

/** 1. reprotect: the dr environment applied with its backups also copied into the primary region; the copy vault read back there. */
export async function reprotectBackups(run: DrillRun): Promise<void> {
  await run.step('reprotect', async (s) => {
    const rec = record(run);
    const p = await plan(run, s, 'reprotect');
    const applied = p.change.alsoChanged.map((c) => c.env);
    if (!applied.includes(run.dr.name)) throw new Error(`failback step reprotect changes nothing in ${run.dr.name}'s Terraform`);
    for (const env of applied) await applyChange(run, s, p, env);
    const vault = reverseVault(p.pair, run.drPrep!.json);
    if (!vault) throw new Error(`${run.dr.name}'s Terraform places no backup vault in ${run.primary.region} after failback step reprotect`);
    const c = clients(run.primary.region, run.endpoint);
    try {
      const v = await c.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: vault }), { abortSignal: s.signal });
      const key = String(v.EncryptionKeyArn ?? '');
      if (key.split(':')[3] !== run.primary.region)
        throw new Error(`the reverse copy vault ${vault} is encrypted with ${key}, not a key of ${run.primary.region}`);
      const actions = run.emulated
        ? 'the copy action to it synthesized, its plan not updated on the emulator (see not exercised)'
        : 'copy actions to it';
      const detail = `${run.dr.name} applied: copy vault ${v.BackupVaultArn} (key ${key}), ${actions}; ${run.primary.name} unchanged. Reverse copy found: ${p.reverseText}`;
      rec.steps.push({ step: 'reprotect', detail });
      s.note(detail);
    } finally {
      c.destroy();
    }
  });
}

/** 2. restore: within the RPO (none on an emulator), fence the dr side, snapshot it, copy it back, re-create the primary's database from it. */
export async function restoreBack(run: DrillRun): Promise<void> {
  await run.step('switchover', async (s) => {
    const rec = record(run);
    const p = await plan(run, s, 'restore');
    rec.beforeFence = p.reverseText;
    s.update(`fencing ${run.dr.name}'s writers, then the switchover snapshot`);
    const f = await fencedSnapshot(optionsOf(run), { log: (l) => s.update(l) }, p, run.drPrep!.json, s.signal);
    run.failbackSnapshots = f.snapshot;
    rec.fenced = f.fenced;
    rec.atSwitchover = `snapshot ${f.snapshot.source.DBSnapshotArn} taken after the fence, copied as ${f.snapshot.copy.DBSnapshotArn} (key ${f.snapshot.copy.KmsKeyId})`;
    const applied = await applyChange(run, s, p, run.primary.name);
    if (!applied.replaced)
      throw new Error(`failback step restore did not re-create ${run.primary.name}'s database (the procedure names no -replace)`);
    rec.replaced = [applied.replaced];
    const kept = applied.finalSnapshot ? await snapshotExists(run, run.primary.region, applied.finalSnapshot) : false;
    if (!kept)
      throw new Error(
        `the old database's final snapshot ${applied.finalSnapshot ?? '(none named)'} was NOT found in ${run.primary.region}`,
      );
    const db = dbState(run.primaryPrep!.dir);
    if (db?.values.snapshot_identifier !== p.snapshotId)
      throw new Error(`${run.primary.name}'s database was not restored from ${p.snapshotId}`);
    const detail = `fenced ${f.fenced.join(', ') || 'nothing'}; ${String(db?.values.arn)} re-created from ${p.snapshotId}; the old instance's final snapshot ${applied.finalSnapshot} kept`;
    rec.steps.push({ step: 'restore', detail });
    s.note(detail);
  });
}

/** 3. complete: both sections removed; the restored database kept (not replaced), nothing pending; the manifests as before. */
export async function completeBackups(run: DrillRun): Promise<void> {
  await run.step('failback-complete', async (s) => {
    const rec = record(run);
    const before = dbState(run.primaryPrep!.dir)?.values.arn;
    const p = await plan(run, s, 'complete');
    await applyChange(run, s, p, run.primary.name);
    const after = dbState(run.primaryPrep!.dir)?.values.arn;
    if (before !== after) throw new Error(`leaving failback step restore replaced the database (${String(before)} → ${String(after)})`);
    s.update(`terraform plan ${run.primary.name}: the database not replaced`);
    const pending = await run.terraform.pendingChanges(run.primaryPrep!.dir, run.tfCtx(s.signal), run.primary.name);
    const db = pending.filter((x) => x.address.startsWith('aws_db_instance.') && /replaced|destroyed/.test(x.action));
    if (db.length) throw new Error(`${run.primary.name}'s plan still replaces ${db.map((x) => `${x.address} (${x.action})`).join(', ')}`);
    const originals = Object.fromEntries(p.change.files.map((f) => [f.env, run.ws.manifests.get(f.env)!.file]));
    rec.manifestsRestored = p.change.files.every((f) => restoredExactly(readFileSync(join(run.root, originals[f.env]!), 'utf8'), f.after));
    if (!rec.manifestsRestored) throw new Error('the manifests are not as before the failover, apart from the history comment');
    const left = pending.map((x) => `${x.address} ${x.action}`).join(', ');
    const detail = `${String(after)} kept as restored (snapshot_identifier read at creation only); terraform plan after the apply ${left ? `still lists ${left} (drift the emulator leaves; the database is not replaced)` : 'shows nothing pending'}; manifests as before the failover, apart from the history comment`;
    rec.steps.push({ step: 'complete', detail });
    s.note(detail);
  });
}
