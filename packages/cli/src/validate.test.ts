import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEnvironment } from '@parity/generator';
import { loadWorkspace } from '@parity/model';
import { tempWorkspace } from '@parity/model/testing';
import { stackFile } from '@parity/synth/cache';
import { validate } from './commands/validate.js';
import { findPluginDir, initAndValidate } from './terraform.js';

describe('pnpm validate: real terraform init + validate with the real AWS provider', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ root, cleanup } = tempWorkspace());
    // an environment in a region the fleet does not use yet
    const r = generateEnvironment(await loadWorkspace(root), 'staging-apse2', {});
    expect(r.written).toBeDefined();
  });
  afterAll(() => cleanup());

  it('finds the provider mirror (required under CI=true: no skipping)', () => {
    const choice = findPluginDir();
    if (process.env.CI === 'true') expect(choice.dir, choice.how).toBeDefined();
    // without a mirror, validate falls back to the registry, and the next test fails offline
  });

  it('validates every AWS environment, including a newly generated one', async () => {
    const results = await validate([], { jobs: 2 }, root);
    const names = results.map((r) => r.env);
    expect(names).toEqual(expect.arrayContaining(['staging', 'prod-use1', 'prod-euw1', 'dr-usw2', 'dr-euc1', 'staging-apse2']));
    for (const r of results) {
      expect(r.result.diagnostics.filter((d) => d.severity === 'error'), r.env).toEqual([]);
      expect(r.result.valid, r.env).toBe(true);
    }
    process.exitCode = 0;
  });

  it('fails when the Terraform is not valid for the provider', async () => {
    const file = stackFile(root, 'staging');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const queue = Object.values(json.resource.aws_sqs_queue!)[0]!;
    queue.not_an_sqs_argument = true;
    writeFileSync(file, JSON.stringify(json));
    const r = await initAndValidate(dirname(file), findPluginDir().dir);
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => `${d.summary} ${d.detail}`).join('\n')).toMatch(/not_an_sqs_argument/);
  });

  it('fails with a clear message when the configured mirror lacks the provider', () => {
    expect(() => findPluginDir(join(root, 'no-such-mirror'))).toThrow(/does not hold registry\.terraform\.io\/hashicorp\/aws 5\.100\.0/);
  });
});
