/**
 * Pinned bundle versions in manifests (`bundles: { database: 1.0.0 }`): validation, resolution
 * with the pinned version's own spec, and the errors when it cannot be had. These need no
 * registry: pinned versions are placed in the bundle cache by hand (release.e2e.test.ts installs real
 * ones from a real registry).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspace, pinnedDir, resolveEnvironment, type BundleSpec, type Workspace } from '@parity/model';
import { fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { formatDiff, resourceDiff } from './diff.js';
import { PIN_COMMENT, setPin } from './promote.js';
import { freePort } from '@parity/io';
import { npmInstaller } from './install.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const MANIFEST = 'environments/prod-use1/environment.yaml';
const ORDER = ['network', 'database', 'cluster', 'queue', 'backup'];

let t: { root: string; cleanup: () => void };
let original: string;
let spec: BundleSpec;

declare global {
  var __parityFakeBundles: Record<string, BundleSpec> | undefined;
}

/** A "published" version of the database bundle in the bundle cache, whose spec is `fake`. */
function cache(version: string, fake: BundleSpec): void {
  const dir = join(t.root, pinnedDir('@parity/bundle-database', version));
  const pkg = join(dir, 'node_modules', '@parity', 'bundle-database');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: '@parity/bundle-database', version, type: 'module', exports: { '.': './index.js' } }),
  );
  writeFileSync(join(pkg, 'index.js'), `export const bundle = globalThis.__parityFakeBundles[${JSON.stringify(version)}];\n`);
  globalThis.__parityFakeBundles = { ...globalThis.__parityFakeBundles, [version]: fake };
}

async function withPins(text: string): Promise<Workspace> {
  writeFileSync(join(t.root, MANIFEST), text);
  return loadWorkspace(t.root, { installer: npmInstaller });
}

const pinned = (version: string) => setPin(original, 'database', version, ORDER);

beforeAll(async () => {
  t = fleetWorkspace();
  original = readFileSync(join(t.root, MANIFEST), 'utf8');
  spec = (await loadWorkspace(t.root, { installer: npmInstaller })).bundles.get('database')!;
});
afterAll(() => t.cleanup());

