/**
 * The reverse replica of a replica pair's failback: once re-protected, the production
 * environment's database is a read replica of the dr environment's, in the primary region (it
 * receives the data now). Read there, it is awaited until its lag is within the RPO (before the
 * fence), then until lag 0 read after the fence (the switchover loses nothing).
 */
import { recoveryPointMissing, refuseOne, reverseCopyBehind } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { clients } from '../cloud/aws.js';
import { describePoint, type ReplicaPoint, replicaOf } from '../failover/recovery-point.js';
import { databaseOf } from '../names.js';
import type { Pair } from '../pair.js';
import type { FailbackApi } from './api.js';

export interface ReverseWait {
  readonly rds: Parameters<typeof replicaOf>[0];
  readonly cloudwatch: Parameters<typeof replicaOf>[1];
  readonly identifier: string;
  /** The production environment failing back (named in a refusal). */
  readonly env: string;
  /** The region the replica is in (the primary's: it receives the data now). */
  readonly region: string;
  /** The database it must replicate (the dr environment's identifier): anything else was not re-protected. */
  readonly source?: string;
  readonly rpoMinutes: number;
  /** `rpo`: lag within the RPO; `zero`: lag 0, read after `since` (the fence). */
  readonly until: 'rpo' | 'zero';
  readonly since?: Date;
  /** An emulator reports no ReplicaLag: accept an unknown lag (and say so) instead of waiting for one. */
  readonly acceptUnknownLag: boolean;
  readonly waitMs: number;
  readonly pollMs: number;
  readonly now: () => Date;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Wait for the reverse replica in the primary region: within the RPO, or caught up (lag 0); refused at the timeout. */
export async function waitForReverseCopy(w: ReverseWait): Promise<ReplicaPoint> {
  const deadline = Date.now() + w.waitMs;
  for (;;) {
    const now = w.now();
    const p = await replicaOf(w.rds, w.cloudwatch, w.identifier, now, w.signal);
    if (!p)
      return refuseOne(
        reverseCopyBehind(
          w.env,
          w.identifier,
          `no database ${w.identifier} in ${w.region} to switch over to`,
          'apply failback.step reprotect first (it creates the read replica), then run pnpm failback again',
        ),
      );
    if (w.source && !(p.source === w.source || p.source?.endsWith(`:db:${w.source}`)))
      return refuseOne(
        reverseCopyBehind(
          w.env,
          w.identifier,
          `${w.identifier} in ${w.region} is not a read replica of ${w.source} (it replicates ${p.source ?? 'nothing'})`,
          'apply failback.step reprotect first (it replaces the old instance with the replica), then run pnpm failback again',
        ),
      );
    const text = describePoint(p, now, w.rpoMinutes);
    w.log?.(`reverse replica: ${text}`);
    if (p.lagSeconds === undefined && w.acceptUnknownLag) return p;
    // lag 0 counts only when read after the fence: an older datapoint says nothing about the last writes
    const fresh = !w.since || (p.lagAt !== undefined && p.lagAt.getTime() >= w.since.getTime());
    const ok = p.lagSeconds !== undefined && (w.until === 'rpo' ? p.lagSeconds <= w.rpoMinutes * 60 : p.lagSeconds === 0 && fresh);
    if (ok && p.status === 'available') return p;
    if (Date.now() + w.pollMs > deadline) {
      const want = w.until === 'rpo' ? `within the ${w.rpoMinutes} min RPO` : 'at lag 0 (every write of the fenced side applied)';
      refuseOne(
        reverseCopyBehind(
          w.env,
          w.identifier,
          `the reverse replica ${w.identifier} is not ${want} after ${Math.round(w.waitMs / 60_000)} min: ${text}`,
          w.until === 'rpo'
            ? 'wait longer (--wait-minutes), or look at why the replica lags (its size, the write rate, the network between the regions)'
            : 'make sure every writer of the dr environment has stopped (the fence), then run pnpm failback again',
        ),
      );
    }
    await new Promise((r) => setTimeout(r, w.pollMs));
  }
}

/** The reverse replica in the primary region, awaited (`rpo` before the fence, `zero` after it). */
export async function awaitReverse(
  f: FailbackApi,
  pair: Pair,
  json: { primary: TerraformJson; dr: TerraformJson },
  until: 'rpo' | 'zero',
  since?: Date,
): Promise<ReplicaPoint> {
  const id = databaseOf(json.primary)?.id;
  const source = databaseOf(json.dr)?.id;
  if (!id) refuseOne(recoveryPointMissing(pair.primary.name, pair.primary.region, `a database in ${pair.primary.name}'s Terraform`));
  const c = clients(pair.primary.region, f.endpoint);
  try {
    return await waitForReverseCopy({
      rds: c.rds,
      cloudwatch: c.cloudwatch,
      identifier: id,
      env: pair.primary.name,
      region: pair.primary.region,
      ...(source ? { source } : {}),
      rpoMinutes: pair.dr.dr.rpoMinutes,
      until,
      ...(since ? { since } : {}),
      acceptUnknownLag: f.emulator,
      waitMs: f.waitMs,
      pollMs: f.pollMs,
      now: f.now,
      ...(f.log ? { log: f.log } : {}),
      ...(f.signal ? { signal: f.signal } : {}),
    });
  } finally {
    c.destroy();
  }
}
