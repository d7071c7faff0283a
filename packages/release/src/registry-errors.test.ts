/**
 * The registry's failures through the one cloud error mapper, with the real npm against a local
 * HTTP server on 127.0.0.1 that answers as a registry does when it refuses: a login needed (401),
 * a refusal (403), throttling (429, asked again with backoff, then refused), and a closed port.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parity/io';
import { ParityError } from '@parity/model';
import { loopbackServers } from '@parity/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { publishedVersions } from './registry.js';

const serve = loopbackServers();
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A registry on 127.0.0.1 answering every request with `status` and an npm-style error body; counts the requests. */
async function registry(status: number): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const { url } = await serve((req, res) => {
    n++;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '0' } : {}) });
    res.end(JSON.stringify({ error: status === 401 ? 'authentication required' : status === 403 ? 'forbidden' : 'too many requests' }));
  });
  return { url, requests: () => n };
}

/** A folder whose .npmrc points the @parity scope at `url`, with a user config of its own. */
function workspaceFor(url: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = mkdtempSync(join(tmpdir(), 'parity-npm-'));
  dirs.push(cwd);
  writeFileSync(join(cwd, '.npmrc'), `@parity:registry=${url}\n`);
  writeFileSync(join(cwd, 'user-npmrc'), '');
  return { cwd, env: { npm_config_userconfig: join(cwd, 'user-npmrc'), npm_config_cache: join(cwd, 'cache') } };
}

async function refusedBy(url: string): Promise<ParityError> {
  const { cwd, env } = workspaceFor(url);
  const e = await publishedVersions('@parity/bundle-database', cwd, env).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ParityError);
  return e as ParityError;
}

describe('the registry refuses: one mapper, one refusal per class', () => {
  it('a login needed (401): npm adduser or a token', async () => {
    const reg = await registry(401);
    const e = await refusedBy(reg.url);
    expect(e.kinds).toEqual(['cloud-credentials']);
    expect(e.issues[0]).toMatchObject({
      file: reg.url,
      value: 'E401',
      fix: expect.stringMatching(/npm adduser --registry http:\/\/127\.0\.0\.1/),
    });
  });

  it('refused (403): the operation and who should be allowed it', async () => {
    const reg = await registry(403);
    const e = await refusedBy(reg.url);
    expect(e.kinds).toEqual(['cloud-denied']);
    expect(e.issues[0]).toMatchObject({ path: 'npm view @parity/bundle-database', value: 'E403' });
  });

  it('throttled (429): asked again with backoff, then refused naming the attempts', async () => {
    const reg = await registry(429);
    const e = await refusedBy(reg.url);
    expect(e.kinds).toEqual(['cloud-throttled']);
    expect(reg.requests()).toBe(5);
    expect(e.issues[0]!.message).toMatch(
      /the registry throttled npm view @parity\/bundle-database 5 times, with backoff between attempts \(E429\)/,
    );
  }, 120_000);

  it('nothing listens: the URL, and how to start the registry', async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    const e = await refusedBy(url);
    expect(e.kinds).toEqual(['cloud-unreachable']);
    expect(e.issues[0]!.fix).toMatch(/nothing listens at http:.*pnpm registry/);
  });
});
