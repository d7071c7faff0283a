/**
 * The cloud error mapper (`@parity/model` cloud-errors.ts) against what the real AWS SDK reports:
 * an RDS client talking to a local HTTP server on 127.0.0.1 that answers as AWS does (the query
 * protocol's XML errors, recorded from AWS's documented shapes), a closed port, a server that never
 * answers, and the SDK's own credential chain with nothing to find. Each class becomes its refusal.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { AWS_RETRY, classifyCloudError, cloudError, ParityError, retryThrottled, withCloudErrors } from '@parity/model';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './net.js';

const ROLE = 'acme-dr-usw2-ci-apply';
const DENIED = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:sts::123456789012:assumed-role/${ROLE}/parity is not authorized to perform: rds:DescribeDBSnapshots on resource: arn:aws:rds:us-west-2:123456789012:snapshot:* because no identity-based policy allows the rds:DescribeDBSnapshots action</Message>
  </Error>
  <RequestId>7c2e8f5e-0000-4000-8000-000000000001</RequestId>
</ErrorResponse>`;
const EXPIRED = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error>
  <RequestId>7c2e8f5e-0000-4000-8000-000000000002</RequestId>
</ErrorResponse>`;
const THROTTLED = `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
  <RequestId>7c2e8f5e-0000-4000-8000-000000000003</RequestId>
</ErrorResponse>`;

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
  servers = [];
});

/** An endpoint on 127.0.0.1 answering every request with `status` and `body`; counts the requests. */
async function answering(status: number, body: string | undefined): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    req.resume();
    if (body === undefined) return; // never answers
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(body);
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, requests: () => n };
}

function rds(endpoint: string, extra: Record<string, unknown> = {}) {
  return new RDSClient({ region: 'us-west-2', endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, ...extra });
}

async function refusal(endpoint: string, client = rds(endpoint)): Promise<ParityError> {
  const e = await withCloudErrors({ service: 'AWS', endpoint, role: ROLE }, () => client.send(new DescribeDBSnapshotsCommand({}))).catch(
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ParityError);
  return e as ParityError;
}

describe('cloud errors from the AWS SDK become refusals with a fix', () => {
  it('access denied: names the action, the resource and the role that should have it', async () => {
    const aws = await answering(403, DENIED);
    const e = await refusal(aws.url, rds(aws.url, { maxAttempts: 1 }));
    expect(e.kinds).toEqual(['cloud-denied']);
    expect(e.issues[0]).toMatchObject({
      path: 'rds:DescribeDBSnapshots',
      value: 'AccessDenied',
      message: expect.stringMatching(/rds:DescribeDBSnapshots on arn:aws:rds:us-west-2:123456789012:snapshot:\*/),
      fix: expect.stringContaining(`grant rds:DescribeDBSnapshots on arn:aws:rds:us-west-2:123456789012:snapshot:* to ${ROLE}`),
    });
  });

  it('expired credentials: aws sso login, with the profile in use', async () => {
    const aws = await answering(403, EXPIRED);
    const saved = process.env.AWS_PROFILE;
    process.env.AWS_PROFILE = 'acme-dr';
    try {
      const e = await refusal(aws.url, rds(aws.url, { maxAttempts: 1 }));
      expect(e.kinds).toEqual(['cloud-credentials']);
      expect(e.issues[0]!.fix).toMatch(/^your session expired: run aws sso login --profile acme-dr/);
    } finally {
      if (saved === undefined) delete process.env.AWS_PROFILE;
      else process.env.AWS_PROFILE = saved;
    }
  });

  it('missing credentials: the SDK finds none in its chain (CredentialsProviderError)', async () => {
    const aws = await answering(200, '<DescribeDBSnapshotsResponse/>');
    const home = mkdtempSync(join(tmpdir(), 'parity-no-aws-'));
    const keys = ['HOME', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_EC2_METADATA_DISABLED'];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    for (const k of keys) delete process.env[k];
    Object.assign(process.env, {
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    });
    try {
      const client = new RDSClient({ region: 'us-west-2', endpoint: aws.url, maxAttempts: 1 });
      const e = await refusal(aws.url, client);
      expect(e.kinds).toEqual(['cloud-credentials']);
      expect(e.issues[0]).toMatchObject({
        value: 'CredentialsProviderError',
        fix: expect.stringMatching(/aws sso login.*AWS_PROFILE.*acme-dr-usw2-ci-apply/),
      });
      expect(aws.requests()).toBe(0);
    } finally {
      for (const k of [...keys, 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) delete process.env[k];
      for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('an unreachable endpoint: the URL and what to check (ECONNREFUSED)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const e = await refusal(url, rds(url, { maxAttempts: 1 }));
    expect(e.kinds).toEqual(['cloud-unreachable']);
    expect(e.issues[0]).toMatchObject({
      file: url,
      value: 'ECONNREFUSED',
      fix: expect.stringMatching(new RegExp(`nothing listens at ${url}`)),
    });
  });

  it('an endpoint that never answers: a timeout, named as one', async () => {
    const aws = await answering(200, undefined);
    const e = await refusal(
      aws.url,
      rds(aws.url, { maxAttempts: 1, requestHandler: { requestTimeout: 300, connectionTimeout: 300, throwOnRequestTimeout: true } }),
    );
    expect(e.kinds).toEqual(['cloud-unreachable']);
    expect(e.issues[0]!.fix).toMatch(/no answer from .* in time/);
  });

  it('throttling: the SDK retries with backoff (AWS_RETRY), then it is a refusal naming the attempts', async () => {
    const aws = await answering(400, THROTTLED);
    const e = await refusal(aws.url, rds(aws.url, { ...AWS_RETRY, maxAttempts: 3, retryMode: 'standard' }));
    expect(aws.requests()).toBe(3);
    expect(e.kinds).toEqual(['cloud-throttled']);
    expect(e.issues[0]!.message).toMatch(/AWS throttled the call 3 times, with backoff between attempts \(Throttling\)/);
  });

  it('leaves anything else alone: a bug stays a bug for the top-level handler', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(classifyCloudError(bug)).toBeUndefined();
    expect(cloudError(bug, { service: 'AWS' })).toBe(bug);
  });
});

describe('fetch and other calls without the SDK', () => {
  it('maps a refused fetch (undici: TypeError with a cause) to unreachable', async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    const e = await fetch(url).catch((x: unknown) => x);
    expect(classifyCloudError(e)).toBe('unreachable');
  });

  it('retries a throttled call with growing waits, then refuses naming the attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const throttled = Object.assign(new Error('Too Many Requests'), { code: 'E429' });
    const e = await retryThrottled(
      { service: 'the registry', endpoint: 'http://127.0.0.1:4873/' },
      async () => {
        calls++;
        throw throttled;
      },
      { attempts: 4, baseMs: 100, sleep: async (ms) => void waits.push(ms) },
    ).catch((x: unknown) => x);
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    for (const [i, w] of waits.entries()) expect(w).toBeLessThanOrEqual(100 * 2 ** i);
    expect((e as ParityError).kinds).toEqual(['cloud-throttled']);
    expect((e as ParityError).issues[0]!.message).toMatch(/4 times/);
    // a call that recovers is returned as it is
    let n = 0;
    const ok = await retryThrottled({ service: 'x' }, async () => (++n < 2 ? Promise.reject(throttled) : 'ok'), { sleep: async () => {} });
    expect([ok, n]).toEqual(['ok', 2]);
  });
});
