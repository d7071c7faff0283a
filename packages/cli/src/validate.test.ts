import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEnvironment } from '@parity/generator';
import { loadWorkspace, ParityError } from '@parity/model';
import { fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { stackFile } from '@parity/synth/cache';
import { writeSynthesizedStack } from '@parity/synth/testing';
import { validate } from './commands/validate.js';
import { findPluginDir, initAndValidate } from './terraform.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

describe('pnpm validate: real terraform init + validate with the real AWS provider', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ root, cleanup } = fleetWorkspace());
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
      expect(
        r.result.diagnostics.filter((d) => d.severity === 'error'),
        r.env,
      ).toEqual([]);
      expect(r.result.valid, r.env).toBe(true);
    }
    process.exitCode = 0;
  });

  it('validates the failover sequence of a pilot-light dr environment: replica, promote, complete', async () => {
    const { root: ws, cleanup: done } = fleetWorkspace();
    try {
      const manifest = join(ws, 'environments', 'dr-usw2', 'environment.yaml');
      const committed = readFileSync(manifest, 'utf8');
      for (const step of ['promote', 'complete']) {
        writeFileSync(manifest, `${committed}failover:\n  step: ${step}\n  at: "2026-11-28T14:02:00Z"\n`);
        const [r] = await validate(['dr-usw2'], { jobs: 1 }, ws);
        expect(
          r!.result.diagnostics.filter((d) => d.severity === 'error'),
          step,
        ).toEqual([]);
        const json = JSON.parse(readFileSync(stackFile(ws, 'dr-usw2'), 'utf8')) as {
          resource: Record<string, Record<string, Record<string, unknown>>>;
        };
        const db = Object.values(json.resource.aws_db_instance!)[0]!;
        expect(db.replicate_source_db, step).toBeUndefined();
        expect(db.username !== undefined, step).toBe(step === 'complete');
      }
    } finally {
      done();
    }
    process.exitCode = 0;
  }, 300_000);

  it('validates the failback sequence of the production environment: a replica of the dr one, promoted, complete', async () => {
    const { root: ws, cleanup: done } = fleetWorkspace();
    try {
      const dr = join(ws, 'environments', 'dr-usw2', 'environment.yaml');
      writeFileSync(dr, `${readFileSync(dr, 'utf8')}failover:\n  step: complete\n`);
      const manifest = join(ws, 'environments', 'prod-use1', 'environment.yaml');
      const committed = readFileSync(manifest, 'utf8');
      for (const step of ['reprotect', 'promote', 'complete']) {
        writeFileSync(manifest, `${committed}failback:\n  step: ${step}\n`);
        const [r] = await validate(['prod-use1'], { jobs: 1 }, ws);
        expect(
          r!.result.diagnostics.filter((d) => d.severity === 'error'),
          step,
        ).toEqual([]);
        const json = JSON.parse(readFileSync(stackFile(ws, 'prod-use1'), 'utf8')) as {
          resource: Record<string, Record<string, Record<string, unknown>>>;
        };
        const db = Object.values(json.resource.aws_db_instance!)[0]!;
        // re-protecting, it replicates the dr environment's database, in us-west-2
        expect(String(db.replicate_source_db ?? ''), step).toMatch(step === 'reprotect' ? /:rds:us-west-2:.*:db:acme-dr-usw2-db$/ : /^$/);
        expect(db.username !== undefined, step).toBe(step === 'complete');
      }
    } finally {
      done();
    }
    process.exitCode = 0;
  }, 300_000);

  it('validates the failback of a backup & restore pair: the dr side copying back (reprotect), the production side restored (restore)', async () => {
    const { root: ws, cleanup: done } = fleetWorkspace();
    try {
      const dr = join(ws, 'environments', 'dr-euc1', 'environment.yaml');
      writeFileSync(dr, `${readFileSync(dr, 'utf8')}failover:\n  step: restore\n  snapshot: copy-1\n`);
      const manifest = join(ws, 'environments', 'prod-euw1', 'environment.yaml');
      const committed = readFileSync(manifest, 'utf8');
      for (const section of ['step: reprotect', 'step: restore\n  snapshot: acme-dr-euc1-db-failback-20261129100000']) {
        writeFileSync(manifest, `${committed}failback:\n  ${section}\n`);
        // both sides in one Terraform root (one provider start), each judged on its own
        const both = await validate(['prod-euw1', 'dr-euc1'], { jobs: 1 }, ws);
        expect(both.map((r) => r.env)).toEqual(['dr-euc1', 'prod-euw1']);
        for (const r of both) {
          expect(
            r.result.diagnostics.filter((d) => d.severity === 'error'),
            `${section}: ${r.env}`,
          ).toEqual([]);
        }
        type Json = { resource: Record<string, Record<string, Record<string, unknown>>> };
        const prod = JSON.parse(readFileSync(stackFile(ws, 'prod-euw1'), 'utf8')) as Json;
        const db = Object.values(prod.resource.aws_db_instance!)[0]!;
        expect(db.snapshot_identifier, section).toBe(
          section.startsWith('step: restore') ? 'acme-dr-euc1-db-failback-20261129100000' : undefined,
        );
        const drJson = JSON.parse(readFileSync(stackFile(ws, 'dr-euc1'), 'utf8')) as Json;
        // the reverse copy vault, in eu-west-1 through the aliased provider
        expect(Object.values(drJson.resource.aws_backup_vault!).map((v) => v.provider)).toContain('aws.eu_west_1');
      }
    } finally {
      done();
    }
    process.exitCode = 0;
  }, 300_000);

  it('fails when the Terraform is not valid for the provider', async () => {
    const file = stackFile(root, 'staging');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const queue = Object.values(json.resource.aws_sqs_queue!)[0]!;
    queue.not_an_sqs_argument = true;
    // As if synthesized so: the synth cache keeps it (a plain edit would be synthesized again).
    writeSynthesizedStack(root, 'staging', json);
    const r = await initAndValidate(dirname(file), findPluginDir().dir);
    expect(r.valid).toBe(false);
    expect(r.diagnostics.map((d) => `${d.summary} ${d.detail}`).join('\n')).toMatch(/not_an_sqs_argument/);
  });

  it('fails the broken environment alone, with the address and message a root of its own gives (one Terraform root for the fleet)', async () => {
    // the previous test broke staging's first queue; its own root is the reference
    const alone = await initAndValidate(dirname(stackFile(root, 'staging')), findPluginDir().dir);
    const expected = alone.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => ({ summary: d.summary, address: d.address, detail: d.detail }));
    expect(expected.length).toBeGreaterThan(0);
    const results = await validate([], {}, root);
    const staging = results.find((r) => r.env === 'staging')!;
    expect(staging.result.valid).toBe(false);
    expect(
      staging.result.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => ({ summary: d.summary, address: d.address, detail: d.detail })),
    ).toEqual(expected);
    for (const r of results.filter((x) => x.env !== 'staging')) expect(r.result.valid, r.env).toBe(true);
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
  });

  it("fails an environment whose own provider blocks do not fit the provider's schema, even where the fleet shares one provider", async () => {
    const edit = (env: string, change: (providers: Array<Record<string, unknown>>) => void) => {
      const file = stackFile(root, env);
      const json = JSON.parse(readFileSync(file, 'utf8')) as { provider: { aws: Array<Record<string, unknown>> } };
      change(json.provider.aws);
      writeSynthesizedStack(root, env, json);
    };
    edit('staging', (p) => {
      p[0]!.bogus_setting = true;
    });
    edit('prod-use1', (p) => {
      p.find((x) => x.alias)!.max_retries = 'many';
    });
    edit('dr-usw2', (p) => {
      p[0]!.default_tags = [{ tagz: { a: 'b' } }];
    });
    // the first environment's provider is the one the fleet shares: Terraform itself validates it, once
    edit('dr-euc1', (p) => {
      p[0]!.region = 42;
      p[0]!.also_bogus = 'x';
    });
    const results = await validate([], {}, root);
    const errors = (env: string) => results.find((r) => r.env === env)!.result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors('staging').map((d) => `${d.summary}: ${d.detail}`)).toContainEqual(
      expect.stringMatching(/Extraneous JSON object property.*No argument or block type is named "bogus_setting"/s),
    );
    expect(errors('prod-use1').map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      expect.stringMatching(/^Incorrect attribute value type: provider "aws" \(alias us_west_2\): .*"max_retries": a number is required/),
    ]);
    expect(errors('dr-usw2').map((d) => d.detail)).toEqual(['provider "aws" default_tags: No argument or block type is named "tagz".']);
    expect(errors('dr-euc1').map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      expect.stringMatching(/^Extraneous JSON object property: No argument or block type is named "also_bogus"/),
    ]);
    expect(results.find((r) => r.env === 'prod-euw1')!.result.valid).toBe(true);
    process.exitCode = 0;
  });

  it('fails with a clear message when the configured mirror lacks the provider', () => {
    expect(() => findPluginDir(join(root, 'no-such-mirror'))).toThrow(/does not hold registry\.terraform\.io\/hashicorp\/aws 5\.100\.0/);
    const e = (() => {
      try {
        findPluginDir(join(root, 'no-such-mirror'));
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(ParityError);
    expect((e as ParityError).kinds).toEqual(['provider-mirror']);
    expect((e as ParityError).issues[0]).toMatchObject({
      file: '--plugin-dir',
      value: join(root, 'no-such-mirror'),
      fix: 'point it at a filesystem mirror that does',
    });
  });
});
