/**
 * The environment a replica copies, for both clouds' deploy functions. Resolution sets it for
 * every database in a dr environment under pilot-light or warm-standby (and its GCP project on
 * GCP), and the dr-policy rule refuses `mode: replica` anywhere else first, naming the manifest;
 * this guards a deploy called without resolution.
 */
import { bundleRuleBroken, type DeployContext, refuseOne, type ResolvedDr } from '@parity/model';
import type { DatabaseParams } from './index.js';

export type ReplicaSource = NonNullable<ResolvedDr['replicaSource']>;

export function replicaSource(ctx: DeployContext<DatabaseParams>): ReplicaSource {
  const source = ctx.env.dr.replicaSource;
  if (!source || (ctx.env.cloud === 'gcp' && !source.gcpProject)) {
    refuseOne(
      bundleRuleBroken('database', {
        param: 'mode',
        message: `bundle database in ${ctx.env.name}: mode replica needs the environment it replicates (a dr environment under pilot-light or warm-standby)`,
        allowed: 'replica only in a dr environment under pilot-light or warm-standby; primary elsewhere',
        fix: 'set mode: primary, or deploy a resolved dr environment (pnpm gen env <name> --role dr --recovers <env>)',
      }),
    );
  }
  return source;
}
