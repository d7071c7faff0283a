/**
 * Cloud SQL Admin as the failover and the failback call it, through Google's client library
 * (`@google-cloud/sql`, v1): an instance (instances.get), its promotion (instances.promoteReplica)
 * and the wait for that operation (operations.get until DONE). Against the team's project with
 * Application Default Credentials (`--gcp`), or against an endpoint that answers as Cloud SQL Admin
 * does (`--endpoint`: the recorded answers of the tests, on 127.0.0.1), without credentials.
 *
 * The REST transport (`fallback`) is used in both cases: the same JSON Cloud SQL Admin documents,
 * and the one a local server can answer. No Cloud SQL emulator exists; this path has not run
 * against real GCP (docs/failover-failback.md).
 *
 * Every failure goes through the one cloud error mapper (`@parity/model` cloud-errors.ts):
 * credentials, an unreachable endpoint, access denied, throttling (retried with backoff).
 */
import { type protos, v1 } from '@google-cloud/sql';
import { GoogleAuth, PassThroughClient } from 'google-auth-library';
import { type CloudCall, operationFailed, refuseOne, retryThrottled } from '@parity/model';
import { sleep } from './wait.js';

/** An instance as the failover reads it. */
export interface SqlInstance {
  readonly project: string;
  readonly name: string;
  readonly region?: string;
  /** RUNNABLE, PENDING_CREATE, MAINTENANCE, … */
  readonly state: string;
  /** CLOUD_SQL_INSTANCE (a standalone primary) or READ_REPLICA_INSTANCE. */
  readonly instanceType: string;
  /** What it replicates (`project:name`), for a replica. */
  readonly masterInstanceName?: string;
  readonly selfLink?: string;
}

