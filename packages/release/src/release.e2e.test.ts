/**
 * End to end, against a real Verdaccio on a free loopback port with its storage in a temporary
 * folder, in a temporary copy of the workspace (the real repository is never touched):
 * publish the bundles; pin prod-use1 to what was published; record a change (a real changeset,
 * `changeset version`) and publish it; synthesize the pinned environment and one that follows the
 * workspace and see them differ; promote; see them match. Anonymous publish is refused.
 */
import { request } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveForCheck, parityMatrix } from '@parity/checks';
import {
  loadWorkspace,
  ManifestSchema,
  ParityError,
  parseYaml,
  resolveEnvironment,
  type ResolvedEnvironment,
  type Workspace,
} from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { fleetEnvironments, fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { InputHasher, synthToJson, type TerraformJson } from '@parity/synth';
import { addresses } from '@parity/model/terraform';
import { promote, setPin } from './promote.js';
import { freePort, runProcess } from '@parity/io';
import { npmInstaller } from './install.js';
import { addUser, publishedVersions, registryIntegrity, startRegistry, type RunningRegistry } from './registry.js';
import { runNpm } from './npm.js';
import { packedIntegrity, pendingChangesets, publishBuilt, release, workspacePackages } from './release.js';

const MANIFEST = 'environments/prod-use1/environment.yaml';
const NEW_LOG = 'iam-db-auth-error';

let reg: RunningRegistry | undefined;
let ws: { root: string; cleanup: () => void } | undefined;
let state: string;
let token: string;
const savedUserconfig = process.env.npm_config_userconfig;

function root(): string {
  return ws!.root;
}

function version(pkgDir: string): string {
  return (JSON.parse(readFileSync(join(root(), pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
}

function resolved(w: Workspace, name: string): ResolvedEnvironment {
  const r = resolveEnvironment(w, name);
  if (!r.env) throw new Error(`${name} does not resolve:\n${r.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`);
  return r.env;
}

function dbInstance(json: TerraformJson): Record<string, unknown> {
  const all = Object.entries(json.resource?.aws_db_instance ?? {}).filter(([id]) => id.startsWith('database_'));
  expect(all).toHaveLength(1);
  return all[0]![1] as Record<string, unknown>;
}

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'parity-registry-'));
  // npm sees only this test's settings: no login from the machine's ~/.npmrc
  writeFileSync(join(state, 'npmrc'), '');
  process.env.npm_config_userconfig = join(state, 'npmrc');
  reg = await startRegistry({ root: REPO_ROOT, port: await freePort(), stateDir: join(state, 'verdaccio') });
  token = await addUser(reg.url, 'release-bot', 'correct-horse-battery-staple');
  // the workspace's sources, with the tests' fleet (@parity/testkit)
  ws = fleetWorkspace({ sources: true });
  writeFileSync(join(ws.root, '.npmrc'), `@parity:registry=${reg.url}\n`);
});

afterAll(async () => {
  await reg?.stop();
  ws?.cleanup();
  if (state) rmSync(state, { recursive: true, force: true });
  if (savedUserconfig === undefined) delete process.env.npm_config_userconfig;
  else process.env.npm_config_userconfig = savedUserconfig;
});

describe('bundle releases through a real registry', () => {
  let v1: string;
  let v2: string;

  it('refuses anonymous publish', async () => {
    const name = '@parity/bundle-database';
    const body = {
      _id: name,
      name,
      'dist-tags': { latest: '9.9.9' },
      versions: { '9.9.9': { name, version: '9.9.9', dist: { tarball: `${reg!.url}${name}/-/bundle-database-9.9.9.tgz` } } },
      _attachments: {
        'bundle-database-9.9.9.tgz': {
          content_type: 'application/octet-stream',
          data: Buffer.from('not a tarball').toString('base64'),
          length: 13,
        },
      },
    };
    // a fresh connection (no keep-alive pool): a pooled socket the registry closed
    // while the machine was busy fails the write with EPIPE, which says nothing about auth
    const status = await anonymousPut(`${reg!.url}${encodeURIComponent(name)}`, JSON.stringify(body));
    expect([401, 403]).toContain(status);
    expect(await publishedVersions(name, root())).toEqual([]);
    // and `pnpm release` without a login says how to get one
    const refused = await release({ root: root(), version: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ParityError);
    expect((refused as ParityError).kinds).toEqual(['cloud-credentials']);
    expect((refused as ParityError).message).toMatch(/no usable credentials for the registry \(publishing\).*npm adduser --registry/s);
  });

  it('publishes every bundle, @parity/constructs and @parity/model, built to runnable JS', async () => {
    const log: string[] = [];
    const r = await release({ root: root(), token, log: (l) => log.push(l) });
    // the changesets the workspace had pending became versions and changelog entries
    expect(pendingChangesets(root())).toEqual([]);
    v1 = version('bundles/database');
    const dirs = ['packages/model', 'packages/constructs', ...readdirSync(join(root(), 'bundles')).map((b) => `bundles/${b}`)];
    const nameOf = (dir: string) => (JSON.parse(readFileSync(join(root(), dir, 'package.json'), 'utf8')) as { name: string }).name;
    expect([...r.published].sort()).toEqual(dirs.map((d) => `${nameOf(d)}@${version(d)}`).sort());
    // a new bundle starts at 1.0.0-0; its first changeset (major) makes the first release 1.0.0
    expect(version('bundles/bucket')).toBe('1.0.0');
    expect(r.registry).toBe(reg!.url);
    expect(await publishedVersions('@parity/bundle-database', root())).toEqual([v1]);
    // nothing new: a second release publishes nothing
    const again = await release({ root: root(), token });
    expect(again.published).toEqual([]);
  });

  it('counts a version the registry holds byte for byte as published (npm retried a PUT that got there), and refuses other contents', async () => {
    const model = workspacePackages(root()).get('@parity/model')!;
    const held = await registryIntegrity('@parity/model', model.version, root());
    expect(held).toMatch(/^sha512-/);
    // what pnpm publish would upload now is what the registry holds
    expect(await packedIntegrity(model, root())).toBe(held);
    const log: string[] = [];
    expect(await publishBuilt([model], { root: root(), token, log: (l) => log.push(l) })).toEqual([`@parity/model@${model.version}`]);
    expect(log).toEqual([`@parity/model@${model.version}: the registry holds it already, byte for byte (an earlier attempt reached it)`]);
    // the same version with other bytes is refused, naming both and the fix
    const file = join(model.dir, 'dist/index.js');
    const built = readFileSync(file);
    writeFileSync(file, `${built}\n// changed after the release\n`);
    try {
      const e = await publishBuilt([model], { root: root(), token }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ParityError);
      const issue = (e as ParityError).issues[0]!;
      expect(issue.message).toContain(
        `holds @parity/model@${model.version} already, with other contents (its integrity ${held}, this build's sha512-`,
      );
      expect(issue.fix).toMatch(/record a changeset for @parity\/model/);
    } finally {
      writeFileSync(file, built);
    }
    expect(await publishedVersions('@parity/model', root())).toEqual([model.version]);
    expect(await registryIntegrity('@parity/model', '9.9.9', root())).toBeUndefined();
  });

  it('pins prod-use1 to the published version, keeping the manifest as written', () => {
    // Written here rather than with promote: this process must not load the workspace's bundle
    // code before the change below (a module, once imported, stays as it was; the CLI runs each
    // command in a new process).
    const text = readFileSync(join(root(), MANIFEST), 'utf8');
    const pinned = setPin(text, 'database', v1, ['network', 'database']);
    expect(pinned).toBe(
      text.replace(
        'overrides: {}',
        `# Pinned bundle versions (\`pnpm promote\` moves them); a bundle not listed follows the workspace.\nbundles:\n  database: ${v1}\noverrides: {}`,
      ),
    );
    writeFileSync(join(root(), MANIFEST), pinned);
  });

  it('records a change with a changeset and publishes only the new version', async () => {
    const aws = join(root(), 'bundles/database/src/aws.ts');
    const src = readFileSync(aws, 'utf8');
    expect(src).toContain("enabledCloudwatchLogsExports: ['postgresql', 'upgrade']");
    writeFileSync(
      aws,
      src.replace(
        "enabledCloudwatchLogsExports: ['postgresql', 'upgrade']",
        `enabledCloudwatchLogsExports: ['postgresql', 'upgrade', '${NEW_LOG}']`,
      ),
    );
    writeFileSync(
      join(root(), '.changeset/database-iam-auth-errors.md'),
      `---\n'@parity/bundle-database': minor\n---\n\nRDS also exports IAM database authentication errors to CloudWatch Logs (\`${NEW_LOG}\`).\n`,
    );
    // a dry run says what will happen and changes nothing
    const dry = await release({ root: root(), token, dryRun: true });
    expect(dry.versioned).toHaveLength(1);
    expect(dry.published).toEqual(dry.versioned);
    expect(version('bundles/database')).toBe(v1);
    expect(pendingChangesets(root())).toEqual(['database-iam-auth-errors.md']);

    const r = await release({ root: root(), token });
    v2 = version('bundles/database');
    expect(dry.versioned).toEqual([`@parity/bundle-database@${v2}`]);
    expect(v2).not.toBe(v1);
    expect(r.versioned).toEqual([`@parity/bundle-database@${v2}`]);
    expect(r.published).toEqual([`@parity/bundle-database@${v2}`]);
    const changelog = readFileSync(join(root(), 'bundles/database/CHANGELOG.md'), 'utf8');
    expect(changelog.indexOf(`## ${v2}`)).toBeLessThan(changelog.indexOf(`## ${v1}`));
    expect(changelog).toContain(`exports IAM database authentication errors to CloudWatch Logs (\`${NEW_LOG}\`)`);
    expect(await publishedVersions('@parity/bundle-database', root())).toEqual([v1, v2]);
  });

  it('synthesizes the pinned environment with the old version and the others with the new', async () => {
    const w = await loadWorkspace(root(), { installer: npmInstaller });
    const prod = resolved(w, 'prod-use1');
    const staging = resolved(w, 'staging');
    const pinnedDb = prod.bundles.find((b) => b.name === 'database')!;
    expect(pinnedDb).toMatchObject({ version: v1, pinned: { dir: `.parity/bundles/@parity/bundle-database@${v1}` } });
    expect(staging.bundles.find((b) => b.name === 'database')).toMatchObject({ version: v2 });
    expect(staging.bundles.find((b) => b.name === 'database')!.pinned).toBeUndefined();
    // the pinned package is the published one, with the workspace's single cdktn
    const installed = join(root(), pinnedDb.pinned!.dir, 'node_modules');
    expect(readFileSync(join(installed, '@parity/bundle-database/dist/aws.js'), 'utf8')).not.toContain(NEW_LOG);
    expect(readFileSync(join(installed, '@parity/bundle-database/package.json'), 'utf8')).toContain('"default": "./dist/index.js"');
    expect(existsSync(join(installed, '@parity/bundle-database/dist/.tsbuildinfo'))).toBe(false);
    expect(existsSync(join(installed, '@parity/bundle-database/src/aws.test.ts'))).toBe(false);
    expect(existsSync(join(installed, '@parity/model/data/aws-regions.json'))).toBe(true);
    // the shared key constructs, from the registry, at the version the bundle was published with (exactly)
    const publishedDeps = (
      JSON.parse(readFileSync(join(installed, '@parity/bundle-database/package.json'), 'utf8')) as { dependencies: Record<string, string> }
    ).dependencies;
    expect(publishedDeps['@parity/constructs']).toMatch(/^\d+\.\d+\.\d+$/);
    expect((JSON.parse(readFileSync(join(installed, '@parity/constructs/package.json'), 'utf8')) as { version: string }).version).toBe(
      publishedDeps['@parity/constructs'],
    );
    expect(existsSync(join(installed, '@parity/constructs/dist/aws.js'))).toBe(true);
    // peers are the workspace's own copies
    expect(realpathSync(join(installed, 'cdktn'))).toBe(realpathSync(join(REPO_ROOT, 'bundles/database/node_modules/cdktn')));

    const prodJson = await synthToJson(root(), prod);
    const stagingJson = await synthToJson(root(), staging);
    expect(dbInstance(prodJson).enabled_cloudwatch_logs_exports).toEqual(['postgresql', 'upgrade']);
    expect(dbInstance(stagingJson).enabled_cloudwatch_logs_exports).toEqual(['postgresql', 'upgrade', NEW_LOG]);

    // the synth cache key changes with the pinned package
    const followText = setPin(readFileSync(join(root(), MANIFEST), 'utf8'), 'database', undefined, []);
    const follow = parseYaml(MANIFEST, followText, ManifestSchema).source!;
    const prodFollowing = resolved({ ...w, manifests: new Map(w.manifests).set('prod-use1', follow) }, 'prod-use1');
    const hasher = new InputHasher(root());
    expect(hasher.envHash(prod)).not.toBe(hasher.envHash(prodFollowing));

    // pnpm check's parity matrix: prod-use1 is behind
    const { matrix, findings } = parityMatrix(w.definition.data, resolveForCheck(w).envs);
    expect(matrix.cells['prod-use1']!.database).toMatchObject({ version: v1, status: 'pending', behind: v2 });
    expect(findings.filter((f) => f.kind === 'promotion-pending').map((f) => f.env)).toEqual(['prod-use1']);
  });

  it('promotes prod-use1: shows the change by Terraform address, edits only the pin, then matches', async () => {
    const before = readFileSync(join(root(), MANIFEST), 'utf8');
    // --from: what staging runs; a dry run writes nothing
    const dry = await promote({ root: root(), bundle: 'database', to: 'prod-use1', from: 'staging', dryRun: true });
    expect(dry).toMatchObject({
      to: { version: v2, pinned: true },
      reason: 'what staging runs (follows the workspace)',
      manifestChanged: true,
      written: false,
    });
    expect(readFileSync(join(root(), MANIFEST), 'utf8')).toBe(before);

    const r = await promote({ root: root(), bundle: 'database', to: 'prod-use1' });
    expect(r.reason).toBe('the newest published');
    expect(r.from).toEqual({ version: v1, pinned: true });
    expect(r.to).toEqual({ version: v2, pinned: true });
    expect(r.diff.added).toEqual([]);
    expect(r.diff.removed).toEqual([]);
    expect(r.diff.changed).toEqual([
      { address: expect.stringMatching(/^aws_db_instance\.database_/), attributes: ['enabled_cloudwatch_logs_exports'] },
    ]);
    const after = readFileSync(join(root(), MANIFEST), 'utf8');
    expect(after).toBe(before.replace(`database: ${v1}`, `database: ${v2}`));

    const w = await loadWorkspace(root(), { installer: npmInstaller });
    const prod = resolved(w, 'prod-use1');
    expect(prod.bundles.find((b) => b.name === 'database')).toMatchObject({
      version: v2,
      pinned: { dir: `.parity/bundles/@parity/bundle-database@${v2}` },
    });
    const pinnedJson = await synthToJson(root(), prod);
    expect(dbInstance(pinnedJson).enabled_cloudwatch_logs_exports).toEqual(['postgresql', 'upgrade', NEW_LOG]);
    // exactly what the workspace copy gives
    const follow = parseYaml(MANIFEST, setPin(after, 'database', undefined, []), ManifestSchema).source!;
    const followJson = await synthToJson(root(), resolved({ ...w, manifests: new Map(w.manifests).set('prod-use1', follow) }, 'prod-use1'));
    expect([...addresses(pinnedJson as never)]).toEqual([...addresses(followJson as never)]);

    const { findings } = parityMatrix(w.definition.data, resolveForCheck(w).envs);
    expect(findings.filter((f) => f.kind === 'promotion-pending' || f.kind === 'major-version')).toEqual([]);

    // promoting again changes nothing
    const again = await promote({ root: root(), bundle: 'database', to: 'prod-use1' });
    expect(again.manifestChanged).toBe(false);
  });

  it('refuses a version that is not published, and one outside the definition range', async () => {
    await expect(promote({ root: root(), bundle: 'database', version: '1.99.0', to: 'prod-use1' })).rejects.toThrow(
      /1\.99\.0 \(as asked\) is not published to http:\/\/127\.0\.0\.1/,
    );
    await expect(promote({ root: root(), bundle: 'database', version: '2.0.0', to: 'prod-use1' })).rejects.toThrow(
      /2\.0\.0 is outside the range the definition asks for \(\^1\.0\.0\)/,
    );
    expect(readFileSync(join(root(), MANIFEST), 'utf8')).toContain(`database: ${v2}`);
  });

  it('follows the workspace again with --follow at the workspace version', async () => {
    const r = await promote({ root: root(), bundle: 'database', to: 'prod-use1', follow: true });
    expect(r.to).toEqual({ version: v2, pinned: false });
    expect(r.diff).toMatchObject({ added: [], changed: [], removed: [] });
    const text = readFileSync(join(root(), MANIFEST), 'utf8');
    expect(text).not.toContain('bundles:');
    expect(text).toBe(readFileSync(join(fleetEnvironments(), '..', MANIFEST), 'utf8'));
  });

  it('releases every bundle that uses the shared key constructs when they change, each changelog naming the new version', async () => {
    const before = version('packages/constructs');
    const users = readdirSync(join(root(), 'bundles'))
      .map((b) => `bundles/${b}`)
      .filter((d) => readFileSync(join(root(), d, 'package.json'), 'utf8').includes('"@parity/constructs"'));
    expect(users.length).toBeGreaterThanOrEqual(5);
    const bundleVersions = Object.fromEntries(users.map((d) => [d, version(d)]));
    writeFileSync(
      join(root(), '.changeset/constructs-description.md'),
      `---\n'@parity/constructs': patch\n---\n\nA clearer description of the shared key construct, for the test.\n`,
    );
    const r = await release({ root: root(), token });
    const after = version('packages/constructs');
    expect(after).not.toBe(before);
    for (const d of users) {
      const pj = JSON.parse(readFileSync(join(root(), d, 'package.json'), 'utf8')) as { name: string; version: string };
      // a patch release of the bundle, which says what changed under it
      expect(pj.version).not.toBe(bundleVersions[d]);
      expect(r.published).toContain(`${pj.name}@${pj.version}`);
      const changelog = readFileSync(join(root(), d, 'CHANGELOG.md'), 'utf8');
      expect(changelog.slice(0, changelog.indexOf(`## ${bundleVersions[d]}`))).toContain(`@parity/constructs@${after}`);
    }
    expect(r.published).toContain(`@parity/constructs@${after}`);
    // published pinned to that version exactly
    const view = await runNpm(
      ['view', `@parity/bundle-database@${version('bundles/database')}`, 'dependencies', '--json', '--prefer-online'],
      root(),
    );
    expect(view.code, view.stderr).toBe(0);
    expect((JSON.parse(view.stdout) as Record<string, string>)['@parity/constructs']).toBe(after);
  });

  it('refuses a major version change unless --allow-major', async () => {
    // the definition lets environments run 1.x or 2.x while they move
    const def = join(root(), 'environments/platform.yaml');
    const text = readFileSync(def, 'utf8');
    expect(text).toMatch(/ {2}database:\n {4}version: \^1\.0\.0\n/);
    writeFileSync(def, text.replace(/( {2}database:\n {4}version: )\^1\.0\.0\n/, '$1">=1.0.0 <3.0.0"\n'));
    writeFileSync(join(root(), MANIFEST), setPin(readFileSync(join(root(), MANIFEST), 'utf8'), 'database', v2, []));
    writeFileSync(
      join(root(), '.changeset/database-major.md'),
      `---\n'@parity/bundle-database': major\n---\n\nA breaking change, for the test.\n`,
    );
    const r = await release({ root: root(), token });
    expect(r.published).toEqual(['@parity/bundle-database@2.0.0']);
    await expect(promote({ root: root(), bundle: 'database', to: 'prod-use1' })).rejects.toThrow(
      new RegExp(`database ${v2.replaceAll('.', '\\.')} → 2\\.0\\.0 is a major version change`),
    );
    const ok = await promote({ root: root(), bundle: 'database', to: 'prod-use1', allowMajor: true, dryRun: true });
    expect(ok).toMatchObject({ from: { version: v2, pinned: true }, to: { version: '2.0.0', pinned: true }, written: false });
  });

  it('publishes a prerelease under its pre-mode tag, and latest stays on the release', async () => {
    // changesets' pre mode, entered as a team would (npm refuses a prerelease without a tag)
    const changeset = createRequire(join(root(), 'package.json')).resolve('@changesets/cli/bin.js');
    const entered = await runProcess(process.execPath, [changeset, 'pre', 'enter', 'next'], { cwd: root() });
    expect(entered.code, entered.stderr).toBe(0);
    writeFileSync(
      join(root(), '.changeset/database-pre.md'),
      `---\n'@parity/bundle-database': patch\n---\n\nA prerelease, for the test.\n`,
    );
    const r = await release({ root: root(), token });
    expect(r.published).toEqual(['@parity/bundle-database@2.0.1-next.0']);
    const tags = await runNpm(['view', '@parity/bundle-database', 'dist-tags', '--json', '--prefer-online'], root());
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout)).toEqual({ latest: '2.0.0', next: '2.0.1-next.0' });
    // promote's default stays on the newest release
    const p = await promote({ root: root(), bundle: 'database', to: 'prod-use1', allowMajor: true, dryRun: true });
    expect(p.to.version).toBe('2.0.0');
  });
});

/** PUTs `body` without credentials on a connection of its own, resolving with the status. */
function anonymousPut(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
