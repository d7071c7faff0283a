/**
 * A publish refused because the registry holds the version already: by the registry, as npmjs
 * answers an upload (403, "You cannot publish over the previously published versions"), or by npm
 * 11 itself, which asks first (EPUBLISHCONFLICT). With the real pnpm and npm against a local HTTP
 * server on 127.0.0.1 that answers the PUT so and serves the version's packument. The
 * same bytes count as published (an earlier attempt got there); other bytes are refused. The same
 * against a real Verdaccio (npm asks it first): release.e2e.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParityError } from '@parity/model';
import { loopbackServers } from '@parity/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { packedIntegrity, publishBuilt, type WorkspacePackage } from './release.js';

const serve = loopbackServers();
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const NAME = '@parity/fixture';
const VERSION = '1.0.0';

/**
 * A registry that holds NAME@VERSION with `integrity` and refuses every PUT as npmjs does; records
 * the requests. `unseenFirst`: it says it has no such package until an upload comes, as when the
 * tools asked before an earlier upload (whose answer was lost) was stored.
 */
async function holding(integrity: string, unseenFirst = false): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const { url } = await serve((req, res) => {
    requests.push(`${req.method} ${decodeURIComponent(req.url ?? '')}`);
    req.resume();
    if (unseenFirst && req.method === 'GET' && !requests.some((r) => r.startsWith('PUT '))) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
      return;
    }
    if (req.method === 'PUT') {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `You cannot publish over the previously published versions: ${VERSION}.` }));
      return;
    }
    const here = `http://${req.headers.host}/`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        name: NAME,
        'dist-tags': { latest: VERSION },
        versions: { [VERSION]: { name: NAME, version: VERSION, dist: { integrity, tarball: `${here}${NAME}/-/fixture-${VERSION}.tgz` } } },
      }),
    );
  });
  return { url, requests };
}

/** A workspace of one built package, its @parity scope pointed at `url`, with npm settings of its own. */
function workspace(url: string): { root: string; pkg: WorkspacePackage; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), 'parity-publish-'));
  dirs.push(root);
  const dir = join(root, 'packages', 'fixture');
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: NAME, version: VERSION, main: 'dist/index.js' }, null, 2)}\n`);
  writeFileSync(join(dir, 'dist', 'index.js'), 'export const fixture = 1;\n');
  writeFileSync(join(root, '.npmrc'), `@parity:registry=${url}\n`);
  writeFileSync(join(dir, '.npmrc'), `@parity:registry=${url}\n`);
  writeFileSync(join(root, 'user-npmrc'), '');
  const pkg: WorkspacePackage = { name: NAME, version: VERSION, dir, private: false, runtimeDeps: [], isBundle: true };
  return { root, pkg, env: { npm_config_userconfig: join(root, 'user-npmrc'), npm_config_cache: join(root, 'cache') } };
}

describe('a version the registry holds already (403 "cannot publish over")', () => {
  it('counts as published when the registry holds these very bytes', async () => {
    const probe = workspace('http://127.0.0.1:9/');
    // npm finds no such version before its upload (the earlier one was not stored yet), and the registry refuses the upload
    const reg = await holding(await packedIntegrity(probe.pkg, probe.root, probe.env), true);
    const { root, pkg, env } = workspace(reg.url);
    const log: string[] = [];
    expect(await publishBuilt([pkg], { root, env, token: 'test-token', log: (l) => log.push(l) })).toEqual([`${NAME}@${VERSION}`]);
    expect(log).toEqual([`${NAME}@${VERSION}: the registry holds it already, byte for byte (an earlier attempt reached it)`]);
    // the upload was refused, and then the registry was asked what it holds
    const put = reg.requests.indexOf(`PUT /${NAME}`);
    expect(put).toBeGreaterThanOrEqual(0);
    expect(reg.requests.slice(put + 1)).toEqual([`GET /${NAME}`]);
  }, 120_000);

  it('is refused when the registry holds other bytes under that version, naming both and the fix', async () => {
    const held = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    const reg = await holding(held);
    const { root, pkg, env } = workspace(reg.url);
    // npm 11 asks before its upload, and refuses it itself (EPUBLISHCONFLICT)
    const e = await publishBuilt([pkg], { root, env, token: 'test-token' }).catch((x: unknown) => x);
    expect(reg.requests.every((r) => r === `GET /${NAME}`)).toBe(true);
    expect(e).toBeInstanceOf(ParityError);
    const issue = (e as ParityError).issues[0]!;
    expect(issue.message).toContain(
      `${reg.url} holds ${NAME}@${VERSION} already, with other contents (its integrity ${held}, this build's sha512-`,
    );
    expect(issue.message).toContain(await packedIntegrity(pkg, root, env));
    expect(issue.fix).toBe(
      `record a changeset for ${NAME} (pnpm changeset) so that this build gets a new version, then run pnpm release again`,
    );
  }, 120_000);
});
