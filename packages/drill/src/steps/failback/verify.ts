/** 5. Both regions in their original roles, through the API; the failback measured. */
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { databaseOf } from '@parity/dr';
import { clients } from '@parity/dr/aws';
import { refuseOne, type Verification, verificationFailed } from '@parity/model';
import { placedResources } from '@parity/model/terraform';
import type { DrillContext } from '../../context.js';
import { verifyDr } from '../verification.js';
import type { RolesRestored } from '../values.js';
import { record } from './plan.js';
import { measureFailbackData } from '../data.js';

/** The dr database: a read replica of the primary's again, through the API of the dr region. */
async function verifyReplicaAgain(ctx: DrillContext, r: RolesRestored): Promise<Verification> {
  const { primary, dr } = ctx.pair;
  const id = databaseOf(r.dr.json)?.id;
  const source = databaseOf(r.primary.json)?.id;
  const c = clients(dr.region, r.verified.primary.endpoint, ctx.caller('verification'));
  try {
    const inst = (await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    const src = inst?.ReadReplicaSourceDBInstanceIdentifier;
    const ok = !!src && src.endsWith(`:db:${source}`) && src.split(':')[3] === primary.region;
    return {
      what: `database ${id} in ${dr.region}: a read replica of ${source} again`,
      ok,
      detail: ok ? `${inst?.DBInstanceStatus}, replicates ${src}` : `replicates ${src ?? 'nothing'}`,
    };
  } finally {
    c.destroy();
  }
}

export async function verifyFailback(ctx: DrillContext, r: RolesRestored): Promise<void> {
  const { primary } = ctx.pair;
  await ctx.step('verify-failback', async (s) => {
    const rec = record(ctx);
    const c = clients(primary.region, r.verified.primary.endpoint, ctx.caller('verification'));
    let checks: Verification[];
    try {
      const v = { json: r.primary.json, region: primary.region, clients: c, sourceStaysAfterPromotion: ctx.emulated };
      const copy = r.snapshot?.copy;
      const here = await verifyDr({ ...v, ...(copy ? { copy } : {}), markerId: r.verified.marker.id, signal: s.signal });
      // a dr environment whose Terraform holds a replica again is checked to replicate; one that does not (backup & restore)
      // goes with the procedure's destroy (the drill's teardown)
      const replicaAgain = placedResources(r.dr.json, 'aws_db_instance').some((d) => d.body.replicate_source_db !== undefined);
      checks = replicaAgain ? [...here, await verifyReplicaAgain(ctx, r)] : here;
    } finally {
      c.destroy();
    }
    ctx.report.verification.push(...checks.map((x) => ({ ...x, what: `failback: ${x.what}` })));
    const failed = checks.filter((x) => !x.ok);
    if (failed.length) refuseOne(verificationFailed(primary.region, failed, checks.length));
    s.update('data plane: counting the rows that came back');
    const d = await measureFailbackData(r.verified.primary.data);
    const at = ctx.now();
    rec.verifiedAt = at.toISOString();
    rec.durationSeconds = Math.round((at.getTime() - new Date(rec.startedAt).getTime()) / 10) / 100;
    rec.note = ctx.strategy.drill.failbackNote(ctx.pair, ctx.emulated);
    s.note(
      `${checks.length} checks passed; data plane: ${d.rpo.rows} of ${d.acknowledged} acknowledged commits missing, ${d.checksums.verified} checksums verified; failback took ${rec.durationSeconds} s`,
    );
  });
}
