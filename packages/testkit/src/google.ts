/**
 * Tests of Google's client libraries against recorded responses: an HTTP server on 127.0.0.1 that
 * answers as a Google REST API does (Cloud SQL Admin: `/v1/projects/{project}/…`, JSON, enums as
 * numbers because the client asks for `enum-encoding=int`), so the real client library code runs
 * end to end (google-gax's REST transport, its request building and response decoding, its error
 * type). The client is pointed at it with `apiEndpoint`, `port`, `protocol: 'http'` and an auth
 * client that sends no credentials. Every request is recorded, so a test asserts both what was
 * asked and what was made of the answer. Test support only (imported by *.test.ts).
 *
 * No GCP emulator exists here: these answers follow Cloud SQL Admin's documented shapes
 * (DatabaseInstance, Operation, the Google error body) and have not been compared with real GCP.
 */
import { createServer, type Server } from 'node:http';

export interface GoogleAnswer {
  readonly status?: number;
  readonly body: unknown;
}

export interface GoogleSent {
  /** `GET /v1/projects/p/instances/i` (no query). */
  readonly call: string;
  readonly query: string;
  readonly body: string;
}

export interface RecordedGoogleApi {
  /** `http://127.0.0.1:<port>`, for `--endpoint` or the client's options. */
  readonly url: string;
  readonly sent: GoogleSent[];
  close(): Promise<void>;
}

/** A Google error body (google.rpc.Status over HTTP), as the REST APIs answer a failure. */
export function googleError(code: number, status: string, message: string, reason?: string): GoogleAnswer {
  return {
    status: code,
    body: { error: { code, message, status, ...(reason ? { errors: [{ message, domain: 'global', reason }] } : {}) } },
  };
}

/**
 * Serve `answers` by `METHOD /path` (no query); a list is answered in order, its last entry
 * repeated. A call not recorded is answered 404 NOT_FOUND naming it, and recorded like the others.
 */
export async function recordedGoogleApi(answers: Record<string, GoogleAnswer | readonly GoogleAnswer[]>): Promise<RecordedGoogleApi> {
  const sent: GoogleSent[] = [];
  const count = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString('utf8');
    });
    req.on('end', () => {
      const [path = '', query = ''] = (req.url ?? '').split('?');
      const call = `${req.method} ${path}`;
      sent.push({ call, query, body });
      const recorded = answers[call];
      const list: readonly GoogleAnswer[] = recorded === undefined ? [] : Array.isArray(recorded) ? recorded : [recorded as GoogleAnswer];
      const n = count.get(call) ?? 0;
      count.set(call, n + 1);
      const a = list[Math.min(n, list.length - 1)] ?? googleError(404, 'NOT_FOUND', `no recorded answer for ${call}`);
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Cloud SQL Admin's enum numbers (google.cloud.sql.v1), as it answers with `enum-encoding=int`. */
export const CLOUD_SQL = {
  state: { RUNNABLE: 1, SUSPENDED: 2, PENDING_CREATE: 4, MAINTENANCE: 5, FAILED: 6 },
  instanceType: { CLOUD_SQL_INSTANCE: 1, READ_REPLICA_INSTANCE: 3 },
  operationStatus: { PENDING: 1, RUNNING: 2, DONE: 3 },
  operationType: { PROMOTE_REPLICA: 17 },
} as const;

/** A DatabaseInstance as instances.get answers it (the fields the failover reads, and a few around them). */
export function cloudSqlInstance(o: {
  project: string;
  name: string;
  region: string;
  type: keyof typeof CLOUD_SQL.instanceType;
  state?: keyof typeof CLOUD_SQL.state;
  master?: string;
}): GoogleAnswer {
  return {
    body: {
      kind: 'sql#instance',
      state: CLOUD_SQL.state[o.state ?? 'RUNNABLE'],
      name: o.name,
      project: o.project,
      region: o.region,
      gceZone: `${o.region}-b`,
      connectionName: `${o.project}:${o.region}:${o.name}`,
      selfLink: `https://sqladmin.googleapis.com/v1/projects/${o.project}/instances/${o.name}`,
      instanceType: CLOUD_SQL.instanceType[o.type],
      ...(o.master ? { masterInstanceName: o.master } : {}),
      backendType: 3,
      settings: { kind: 'sql#settings', tier: 'db-custom-2-7680', availabilityType: 1 },
    },
  };
}

/** An Operation as promoteReplica starts it and operations.get reads it. */
export function cloudSqlOperation(o: {
  project: string;
  name: string;
  target: string;
  status: keyof typeof CLOUD_SQL.operationStatus;
  error?: { code: string; message: string };
}): GoogleAnswer {
  return {
    body: {
      kind: 'sql#operation',
      name: o.name,
      status: CLOUD_SQL.operationStatus[o.status],
      operationType: CLOUD_SQL.operationType.PROMOTE_REPLICA,
      targetId: o.target,
      targetProject: o.project,
      targetLink: `https://sqladmin.googleapis.com/v1/projects/${o.project}/instances/${o.target}`,
      selfLink: `https://sqladmin.googleapis.com/v1/projects/${o.project}/operations/${o.name}`,
      insertTime: '2026-12-07T08:00:00.000Z',
      startTime: '2026-12-07T08:00:01.000Z',
      ...(o.status === 'DONE' ? { endTime: '2026-12-07T08:03:12.000Z' } : {}),
      ...(o.error ? { error: { kind: 'sql#operationErrors', errors: [{ kind: 'sql#operationError', ...o.error }] } } : {}),
    },
  };
}
