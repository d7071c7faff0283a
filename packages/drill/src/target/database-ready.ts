/**
 * When a replica's source can be replicated: its database answers as `available` through the API.
 * A read replica needs nothing else of the primary, so the standby's apply can begin then, while
 * the primary's apply still waits on the AWS provider's RDS waiter (on moto the database is
 * available the moment CreateDBInstance returns, about 30 s into the apply; the provider then
 * sleeps 80 s more: waitDBInstanceAvailable, a 60 s delay and three polls 10 s apart).
 */
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { clients, sleep } from '@parity/dr/aws';
import { interruption } from '@parity/model';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';

export interface DatabaseReadyOptions {
  /** The emulator's endpoint, or none for AWS. */
  readonly endpoint?: string;
  readonly signal: AbortSignal;
  /** Between two DescribeDBInstances calls, in ms. */
  readonly pauseMs: number;
  /** The RDS client to ask (tests: recorded answers); by default one for `region` at `endpoint`. */
  readonly rds?: RDSClient;
}

/** The identifier of the database `json` places in `region`, if it has one. */
export function databaseIn(json: TerraformJson, region: string): string | undefined {
  return literal(placedResources(json, 'aws_db_instance').find((d) => d.region === region)?.body.identifier);
}

/**
 * Wait until `json()` (the primary's work copy, once written) is known and its database in
 * `region` answers as available; at once when it places none (nothing to replicate).
 */
export async function databaseAvailable(json: () => TerraformJson | undefined, region: string, o: DatabaseReadyOptions): Promise<void> {
  const c = o.rds ? undefined : clients(region, o.endpoint);
  const rds = o.rds ?? c!.rds;
  try {
    for (;;) {
      if (o.signal.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : interruption('abort');
      const doc = json();
      const id = doc ? databaseIn(doc, region) : undefined;
      if (doc && !id) return;
      if (id && (await status(rds, id, o.signal)) === 'available') return;
      await sleep(o.pauseMs, o.signal);
    }
  } finally {
    c?.destroy();
  }
}

/** The database's status, or none while it does not exist yet. */
async function status(rds: RDSClient, id: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const r = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), { abortSignal: signal });
    return r.DBInstances?.[0]?.DBInstanceStatus;
  } catch (e) {
    if ((e as { name?: string }).name === 'DBInstanceNotFoundFault') return undefined;
    throw e;
  }
}
