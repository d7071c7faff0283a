import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetEnvironmentsAsync, fleetWorkspace, parity, STAMP_TIMEOUT } from '@parity/testkit';
import { synth } from './commands/synth.js';

describe('pnpm synth: one process, incremental, never half-written', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ root, cleanup } = fleetWorkspace({ copyBundles: ['queue'] }));
  });
  afterAll(() => cleanup());
  const statuses = (results: Array<{ env: string; status: string }>) => Object.fromEntries(results.map((r) => [r.env, r.status]));

  it('synthesizes every environment to environments/<name>/cdktf.out/stacks/<name>/cdk.tf.json', async () => {
    const { envs, results } = await synth([], { quiet: true }, root);
    expect(envs.length).toBeGreaterThanOrEqual(7);
    expect(new Set(Object.values(statuses(results)))).toEqual(new Set(['synthesized']));
    for (const e of envs) {
      const file = join(root, 'environments', e.name, 'cdktf.out', 'stacks', e.name, 'cdk.tf.json');
      const json = JSON.parse(readFileSync(file, 'utf8')) as { terraform: { backend: Record<string, unknown> } };
      expect(Object.keys(json.terraform.backend)).toEqual([e.cloud === 'aws' ? 's3' : 'gcs']);
    }
    expect(readdirSync(join(root, 'environments')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('returns at once for an unchanged fleet', async () => {
    const { results } = await synth([], { quiet: true }, root);
    expect(new Set(Object.values(statuses(results)))).toEqual(new Set(['unchanged']));
  });

  it('synthesizes only the environment whose manifest changed', async () => {
    const file = join(root, 'environments/staging/environment.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('overrides: {}', 'overrides:\n  database:\n    size: medium # more load tests this quarter'),
    );
    const { results } = await synth([], { quiet: true }, root);
    const s = statuses(results);
    expect(s.staging).toBe('synthesized');
    expect(
      Object.entries(s)
        .filter(([n]) => n !== 'staging')
        .every(([, v]) => v === 'unchanged'),
    ).toBe(true);
    const json = readFileSync(join(root, 'environments/staging/cdktf.out/stacks/staging/cdk.tf.json'), 'utf8');
    expect(json).toContain('db.r6g.large');
  });

  it('synthesizes again the environments of that cloud after a change to one implementation of a bundle', async () => {
    appendFileSync(join(root, 'node_modules/@parity/bundle-queue/src/aws.ts'), '\n// a change\n');
    const { envs, results } = await synth([], { quiet: true }, root);
    const s = statuses(results);
    const aws = envs.filter((e) => e.cloud === 'aws' && e.bundles.some((b) => b.name === 'queue')).map((e) => e.name);
    expect(aws.length).toBeGreaterThan(0);
    for (const e of envs) expect([e.name, s[e.name]]).toEqual([e.name, aws.includes(e.name) ? 'synthesized' : 'unchanged']);
  });

  it('synthesizes again every environment that uses a bundle whose contract changed', async () => {
    appendFileSync(join(root, 'node_modules/@parity/bundle-queue/src/index.ts'), '\n// a change\n');
    const { envs, results } = await synth([], { quiet: true }, root);
    const users = envs.filter((e) => e.bundles.some((b) => b.name === 'queue')).map((e) => e.name);
    expect(envs.some((e) => e.cloud === 'gcp' && users.includes(e.name))).toBe(true);
    const s = statuses(results);
    for (const e of envs) expect([e.name, s[e.name]]).toEqual([e.name, users.includes(e.name) ? 'synthesized' : 'unchanged']);
  });

  it('fails without touching the previous output when a bundle throws', async () => {
    const src = join(root, 'node_modules/@parity/bundle-queue/src/aws.ts');
    const before = readFileSync(join(root, 'environments/prod-use1/cdktf.out/stacks/prod-use1/cdk.tf.json'), 'utf8');
    const original = readFileSync(src, 'utf8');
    writeFileSync(
      src,
      original.replace(/export function deploy\(([^)]*)\)([^{]*)\{/, 'export function deploy($1)$2{ throw new Error("boom in queue");'),
    );
    try {
      // A fresh module graph is needed to see the edit: run through a child process, under tsx,
      // since the copied bundle lives outside the workspace packages that `pnpm synth` compiles.
      const { spawnSync } = await import('node:child_process');
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'bin.ts'), 'synth', 'prod-use1'],
        { env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' }, encoding: 'utf8' },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/boom in queue/);
    } finally {
      writeFileSync(src, original);
    }
    expect(readFileSync(join(root, 'environments/prod-use1/cdktf.out/stacks/prod-use1/cdk.tf.json'), 'utf8')).toBe(before);
    expect(readdirSync(join(root, 'environments/prod-use1')).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(existsSync(join(root, 'environments/prod-use1/cdktf.out/.parity-inputs.json'))).toBe(true);
  });

  it('on the command line (compiled), names a TypeScript bundle outside the workspace packages and how to fix it', async () => {
    const r = await parity(root, 'synth', 'prod-use1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bundles.queue');
    expect(r.stderr).toMatch(/node_modules\/@parity\/bundle-queue\/src\/index\.ts is TypeScript that the command line has not compiled/);
    expect(r.stderr).toMatch(/make its package a workspace package \(pnpm-workspace\.yaml\)/);
  });
});

describe('pnpm synth: the shared key constructs are inputs of the bundles that use them', () => {
  let root: string;
  let cleanup: () => void;
  // Stamping and the first synth in the hook, between turns of the event loop (see vitest.setup.ts).
  beforeAll(async () => {
    await fleetEnvironmentsAsync();
    // a copy of every workspace package: @parity/constructs may be changed here
    ({ root, cleanup } = fleetWorkspace({ sources: true }));
    await new Promise((resolve) => setImmediate(resolve));
    const first = await synth([], { quiet: true }, root);
    expect(new Set(first.results.map((r) => r.status))).toEqual(new Set(['synthesized']));
  }, STAMP_TIMEOUT);
  afterAll(() => cleanup());

  it('synthesizes again the environments of that cloud after a change to @parity/constructs/aws', async () => {
    appendFileSync(join(root, 'packages/constructs/src/aws.ts'), '\n// a change\n');
    const { envs, results } = await synth([], { quiet: true }, root);
    const status = Object.fromEntries(results.map((r) => [r.env, r.status]));
    const users = envs.filter((e) => e.cloud === 'aws' && e.bundles.some((b) => b.name !== 'network')).map((e) => e.name);
    expect(users.length).toBeGreaterThan(0);
    expect(envs.some((e) => e.cloud === 'gcp')).toBe(true);
    for (const e of envs) expect([e.name, status[e.name]]).toEqual([e.name, users.includes(e.name) ? 'synthesized' : 'unchanged']);
  });
});
