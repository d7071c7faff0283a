/**
 * The GCP pair (prod-gcp-euw1 → dr-gcp-euw4, warm standby) failed over and back by command, as
 * users run it (the launcher, in a temporary workspace holding the tests' fleet), with Cloud SQL
 * Admin answered from recordings on 127.0.0.1 (@parity/testkit's recordedGoogleApi): the real
 * `@google-cloud/sql` client code runs, pointed there with `--endpoint`. The same manifest steps
 * as AWS: failover promote (the replica promoted through promoteReplica, the operation waited for),
 * complete; failback reprotect, promote (the reverse replica promoted), complete, and the original
 * roles. The Terraform each step makes is the real synth; applying it needs the Google provider,
 * which this machine does not have. No GCP emulator exists: this has not run against real GCP.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  BIN,
  cloudSqlInstance,
  cloudSqlOperation,
  fleetEnvironmentsAsync,
  fleetWorkspace,
  type GoogleAnswer,
  type RecordedGoogleApi,
  recordedGoogleApi,
  STAMP_TIMEOUT,
} from '@parity/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const DR = { project: 'acme-dr-gcp-euw4', name: 'acme-dr-gcp-euw4-postgres', region: 'europe-west4' };
const PROD = { project: 'acme-prod-gcp-euw1', name: 'acme-prod-gcp-euw1-postgres', region: 'europe-west1' };
const at = (i: typeof DR) => `/v1/projects/${i.project}/instances/${i.name}`;

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The command line as users run it, without blocking this process (the recorded server answers from it). */
function run(root: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, PARITY_ROOT: root, FORCE_COLOR: '0', NO_COLOR: '1' }, encoding: 'utf8', timeout: 900_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

async function recorded(answers: Record<string, GoogleAnswer | readonly GoogleAnswer[]>): Promise<RecordedGoogleApi> {
  const s = await recordedGoogleApi(answers);
  cleanups.push(() => s.close());
  return s;
}

const manifest = (root: string, env: string) => join(root, 'environments', env, 'environment.yaml');
const yamlOf = (root: string, env: string) => parse(readFileSync(manifest(root, env), 'utf8'));

