/**
 * Cloud SQL Admin through Google's client library (`@google-cloud/sql`, its REST transport) against
 * recorded answers on 127.0.0.1 (@parity/testkit's recordedGoogleApi): the real client code builds
 * each request and decodes each answer. What is asked (the path, the method), what is made of the
 * answer (enum numbers to names, a missing instance), the wait for an operation, and each class of
 * failure as a refusal with a fix (issue 25 §2). No GCP emulator exists; these answers follow the
 * documented shapes and have not been compared with real GCP.
 */
import { cloudSqlInstance, cloudSqlOperation, googleError, type RecordedGoogleApi, recordedGoogleApi } from '@parity/testkit';
import { ParityError } from '@parity/model';
import { afterEach, describe, expect, it } from 'vitest';
import { gcpSql } from './gcp-sql.js';

const P = 'acme-dr-gcp-euw4';
const I = 'acme-dr-gcp-euw4-postgres';
const base = `/v1/projects/${P}`;
const servers: RecordedGoogleApi[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function api(answers: Parameters<typeof recordedGoogleApi>[0]) {
  const s = await recordedGoogleApi(answers);
  servers.push(s);
  return s;
}

async function refusal(p: Promise<unknown>): Promise<ParityError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ParityError);
  return e as ParityError;
}

describe('Cloud SQL Admin (recorded answers)', () => {
  it('reads a replica: instances.get, enum numbers decoded to names', async () => {
    const s = await api({
      [`GET ${base}/instances/${I}`]: cloudSqlInstance({
        project: P,
        name: I,
        region: 'europe-west4',
        type: 'READ_REPLICA_INSTANCE',
        master: 'acme-prod-gcp-euw1:acme-prod-gcp-euw1-postgres',
      }),
    });
    const sql = gcpSql(s.url);
    const i = await sql.instance(P, I);
    await sql.close();
    expect(i).toMatchObject({
      project: P,
      name: I,
      region: 'europe-west4',
      state: 'RUNNABLE',
      instanceType: 'READ_REPLICA_INSTANCE',
      masterInstanceName: 'acme-prod-gcp-euw1:acme-prod-gcp-euw1-postgres',
    });
    expect(s.sent.map((x) => x.call)).toEqual([`GET ${base}/instances/${I}`]);
    expect(s.sent[0]!.query).toMatch(/enum-encoding=int/);
  });

  it('a missing instance is none (404 NOT_FOUND)', async () => {
    const s = await api({
      [`GET ${base}/instances/${I}`]: googleError(404, 'NOT_FOUND', 'The Cloud SQL instance does not exist.', 'instanceDoesNotExist'),
    });
    const sql = gcpSql(s.url);
    expect(await sql.instance(P, I)).toBeUndefined();
    await sql.close();
  });

  it('promotes: promoteReplica, then operations.get until DONE', async () => {
    const op = { project: P, name: 'op-promote-1', target: I };
    const s = await api({
      [`POST ${base}/instances/${I}/promoteReplica`]: cloudSqlOperation({ ...op, status: 'PENDING' }),
      [`GET ${base}/operations/op-promote-1`]: [
        cloudSqlOperation({ ...op, status: 'RUNNING' }),
        cloudSqlOperation({ ...op, status: 'DONE' }),
      ],
    });
    const sql = gcpSql(s.url);
    const log: string[] = [];
    const done = await sql.promoteReplica(P, I, { pollMs: 10, log: (l) => log.push(l) });
    await sql.close();
    expect(done).toMatchObject({
      name: 'op-promote-1',
      operationType: 'PROMOTE_REPLICA',
      targetId: I,
      endTime: '2026-12-07T08:03:12.000Z',
    });
    expect(s.sent.map((x) => x.call)).toEqual([
      `POST ${base}/instances/${I}/promoteReplica`,
      `GET ${base}/operations/op-promote-1`,
      `GET ${base}/operations/op-promote-1`,
    ]);
    expect(log).toEqual([
      `promoteReplica ${P}:${I}: operation op-promote-1 PENDING`,
      `promoteReplica ${P}:${I}: operation op-promote-1 RUNNING`,
    ]);
  });

  it('fails on an operation that ends with an error, naming the operation and the fix', async () => {
    const op = { project: P, name: 'op-promote-2', target: I };
    const s = await api({
      [`POST ${base}/instances/${I}/promoteReplica`]: cloudSqlOperation({ ...op, status: 'PENDING' }),
      [`GET ${base}/operations/op-promote-2`]: cloudSqlOperation({
        ...op,
        status: 'DONE',
        error: { code: 'INTERNAL_ERROR', message: 'An internal error has occurred.' },
      }),
    });
    const sql = gcpSql(s.url);
    const e = await refusal(sql.promoteReplica(P, I, { pollMs: 10 }));
    await sql.close();
    expect(e.issues[0]).toMatchObject({ kind: 'cloud-operation', value: 'op-promote-2', path: 'promoteReplica' });
    expect(e.issues[0]!.message).toMatch(/INTERNAL_ERROR: An internal error has occurred/);
    expect(e.issues[0]!.fix).toMatch(/gcloud sql operations describe op-promote-2/);
  });

  it.each([
    [
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials.',
      'cloud-credentials',
      /gcloud auth application-default login/,
    ],
    [
      403,
      'PERMISSION_DENIED',
      'The client is not authorized to make this request.',
      'cloud-denied',
      /grant cloudsql\.instances\.get to the identity in use/,
    ],
    [503, 'UNAVAILABLE', 'The service is currently unavailable.', 'cloud-unreachable', /check/],
  ] as const)('fails on HTTP %i %s as a refusal with a fix (%s)', async (code, status, message, kind, fix) => {
    const s = await api({ [`GET ${base}/instances/${I}`]: googleError(code, status, message) });
    const sql = gcpSql(s.url);
    const e = await refusal(sql.instance(P, I));
    await sql.close();
    expect(e.issues[0]).toMatchObject({ kind, path: 'cloudsql.instances.get' });
    expect(e.issues[0]!.fix).toMatch(fix);
  });

  it('retries throttling (429 RESOURCE_EXHAUSTED) with backoff, then answers', async () => {
    const s = await api({
      [`GET ${base}/instances/${I}`]: [
        googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric Queries.'),
        cloudSqlInstance({ project: P, name: I, region: 'europe-west4', type: 'CLOUD_SQL_INSTANCE' }),
      ],
    });
    const sql = gcpSql(s.url);
    expect(await sql.instance(P, I)).toMatchObject({ instanceType: 'CLOUD_SQL_INSTANCE' });
    await sql.close();
    expect(s.sent).toHaveLength(2);
  });

  it('fails on a closed port as an unreachable endpoint, naming the URL', async () => {
    const sql = gcpSql('http://127.0.0.1:9');
    const e = await refusal(sql.instance(P, I));
    await sql.close();
    expect(e.issues[0]).toMatchObject({ kind: 'cloud-unreachable', file: 'http://127.0.0.1:9' });
  });
});
