import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspace, NAME_RULES, PREVIEW_ID_MAX, resolveEnvironment } from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { BIN, edit, fleetEnvironmentsAsync, fleetWorkspace, git as gitIn, parity, refusal } from '@parity/testkit';
import { stackFile } from '@parity/synth/cache';
import type { CheckReport } from '@parity/checks';
import { promote } from './commands/promote.js';
import { preview } from './commands/preview.js';
import { validate } from './commands/validate.js';

type Json = {
  terraform: { backend: Record<string, Record<string, unknown>> };
  provider: Record<string, Array<Record<string, unknown>>>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
};
const NOW = new Date('2026-12-07T04:11:18Z');

/** `parity <args>` without blocking the worker (a whole fleet's synth and check take a minute on a busy machine). */
function parityAsync(root: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('pnpm preview: an ephemeral environment derived from a base, never committed', () => {
  let root: string;
  let cleanup: () => void;
  const git = (...args: string[]) => gitIn(root, ...args);
  const stack = (env: string) => JSON.parse(readFileSync(stackFile(root, env), 'utf8')) as Json;
  const record = (env: string) => join(root, 'environments', env, 'preview.yaml');

  beforeAll(async () => {
    await fleetEnvironmentsAsync();
    ({ root, cleanup } = fleetWorkspace());
    // a repository of its own, ignoring what the project ignores
    copyFileSync(join(REPO_ROOT, '.gitignore'), join(root, '.gitignore'));
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'fleet');
  }, 180_000);
  afterAll(() => cleanup());

  it('derives pr-1234 from staging: a record nobody commits, synthesized and checked at parity with staging', {
    timeout: 300_000,
  }, async () => {
    const made = await parity(root, 'preview', 'pr-1234', '--from', 'staging');
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/preview-pr-1234: a preview of staging on aws us-east-1, tier standard, no DR pair/);
    expect(made.stdout).toMatch(/state: +s3:\/\/acme-tfstate-us-east-1\/previews\/preview-pr-1234\/terraform\.tfstate/);
    expect(readFileSync(record('preview-pr-1234'), 'utf8')).toMatch(/^id: pr-1234\nfrom: staging\nttl: 72h\n/m);
    const synth = await parityAsync(root, 'synth');
    expect(synth.status, synth.stderr).toBe(0);
    expect(synth.stdout).toMatch(/✔ preview-pr-1234 +environments\/preview-pr-1234\/cdktf\.out/);
    expect(git('status', '--porcelain')).toBe('');
    const json = stack('preview-pr-1234');
    expect(json.terraform.backend.s3).toMatchObject({
      bucket: 'acme-tfstate-us-east-1',
      key: 'previews/preview-pr-1234/terraform.tfstate',
    });
    const tags = (json.provider.aws![0]!.default_tags as Array<{ tags: Record<string, string> }>)[0]!.tags;
    expect(tags).toMatchObject({ 'parity:role': 'preview', 'parity:environment': 'preview-pr-1234' });
    expect(tags['parity:expires']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/);
    const check = await parityAsync(root, 'check', '--json');
    expect(check.status, check.stdout.slice(-2000)).toBe(0);
    const report = JSON.parse(check.stdout) as CheckReport;
    expect(report.previews).toEqual([
      expect.objectContaining({ name: 'preview-pr-1234', from: 'staging', atParity: true, baseChecked: true }),
    ]);
    expect(report.envs.find((e) => e.name === 'preview-pr-1234')).toMatchObject({ role: 'preview', tier: 'standard', valid: true });
    expect(report.findings.filter((f) => f.env === 'preview-pr-1234')).toEqual([]);
    const terminal = await parityAsync(root, 'check');
    expect(terminal.stdout).toMatch(/✔ preview-pr-1234 ← staging \(aws us-east-1, tier standard, expires [^)]+\): at parity with staging/);
    // the workflows and the bootstrap are the committed fleet's: a local preview changes neither
    expect((await parity(root, 'gen', 'ci')).status).toBe(0);
    git('add', '-A');
    git('commit', '-qm', 'workflows');
    expect((await parity(root, 'gen', 'ci', '--check')).status).toBe(0);
    expect(git('status', '--porcelain')).toBe('');
  });

  it('lists the previews with their expiry, the expired ones alone, and as a matrix for CI', async () => {
    await preview('pr-old', { from: 'prod-use1', ttl: '1h' }, root, new Date('2026-01-01T00:00:00Z'));
    const list = await parity(root, 'preview', '--list');
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^preview-pr-old +from prod-use1 +aws us-east-1 +expired 2026-01-01T01:00:00Z/m);
    expect(list.stdout).toMatch(/^preview-pr-1234 +from staging +aws us-east-1 +expires /m);
    expect(list.stdout).toMatch(/2 previews, 1 expired/);
    const expired = await parity(root, 'preview', '--list', '--expired', '--json');
    expect(JSON.parse(expired.stdout)).toEqual({
      include: [
        {
          id: 'pr-old',
          env: 'preview-pr-old',
          from: 'prod-use1',
          cloud: 'aws',
          region: 'us-east-1',
          expires: '2026-01-01T01:00:00Z',
          expired: true,
          bucket: 'acme-tfstate-us-east-1',
          key: 'previews/preview-pr-old/terraform.tfstate',
        },
      ],
    });
    // a preview of production is sized as a preview: the tier staging gets, no deletion protection
    const ws = await loadWorkspace(root);
    const old = resolveEnvironment(ws, 'preview-pr-old').env!;
    expect(old.tier).toBe('standard');
    expect(old.bundles.find((b) => b.name === 'database')!.params).toMatchObject({ deletionProtection: false, highAvailability: false });
    expect(old.drTargets).toEqual([]);
    expect(old.backup.copyRegions).toEqual([]);
    const check = await parity(root, 'check');
    expect(check.stdout).toMatch(
      /warning \[parity preview-pr-old\] environments\/preview-pr-old\/preview\.yaml \(expires\): preview-pr-old expired/,
    );
    const removed = await parity(root, 'preview', 'pr-old', '--remove');
    expect(removed.status, removed.stderr).toBe(0);
    expect(existsSync(join(root, 'environments', 'preview-pr-old'))).toBe(false);
    expect((await parity(root, 'preview', '--list', '--json')).stdout).toMatch(/"env":"preview-pr-1234"/);
  });

  it('refuses a bad id, base, cloud or lifetime, each by its kind, and writes nothing', async () => {
    const cases: Array<[string | undefined, Parameters<typeof preview>[1], string]> = [
      ['PR_1', { from: 'staging' }, 'preview-id'],
      ['x'.repeat(PREVIEW_ID_MAX + 1), { from: 'staging' }, 'preview-id'],
      ['pr-1', { from: 'dr-usw2' }, 'preview-base'],
      ['pr-1', { from: 'prod-nowhere' }, 'preview-base'],
      ['pr-1', { from: 'preview-pr-1234' }, 'preview-base'],
      ['pr-1', { from: 'staging', cloud: 'gcp' }, 'preview-base'],
      ['pr-1', { cloud: 'gcp' }, 'preview-base'],
      ['pr-1', { from: 'staging', ttl: '31d' }, 'preview-ttl'],
      ['pr-1', { from: 'staging', ttl: '3w' }, 'preview-ttl'],
      ['pr-1', { from: 'staging', region: 'mars-north-1' }, 'unknown-region'],
    ];
    for (const [id, flags, kind] of cases) {
      const e = await refusal(preview(id, flags, root, NOW));
      expect(e.kinds, `${id} ${JSON.stringify(flags)}`).toEqual([kind]);
      expect(existsSync(record('preview-pr-1')), `${id} ${JSON.stringify(flags)}`).toBe(false);
    }
    const cli = await parity(root, 'preview', 'pr-1', '--from', 'dr-usw2');
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/dr-usw2 is a dr environment: a preview derives from a staging or production environment/);
    expect(cli.stderr).toMatch(/error: \(command line\) \(--from\)\n\s+value:\s+"dr-usw2"/);
    expect(cli.stderr).toMatch(/allowed: prod-euw1, prod-gcp-euw1, prod-use1, staging/);
  });

  it('may not be recovered, nor promoted to', async () => {
    const { root: ws, cleanup: done } = fleetWorkspace();
    try {
      await preview('pr-2', { from: 'staging' }, ws, NOW);
      edit(ws, 'environments/dr-usw2/environment.yaml', /^recovers: prod-use1.*$/m, 'recovers: preview-pr-2');
      const dr = resolveEnvironment(await loadWorkspace(ws), 'dr-usw2');
      expect(dr.issues.filter((i) => i.severity === 'error').map((i) => i.kind)).toEqual(['preview-recovers']);
      expect(dr.issues[0]).toMatchObject({ file: 'environments/dr-usw2/environment.yaml', path: 'recovers', value: 'preview-pr-2' });
      const e = await refusal(promote('database', { to: 'preview-pr-2', dryRun: true }, ws));
      expect(e.kinds).toEqual(['preview-promote']);
      expect(e.issues[0]!.fix).toMatch(
        /pnpm promote <bundle> --to staging\), then derive the preview again \(pnpm preview pr-2 --from staging\)/,
      );
    } finally {
      done();
    }
  });

  it('may not hold production data: restored from a production or dr snapshot it is refused; from a staging one it is made', async () => {
    const { root: ws, cleanup: done } = fleetWorkspace();
    try {
      const tier = (snapshot: string) =>
        edit(
          ws,
          'environments/platform.yaml',
          /^tiers:\n/m,
          `tiers:\n  preview:\n    database: { size: small, restoreFromSnapshot: ${snapshot} }\n`,
        );
      tier('acme-prod-use1-db-final-20261128120000');
      const e = await refusal(preview('pr-3', { from: 'staging' }, ws, NOW));
      expect(e.kinds).toEqual(['preview-production-data']);
      expect(e.issues[0]).toMatchObject({ file: 'environments/platform.yaml', path: 'tiers.preview.database.restoreFromSnapshot' });
      expect(existsSync(join(ws, 'environments', 'preview-pr-3'))).toBe(false);
      edit(ws, 'environments/platform.yaml', 'acme-prod-use1-db-final-20261128120000', 'acme-staging-db-seed');
      await preview('pr-3', { from: 'staging' }, ws, NOW);
      const made = resolveEnvironment(await loadWorkspace(ws), 'preview-pr-3').env!;
      expect(made.tier).toBe('preview');
      expect(made.bundles.find((b) => b.name === 'database')!.params.restoreFromSnapshot).toBe('acme-staging-db-seed');
      // inherited from the base's overrides: the same refusal, naming the base's manifest
      edit(
        ws,
        'environments/staging/environment.yaml',
        'overrides: {}',
        'overrides:\n  database:\n    restoreFromSnapshot: arn:aws:rds:us-east-1:123456789012:snapshot:acme-dr-usw2-db-failback-20261129100000',
      );
      edit(
        ws,
        'environments/platform.yaml',
        /^ {4}database: \{ size: small, restoreFromSnapshot: acme-staging-db-seed \}\n/m,
        '    database: { size: small }\n',
      );
      const inherited = resolveEnvironment(await loadWorkspace(ws), 'preview-pr-3');
      expect(inherited.issues.map((i) => i.kind)).toEqual(['preview-production-data']);
      expect(inherited.issues[0]).toMatchObject({
        file: 'environments/staging/environment.yaml',
        path: 'overrides.database.restoreFromSnapshot',
      });
    } finally {
      done();
    }
  });

  it('synthesizes a GCP preview in its base project, labelled with its expiry, nothing protected from deletion', async () => {
    await preview('pr-9', { from: 'prod-gcp-euw1', ttl: '2d' }, root, NOW);
    const r = await parityAsync(root, 'synth', 'preview-pr-9');
    expect(r.status, r.stderr).toBe(0);
    const json = stack('preview-pr-9');
    expect(json.terraform.backend.gcs).toEqual({ bucket: 'acme-tfstate-europe-west1', prefix: 'previews/preview-pr-9' });
    expect(json.provider.google![0]).toMatchObject({
      project: 'acme-prod-gcp-euw1',
      default_labels: expect.objectContaining({ 'parity-role': 'preview', 'parity-expires': '2026-12-09t05-00-00z' }),
    });
    expect(json.provider.google).toHaveLength(1);
    expect(Object.values(json.resource.google_container_cluster!)[0]!.deletion_protection).toBe(false);
    expect(Object.values(json.resource.google_sql_database_instance!)[0]!.deletion_protection).toBe(false);
    for (const b of Object.values(json.resource.google_storage_bucket!)) expect(b.force_destroy).toBe(true);
  });

  it('keeps every name of a preview with a long id within its limit: real terraform validate with the AWS provider', async () => {
    const id = `feature-${'x'.repeat(PREVIEW_ID_MAX - 10)}-1`;
    await preview(id, { from: 'staging' }, root, NOW);
    const [r] = await validate([`preview-${id}`], { jobs: 1 }, root);
    expect(r!.result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r!.result.valid).toBe(true);
    process.exitCode = 0;
    const json = stack(`preview-${id}`);
    const names: Array<[string, string, number]> = [
      ['aws_db_instance', 'identifier', NAME_RULES['aws.dbInstance'].max],
      ['aws_iam_role', 'name', NAME_RULES['aws.iamRole'].max],
      ['aws_backup_vault', 'name', NAME_RULES['aws.backupVault'].max],
      ['aws_backup_plan', 'name', NAME_RULES['aws.backupPlan'].max],
      ['aws_s3_bucket', 'bucket', NAME_RULES['aws.s3Bucket'].max],
      ['aws_eks_node_group', 'node_group_name', NAME_RULES['aws.eksNodeGroup'].max],
      ['aws_sqs_queue', 'name', NAME_RULES['aws.sqsQueue'].max],
    ];
    for (const [type, attr, max] of names) {
      const values = Object.values(json.resource[type] ?? {}).map((b) => String(b[attr]));
      expect(values.length, type).toBeGreaterThan(0);
      for (const v of values) {
        expect(v.length, `${type}.${attr} ${v}`).toBeLessThanOrEqual(max);
        expect(v, `${type}.${attr}`).toMatch(/^acme-preview-feature-x/);
      }
    }
    // a name too long for its limit is cut and ends in the hash of the whole name (naming.ts)
    for (const vault of Object.values(json.resource.aws_backup_vault!))
      expect(String(vault.name)).toMatch(/^acme-preview-feature-x+-[0-9a-f]{6}$/);
  }, 300_000);

  it('asks for an id without --list (a usage error), and names a broken record with its fix', async () => {
    const r = await parity(root, 'preview');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/name a preview id/);
    writeFileSync(record('preview-pr-1234'), readFileSync(record('preview-pr-1234'), 'utf8').replace('from: staging', 'from: gone'));
    const broken = await parity(root, 'synth', 'staging');
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/environments\/preview-pr-1234\/preview\.yaml:\d+ \(from\): environment "gone" does not exist/);
    expect(broken.stderr).toMatch(/pnpm preview pr-1234 --remove/);
    // still listed, for the cleanup to find
    const listed = await parity(root, 'preview', '--list', '--json');
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).include).toContainEqual(expect.objectContaining({ env: 'preview-pr-1234', from: 'gone' }));
    expect(listed.stderr).toMatch(/warning: environment "gone" does not exist/);
  });
});