describe('pnpm failover and pnpm failback, GCP (recorded Cloud SQL Admin answers)', () => {
  const ws = fleetWorkspace();
  cleanups.push(ws.cleanup);
  const root = ws.root;

  it('refuses --aws for a GCP pair, naming the flag to use', async () => {
    const r = await run(root, ['failover', 'dr-gcp-euw4', '--aws', '--dry-run']);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/dr-gcp-euw4 is on gcp: pnpm failover --aws does not reach it/);
    expect(r.out).toMatch(/pnpm failover dr-gcp-euw4 --gcp/);
  }, 900_000);

  it('fails over: a dry run reads the replica only; then promoteReplica, waited for, and failover.step promote; then complete', async () => {
    const original = readFileSync(manifest(root, 'dr-gcp-euw4'), 'utf8');
    const replica = cloudSqlInstance({ ...DR, type: 'READ_REPLICA_INSTANCE', master: `${PROD.project}:${PROD.name}` });
    const promoted = cloudSqlInstance({ ...DR, type: 'CLOUD_SQL_INSTANCE' });
    const op = { project: DR.project, name: 'op-failover-1', target: DR.name };
    const s = await recorded({
      [`GET ${at(DR)}`]: [replica, replica, replica, promoted],
      [`POST ${at(DR)}/promoteReplica`]: cloudSqlOperation({ ...op, status: 'PENDING' }),
      [`GET /v1/projects/${DR.project}/operations/op-failover-1`]: cloudSqlOperation({ ...op, status: 'DONE' }),
    });

    const dry = await run(root, ['failover', 'dr-gcp-euw4', '--endpoint', s.url, '--dry-run']);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toMatch(/dr-gcp-euw4: failover step promote/);
    expect(dry.out).toMatch(
      /recover from: read replica acme-dr-gcp-euw4-postgres \(RUNNABLE, replication replica of acme-prod-gcp-euw1:acme-prod-gcp-euw1-postgres\), lag not reported by Cloud SQL Admin/,
    );
    expect(dry.out).toMatch(
      /Promote acme-dr-gcp-euw4-postgres through Cloud SQL Admin, then write failover.step promote \(pnpm failover, once confirmed\)/,
    );
    expect(dry.out).toMatch(/\(dry run: environments\/dr-gcp-euw4\/environment\.yaml not written\)/);
    expect(s.sent.map((x) => x.call)).toEqual([`GET ${at(DR)}`]);
    expect(readFileSync(manifest(root, 'dr-gcp-euw4'), 'utf8')).toBe(original);

    const promote = await run(root, [
      'failover',
      'dr-gcp-euw4',
      '--endpoint',
      s.url,
      '--yes',
      '--by',
      'Ana',
      '--reason',
      'europe-west1 down',
    ]);
    expect(promote.code, promote.out).toBe(0);
    expect(promote.out).toMatch(
      /acme-dr-gcp-euw4:acme-dr-gcp-euw4-postgres promoted \(promoteReplica, operation op-failover-1 DONE at 2026-12-07T08:03:12\.000Z\)/,
    );
    expect(s.sent.map((x) => x.call).slice(1)).toEqual([
      `GET ${at(DR)}`,
      `GET ${at(DR)}`,
      `POST ${at(DR)}/promoteReplica`,
      `GET /v1/projects/${DR.project}/operations/op-failover-1`,
    ]);
    expect(yamlOf(root, 'dr-gcp-euw4').failover).toMatchObject({
      step: 'promote',
      reason: 'europe-west1 down',
      from: `read replica of prod-gcp-euw1 (${PROD.project}:${PROD.name})`,
    });

    const complete = await run(root, ['failover', 'dr-gcp-euw4', '--endpoint', s.url, '--yes', '--by', 'Ana']);
    expect(complete.code, complete.out).toBe(0);
    expect(complete.out).toMatch(/failover step complete/);
    expect(s.sent.filter((x) => x.call.endsWith('/promoteReplica'))).toHaveLength(1);
    expect(yamlOf(root, 'dr-gcp-euw4').failover.step).toBe('complete');
  }, 2_700_000);

  it('fails back: reprotect (no API call), then the reverse replica promoted at the switchover, then complete and the original roles', async () => {
    const reverse = cloudSqlInstance({ ...PROD, type: 'READ_REPLICA_INSTANCE', master: `${DR.project}:${DR.name}` });
    const op = { project: PROD.project, name: 'op-failback-1', target: PROD.name };
    const s = await recorded({
      [`GET ${at(PROD)}`]: [reverse, reverse, cloudSqlInstance({ ...PROD, type: 'CLOUD_SQL_INSTANCE' })],
      [`POST ${at(PROD)}/promoteReplica`]: cloudSqlOperation({ ...op, status: 'PENDING' }),
      [`GET /v1/projects/${PROD.project}/operations/op-failback-1`]: [
        cloudSqlOperation({ ...op, status: 'RUNNING' }),
        cloudSqlOperation({ ...op, status: 'DONE' }),
      ],
    });
    const back = (...args: string[]) => run(root, ['failback', 'dr-gcp-euw4', '--endpoint', s.url, '--yes', '--by', 'Ana', ...args]);

    const reprotect = await back();
    expect(reprotect.code, reprotect.out).toBe(0);
    expect(reprotect.out).toMatch(/prod-gcp-euw1: failback step reprotect/);
    expect(reprotect.out).toMatch(/plan -replace=google_sql_database_instance\.\w+ -out=failback\.tfplan/);
    expect(s.sent).toEqual([]);
    expect(yamlOf(root, 'prod-gcp-euw1').failback).toMatchObject({ step: 'reprotect' });

    const promote = await back();
    expect(promote.code, promote.out).toBe(0);
    expect(promote.out).toMatch(
      /reverse replica: read replica acme-prod-gcp-euw1-postgres \(RUNNABLE, replication replica of acme-dr-gcp-euw4:acme-dr-gcp-euw4-postgres\)/,
    );
    expect(promote.out).toMatch(
      /gcloud container clusters resize acme-dr-gcp-euw4-gke --node-pool \S+ --num-nodes 0 --region europe-west4/,
    );
    expect(promote.out).toMatch(
      /at the switchover: acme-prod-gcp-euw1:acme-prod-gcp-euw1-postgres promoted \(promoteReplica, operation op-failback-1 DONE/,
    );
    expect(s.sent.map((x) => x.call)).toEqual([
      `GET ${at(PROD)}`,
      `GET ${at(PROD)}`,
      `POST ${at(PROD)}/promoteReplica`,
      `GET /v1/projects/${PROD.project}/operations/op-failback-1`,
      `GET /v1/projects/${PROD.project}/operations/op-failback-1`,
    ]);
    expect(yamlOf(root, 'prod-gcp-euw1').failback.step).toBe('promote');

    const complete = await back();
    expect(complete.code, complete.out).toBe(0);
    expect(yamlOf(root, 'prod-gcp-euw1').failback.step).toBe('complete');
    const roles = await back();
    expect(roles.code, roles.out).toBe(0);
    expect(yamlOf(root, 'prod-gcp-euw1').failback).toBeUndefined();
    expect(yamlOf(root, 'dr-gcp-euw4').failover).toBeUndefined();
    expect(s.sent.filter((x) => x.call.endsWith('/promoteReplica'))).toHaveLength(1);
  }, 3_600_000);
});
