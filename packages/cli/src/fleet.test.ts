import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspace, resolveEnvironments, type ResolvedEnvironment } from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { synthToJson, type TerraformJson } from '@parity/synth';
import { renderSchemas } from './commands/schemas.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

/** Attribute names that would carry a plaintext secret, and values that look like one. */
const SECRET_KEYS = /^(password|master_password|admin_password|secret_string|root_password|private_key|access_key|secret_key)$/;
const SECRET_VALUES = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /AKIA[0-9A-Z]{16}/, /"password"\s*:\s*"[^"$]/i];

function walk(node: unknown, path: string[], visit: (path: string[], value: unknown) => void): void {
  visit(path, node);
  if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...path, k], visit);
}

// The repository's own fleet (the example, or a fork's after `parity init`), and the tests' fleet
// (@parity/testkit), which has a known shape.
describe.each([
  ['the committed fleet', () => ({ root: REPO_ROOT, cleanup: () => {} })],
  ["the tests' fleet", () => fleetWorkspace()],
])('%s', (_title, workspace) => {
  let envs: ResolvedEnvironment[];
  const json = new Map<string, TerraformJson>();
  let cleanup = () => {};
  beforeAll(async () => {
    const w = workspace();
    cleanup = w.cleanup;
    const ws = await loadWorkspace(w.root);
    const r = resolveEnvironments(ws);
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    envs = r.envs;
    for (const e of envs) json.set(e.name, await synthToJson(w.root, e));
  });
  afterAll(() => cleanup());

  it("holds no plaintext secret in any environment's Terraform JSON", () => {
    for (const [name, j] of json) {
      const found: string[] = [];
      walk(j, [], (path, value) => {
        const key = path[path.length - 1] ?? '';
        if (SECRET_KEYS.test(key) && value !== undefined) found.push(path.join('.'));
      });
      const text = JSON.stringify(j);
      for (const re of SECRET_VALUES) if (re.test(text)) found.push(re.source);
      expect(found, name).toEqual([]);
    }
  });

  it('gives every environment its own state, and no dr environment keeps state in the region it fails over from', () => {
    const keys = new Set<string>();
    for (const e of envs) {
      const backend = (json.get(e.name)!.terraform as { backend: Record<string, Record<string, string>> }).backend;
      const [kind, cfg] = Object.entries(backend)[0]!;
      const id = kind === 's3' ? `${cfg.bucket}/${cfg.key}` : `${cfg.bucket}/${cfg.prefix}`;
      expect(keys.has(id), id).toBe(false);
      keys.add(id);
      if (e.recovers && kind === 's3') expect(cfg.region).not.toBe(e.recovers.region);
      if (e.recovers) expect(e.state.region).not.toBe(e.recovers.region);
    }
  });

  it('pins the AWS provider the bindings were built for', () => {
    for (const e of envs.filter((x) => x.cloud === 'aws')) {
      const aws = json.get(e.name)!.terraform as { required_providers: { aws: { version: string } } };
      expect(aws.required_providers.aws.version, e.name).toBe('5.100.0');
    }
  });
});

describe("the tests' fleet", () => {
  it('has staging, two AWS production regions with their dr environments, and a GCP pair', async () => {
    const { root, cleanup } = fleetWorkspace();
    const envs = resolveEnvironments(await loadWorkspace(root)).envs;
    cleanup();
    const by = Object.fromEntries(envs.map((e) => [e.name, e]));
    expect(by.staging).toMatchObject({ cloud: 'aws', region: 'us-east-1', role: 'staging' });
    expect(by['prod-use1']).toMatchObject({ role: 'production', region: 'us-east-1' });
    expect(by['prod-euw1']).toMatchObject({ role: 'production', region: 'eu-west-1' });
    expect(by['dr-usw2']).toMatchObject({ role: 'dr', region: 'us-west-2', recovers: { name: 'prod-use1' } });
    expect(envs.some((e) => e.cloud === 'gcp' && e.role === 'production')).toBe(true);
    expect(envs.some((e) => e.cloud === 'gcp' && e.role === 'dr')).toBe(true);
  });
});

describe('the repository', () => {
  it('commits JSON Schemas that match the types', async () => {
    const { files } = await renderSchemas(REPO_ROOT);
    expect(files.size).toBeGreaterThanOrEqual(7);
    for (const [file, content] of files)
      expect(readFileSync(join(REPO_ROOT, file), 'utf8'), `${file} is stale: run pnpm schemas`).toBe(content);
  });
});