describe('pins in a manifest', () => {
  it('fails on a range instead of an exact version, naming file, field and line', async () => {
    const ws = await withPins(original.replace('overrides: {}', 'bundles:\n  database: ^1.0.0\noverrides: {}'));
    const i = ws.issues.find((x) => x.path === 'bundles.database')!;
    expect(i).toMatchObject({ kind: 'schema', file: MANIFEST, value: '^1.0.0' });
    expect(i.message).toMatch(/exact published version such as 1\.0\.0: a pin, not a range/);
    expect(i.line).toBe(original.split('\n').findIndex((l) => l.startsWith('overrides')) + 2);
  });

  it('fails on a version YAML reads as a number', async () => {
    const ws = await withPins(original.replace('overrides: {}', 'bundles:\n  database: 1.0\noverrides: {}'));
    expect(ws.issues.find((x) => x.path === 'bundles.database')!.message).toMatch(/written as a string/);
  });

  it('fails on a pin of a bundle the definition does not have', async () => {
    const ws = await withPins(original.replace('overrides: {}', 'bundles:\n  storage: 1.0.0\noverrides: {}'));
    const r = resolveEnvironment(ws, 'prod-use1');
    expect(r.env).toBeUndefined();
    expect(r.issues.find((x) => x.path === 'bundles.storage')).toMatchObject({ kind: 'unknown-bundle', file: MANIFEST, value: 'storage' });
  });

  it('fails on a version outside the definition range, without asking a registry', async () => {
    const ws = await withPins(pinned('2.0.0'));
    const r = resolveEnvironment(ws, 'prod-use1');
    const i = r.issues.find((x) => x.path === 'bundles.database')!;
    expect(i).toMatchObject({ kind: 'bundle-version', value: '2.0.0' });
    expect(i.message).toMatch(
      /outside the range the definition asks for \(environments\/platform\.yaml: bundles\.database\.version: \^1\.0\.0\)/,
    );
    expect(i.fix).toMatch(/pnpm promote database --to prod-use1/);
    expect(existsSync(join(t.root, pinnedDir('@parity/bundle-database', '2.0.0')))).toBe(false);
  });

  it('fails naming the registry when it cannot be reached; other environments still resolve', async () => {
    const port = await freePort();
    writeFileSync(join(t.root, '.npmrc'), `@parity:registry=http://127.0.0.1:${port}/\n`);
    const ws = await withPins(pinned('1.0.9'));
    const r = resolveEnvironment(ws, 'prod-use1');
    const i = r.issues.find((x) => x.path === 'bundles.database')!;
    expect(i).toMatchObject({ kind: 'bundle-version', file: MANIFEST, value: '1.0.9' });
    expect(i.message).toContain(
      `cannot reach the registry at http://127.0.0.1:${port}/ for installing @parity/bundle-database@1.0.9 (ECONNREFUSED)`,
    );
    expect(i.fix).toMatch(
      /^nothing listens at http:\/\/127\.0\.0\.1:\d+\/: check the URL and the port; start the internal registry with `pnpm registry`/,
    );
    expect(resolveEnvironment(ws, 'staging').env).toBeDefined();
    expect(existsSync(join(t.root, pinnedDir('@parity/bundle-database', '1.0.9')))).toBe(false);
  });

  it('resolves a pinned version from the bundle cache, and only in the environment that pins it', async () => {
    cache('1.0.5', { ...spec, version: '1.0.5' });
    const ws = await withPins(pinned('1.0.5'));
    const prod = resolveEnvironment(ws, 'prod-use1');
    expect(prod.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(prod.env!.bundles.find((b) => b.name === 'database')).toMatchObject({
      version: '1.0.5',
      pinned: { dir: '.parity/bundles/@parity/bundle-database@1.0.5' },
    });
    const staging = resolveEnvironment(ws, 'staging').env!;
    expect(staging.bundles.find((b) => b.name === 'database')).toMatchObject({ version: spec.version });
    expect(staging.bundles.find((b) => b.name === 'database')!.pinned).toBeUndefined();
  });

  it("validates parameters with the pinned version's own schema", async () => {
    // an older version without replicateBackupsToDr, which the definition sets
    const params = spec.params.omit({ replicateBackupsToDr: true });
    cache('1.0.3', { ...spec, version: '1.0.3', params, features: [] });
    const ws = await withPins(pinned('1.0.3'));
    const r = resolveEnvironment(ws, 'prod-use1');
    expect(r.env).toBeUndefined();
    const i = r.issues.find((x) => x.kind === 'unknown-parameter')!;
    expect(i).toMatchObject({ file: MANIFEST, path: 'bundles.database', value: '1.0.3' });
    expect(i.message).toContain(
      'bundle database 1.0.3 (pinned in environments/prod-use1/environment.yaml) has no parameter "replicateBackupsToDr", which environments/platform.yaml sets (bundles.database.defaults.replicateBackupsToDr)',
    );
  });
});

describe('setPin', () => {
  it('adds a commented bundles map before overrides, keeps everything else byte for byte, and removes it again', () => {
    const text = setPin(original, 'database', '1.1.0', ORDER);
    expect(text).toBe(original.replace('overrides: {}', `#${PIN_COMMENT}\nbundles:\n  database: 1.1.0\noverrides: {}`));
    const two = setPin(setPin(text, 'backup', '1.2.0', ORDER), 'network', '1.0.1', ORDER);
    expect(two).toContain('bundles:\n  network: 1.0.1\n  database: 1.1.0\n  backup: 1.2.0\n');
    expect(setPin(two, 'network', '1.0.1', ORDER)).toBe(two);
    const back = ['network', 'database', 'backup'].reduce((s, b) => setPin(s, b, undefined, ORDER), two);
    expect(back).toBe(original);
  });
});

describe('resourceDiff', () => {
  it('lists added, changed (with arguments) and removed resources by address, ignoring cdktf metadata', () => {
    const before = {
      resource: { aws_db_instance: { db: { '//': { path: 'a' }, engine: 'postgres', tags: { a: '1' } } }, aws_kms_key: { key: { x: 1 } } },
      data: { aws_region: { here: {} } },
    };
    const after = {
      resource: {
        aws_db_instance: { db: { '//': { path: 'b' }, engine: 'postgres', tags: { a: '2' }, port: 5432 } },
        aws_sqs_queue: { q: {} },
      },
      data: { aws_region: { here: {} } },
      output: { o: { value: 1 } },
    };
    const d = resourceDiff(before, after);
    expect(d).toEqual({
      added: ['aws_sqs_queue.q'],
      changed: [{ address: 'aws_db_instance.db', attributes: ['port', 'tags'] }],
      removed: ['aws_kms_key.key'],
      outputs: { added: ['o'], changed: [], removed: [] },
    });
    expect(formatDiff(d)).toEqual([
      '+ aws_sqs_queue.q',
      '~ aws_db_instance.db (port, tags)',
      '- aws_kms_key.key',
      'outputs: +o',
      '1 to add, 1 to change, 1 to remove',
    ]);
    expect(formatDiff(resourceDiff(before, before))).toEqual(['no changes to resources']);
  });
});
