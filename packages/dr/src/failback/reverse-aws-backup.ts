/**
 * The reverse copy of a backup & restore failback, through AWS Backup: the newest copy of the dr
 * database in the PRODUCTION region (a recovery point in the copy vault the dr environment's
 * backup bundle creates there once re-protected, or a snapshot copy), with its age against the
 * RPO, awaited until within it before the switchover. `pnpm failback` and `pnpm drill --failback`
 * run the same functions.
 */
import { recoveryPointMissing, refuseOne, reverseCopyBehind } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import type { ApiTarget } from '../cloud/aws.js';
import { describePoint, newestSnapshot, type SnapshotPoint } from '../failover/recovery-point.js';
import { databaseOf, reverseVault } from '../names.js';

export { reverseVault } from '../names.js';
import type { Pair } from '../pair.js';

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
      return refuseOne(
        reverseCopyBehind(
          pair.primary.name,
          vault,
          `no copy of ${pair.dr.name}'s database within the ${rpo} min RPO in ${pair.primary.region} after ${Math.round(w.waitMs / 60_000)} min: ${p ? describePoint(p, now, rpo) : 'none'}`,
          `apply ${pair.dr.name} with failback.step reprotect (it creates the copy vault in ${pair.primary.region} and the copy actions), wait for a backup and its copy (or start one: aws backup start-backup-job), then run pnpm failback again`,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, w.pollMs));
  }
}
