/**
 * Which cloud a pair's failover and failback reach, routed by the pair's cloud in one place: the
 * flag that points `pnpm failover` and `pnpm failback` at it (`--aws`: the ambient AWS
 * credentials; `--gcp`: Google's Application Default Credentials), the command lines the
 * procedures and the runbook print, and the refusal of a flag that does not reach the pair.
 * `--endpoint` reaches either: an emulator for AWS (moto), an endpoint answering as Cloud SQL
 * Admin does for GCP (the recorded answers of the tests).
 */
import type { Cloud } from '@parity/model';
import { refuseOne, targetCloud } from '@parity/model';
import type { Pair } from '../pair.js';

export type FailoverTarget = { kind: 'endpoint'; url: string } | { kind: 'aws' } | { kind: 'gcp' };

/** The flag of each cloud. */
export const CLOUD_FLAG: Readonly<Record<Cloud, '--aws' | '--gcp'>> = { aws: '--aws', gcp: '--gcp' };

/** The endpoint a target names, if any. */
export const endpointOf = (t: FailoverTarget): string | undefined => (t.kind === 'endpoint' ? t.url : undefined);

/** Refused when the target is the other cloud's (`--aws` for a GCP pair, `--gcp` for an AWS one). */
export function checkTarget(pair: Pair, target: FailoverTarget, command: 'failover' | 'failback'): void {
  if (target.kind === 'endpoint' || target.kind === pair.dr.cloud) return;
  refuseOne(targetCloud(pair.dr.name, pair.dr.cloud, CLOUD_FLAG[target.kind], command, `${CLOUD_FLAG[pair.dr.cloud]}, --endpoint <url>`));
}

/** `pnpm failover` of a pair as the operator runs it: real names, the reason and who from the shell. */
export function failoverLine(pair: Pair, extra = ''): string {
  return `pnpm failover ${pair.dr.name} ${CLOUD_FLAG[pair.dr.cloud]}${extra} --reason "${pair.primary.region} declared lost" --by "$USER"`;
}

/** `pnpm failback` of a pair's next step as the operator runs it. */
export function failbackLine(pair: Pair): string {
  return `pnpm failback ${pair.dr.name} ${CLOUD_FLAG[pair.dr.cloud]} --reason "${pair.primary.region} available again" --by "$USER"`;
}