/** An operation once it is DONE. */
export interface SqlOperation {
  readonly name: string;
  readonly operationType: string;
  readonly targetId?: string;
  readonly startTime?: string;
  readonly endTime?: string;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** How often to read the operation (default 10 s). */
  readonly pollMs?: number;
  /** How long to wait in all (default 30 min: a promotion restarts the instance). */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface GcpSql {
  /** instances.get; none when the instance does not exist. */
  instance(project: string, name: string): Promise<SqlInstance | undefined>;
  /** instances.promoteReplica, then operations.get until the operation is DONE (refused on its error or at the timeout). */
  promoteReplica(project: string, name: string, wait?: WaitOptions): Promise<SqlOperation>;
  close(): Promise<void>;
}

type Operation = protos.google.cloud.sql.v1.IOperation;

const text = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const iso = (t: { seconds?: unknown } | null | undefined): string | undefined =>
  t?.seconds !== undefined && t.seconds !== null ? new Date(Number(t.seconds) * 1000).toISOString() : undefined;

/**
 * The client options: the endpoint's host, port and protocol with no credentials, or Google's
 * endpoint with Application Default Credentials, loaded here first: a client left to load them
 * itself also starts a locations client whose failure to load them nothing awaits (an unhandled
 * rejection that ends the process), where this one is refused with its fix.
 */
async function clientOptions(endpoint: string | undefined) {
  if (!endpoint) return { fallback: true, authClient: await new GoogleAuth({ scopes: [SCOPE] }).getClient() };
  const u = new URL(endpoint);
  const protocol = u.protocol.replace(':', '');
  const port = Number(u.port || (protocol === 'https' ? 443 : 80));
  return { fallback: true, apiEndpoint: u.hostname, port, protocol, authClient: new PassThroughClient() };
}

const SCOPE = 'https://www.googleapis.com/auth/sqlservice.admin';

/** Cloud SQL Admin, against Google (ADC) or an endpoint that answers as it does. The clients are made at the first call. */
export function gcpSql(endpoint?: string): GcpSql {
  const clients = lazyClients(endpoint);
  const call = cloudCall(endpoint);
  return {
    async instance(project, name) {
      try {
        const [i] = await retryThrottled(call('cloudsql.instances.get'), async () =>
          (await clients.get()).instances.get({ project, instance: name }),
        );
        return toInstance(i, project, name);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },

    async promoteReplica(project, name, wait = {}) {
      const [started] = await retryThrottled(call('cloudsql.instances.promoteReplica'), async () =>
        (await clients.get()).instances.promoteReplica({ project, instance: name }),
      );
      const read = async (opName: string): Promise<Operation> =>
        (
          await retryThrottled(call('cloudsql.operations.get'), async () =>
            (await clients.get()).operations.get({ project, operation: opName }),
          )
        )[0];
      const opName = started.name ?? '';
      return toOperation(opName, await untilDone(`${project}:${name}`, opName, started, read, wait));
    },

    async close() {
      await clients.close();
    },
  };
}

type Clients = { instances: v1.SqlInstancesServiceClient; operations: v1.SqlOperationsServiceClient };

/** The two clients, made once at the first call; closing closes them if they were made. */
function lazyClients(endpoint: string | undefined) {
  let made: Promise<Clients> | undefined;
  return {
    get(): Promise<Clients> {
      made ??= clientOptions(endpoint).then((o) => ({
        instances: new v1.SqlInstancesServiceClient(o),
        operations: new v1.SqlOperationsServiceClient(o),
      }));
      return made;
    },
    async close() {
      const m = await made?.catch(() => undefined); // credentials that never loaded: already refused
      if (m) await Promise.allSettled([m.instances.close(), m.operations.close()]);
    },
  };
}

/** What the cloud error mapper is told of a call: the service, the operation and the endpoint, if any. */
function cloudCall(endpoint: string | undefined) {
  return (operation: string): CloudCall => ({
    service: 'Google Cloud SQL Admin',
    operation,
    ...(endpoint ? { endpoint } : {}),
    hint: endpoint ? 'the endpoint must answer as Cloud SQL Admin does (sqladmin.googleapis.com/v1)' : undefined,
  });
}

/** NOT_FOUND (gRPC code 5, HTTP 404). */
function isNotFound(e: unknown): boolean {
  return (e as { code?: unknown }).code === 5 || (e as { httpStatusCode?: unknown }).httpStatusCode === 404;
}

/** instances.get's answer as the failover reads it. */
function toInstance(i: protos.google.cloud.sql.v1.IDatabaseInstance, project: string, name: string): SqlInstance {
  return {
    project: i.project ?? project,
    name: i.name ?? name,
    ...(i.region ? { region: i.region } : {}),
    state: text(i.state),
    instanceType: text(i.instanceType),
    ...(i.masterInstanceName ? { masterInstanceName: i.masterInstanceName } : {}),
    ...(i.selfLink ? { selfLink: i.selfLink } : {}),
  };
}

/** Reads the operation until it is DONE; refused on its errors or at the timeout. */
async function untilDone(
  target: string,
  opName: string,
  started: Operation,
  read: (opName: string) => Promise<Operation>,
  wait: WaitOptions,
): Promise<Operation> {
  const deadline = Date.now() + (wait.timeoutMs ?? 30 * 60_000);
  let op = started;
  for (;;) {
    const errors = op.error?.errors ?? [];
    if (errors.length)
      refuseOne(operationFailed('promoteReplica', target, opName, errors.map((x) => `${x.code}: ${x.message}`).join('; ')));
    if (text(op.status) === 'DONE') return op;
    wait.log?.(`promoteReplica ${target}: operation ${opName} ${text(op.status) || 'PENDING'}`);
    if (Date.now() > deadline)
      refuseOne(operationFailed('promoteReplica', target, opName, `not DONE within ${Math.round((wait.timeoutMs ?? 0) / 60_000)} min`));
    await sleep(wait.pollMs ?? 10_000, wait.signal);
    op = await read(opName);
  }
}

/** A DONE operation as the failover records it. */
function toOperation(opName: string, op: Operation): SqlOperation {
  return {
    name: opName,
    operationType: text(op.operationType),
    ...(op.targetId ? { targetId: op.targetId } : {}),
    ...(iso(op.startTime) ? { startTime: iso(op.startTime) } : {}),
    ...(iso(op.endTime) ? { endTime: iso(op.endTime) } : {}),
  };
}
