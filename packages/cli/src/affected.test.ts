import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetWorkspace, git as gitIn, platformOf, runParity, fleetEnvironmentsAsync, STAMP_TIMEOUT } from '@parity/testkit';

// The tests' fleet stamped (or waited for) without blocking the worker first: fleetWorkspace() then
// copies it; a worker blocked for a minute on a loaded machine trips vitest's RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const AWS_IN_ORDER = ['staging', 'prod-euw1', 'prod-use1', 'dr-euc1', 'dr-usw2'];

describe('pnpm affected', () => {
  let root: string;
  let cleanup: () => void;
  const git = (...args: string[]) => gitIn(root, ...args);
  const commit = (message: string) => git('commit', '-q', '-am', message);
  // the copy's own launcher, which compiles that copy
  const affected = (...args: string[]) => runParity(root, ['affected', ...args], { own: true, cwd: root });
  const matrix = async (...args: string[]) => {
    const r = await affected(...args, '--json');
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { include: Array<Record<string, unknown>> };
  };

  // A fresh clone as a user has it: a real git repository holding a copy of the workspace's
  // sources, run with its own launcher (which compiles that copy).
  beforeAll(() => {
    ({ root, cleanup } = fleetWorkspace({ sources: true }));
    writeFileSync(join(root, '.gitignore'), 'node_modules/\ncdktf.out/\n.parity/\n.parity-js/\n');
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    commit('fleet');
  });
  afterAll(() => cleanup());

  it('lists exactly the AWS environments, in promotion order, when only bundles/queue/src/aws.ts changes', async () => {
    appendFileSync(join(root, 'bundles/queue/src/aws.ts'), '\n// a change to the AWS queue only\n');
    commit('queue: aws');
    const m = await matrix('--base', 'HEAD~1');
    expect(m.include.map((r) => r.env)).toEqual(AWS_IN_ORDER);
    expect(m.include[0]).toEqual({
      env: 'staging',
      cloud: 'aws',
      region: 'us-east-1',
      role: 'staging',
      order: 1,
      apply: true,
      planRole: `${platformOf(root)}-staging-ci-plan`,
      applyRole: `${platformOf(root)}-staging-ci-apply`,
      // the reasons, as the text lists them
      reasons: [{ kind: 'bundle', detail: 'queue (bundles/queue, aws)' }],
    });
    // a backup & restore dr environment is planned, never applied by the pipeline
    expect(m.include.find((r) => r.env === 'dr-euc1')).toMatchObject({ role: 'dr', order: 3, strategy: 'backup-restore', apply: false });
    // a pilot-light dr environment (a replica, compute at zero) is applied in peacetime
    expect(m.include.find((r) => r.env === 'dr-usw2')).toMatchObject({ role: 'dr', order: 3, strategy: 'pilot-light', apply: true });
    const text = await affected('--base', 'HEAD~1');
    expect(text.stdout).toMatch(/dr-usw2[^\n]*\n {2}bundle: queue \(bundles\/queue, aws\)/);
  });

  it('lists only staging when only environments/staging/environment.yaml changes', async () => {
    const file = join(root, 'environments/staging/environment.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('overrides: {}', 'overrides:\n  cluster: { maxNodes: 6 } # load tests'));
    commit('staging: more nodes');
    expect((await matrix('--base', 'HEAD~1')).include.map((r) => r.env)).toEqual(['staging']);
    expect((await affected('--base', 'HEAD~1')).stdout).toMatch(/manifest: environments\/staging\/environment\.yaml/);
    // both commits at once, with --head naming the end
    expect((await matrix('--base', 'HEAD~2', '--head', 'HEAD')).include.map((r) => r.env)).toEqual(AWS_IN_ORDER);
  });

  it('prints an empty matrix and exits 0 when a change does not reach any Terraform (a comment in a manifest)', async () => {
    appendFileSync(join(root, 'environments/prod-euw1/environment.yaml'), '# reviewed\n');
    commit('a comment');
    expect(await matrix('--base', 'HEAD~1')).toEqual({ include: [] });
  });

  it('lists only the GCP environments for a GCP implementation, and names a definition change', async () => {
    appendFileSync(join(root, 'bundles/network/src/gcp.ts'), '\n// gcp only\n');
    commit('network: gcp');
    expect((await matrix('--base', 'HEAD~1')).include.map((r) => r.env)).toEqual(['prod-gcp-euw1', 'dr-gcp-euw4']);
    const def = join(root, 'environments/platform.yaml');
    writeFileSync(def, readFileSync(def, 'utf8').replace('retentionDays: 35', 'retentionDays: 36'));
    commit('backup retention');
    const r = await affected('--base', 'HEAD~1');
    expect(r.stdout).toMatch(/prod-use1[^\n]*\n {2}definition: environments\/platform\.yaml/);
    expect((await matrix('--base', 'HEAD~1')).include).toHaveLength(7);
  });

  it("lists every environment for the lockfile and for Parity's own code", async () => {
    appendFileSync(join(root, 'pnpm-lock.yaml'), '\n');
    commit('lockfile');
    expect((await affected('--base', 'HEAD~1')).stdout).toMatch(/lockfile: pnpm-lock\.yaml/);
    expect((await matrix('--base', 'HEAD~1')).include).toHaveLength(7);
    appendFileSync(join(root, 'packages/model/src/naming.ts'), '\n// naming\n');
    commit('model');
    expect((await matrix('--base', 'HEAD~1')).include).toHaveLength(7);
    expect((await matrix('--base', 'HEAD~1')).include[0]!.reasons).toEqual([{ kind: 'parity', detail: 'packages/model' }]);
  });

  it('lists nothing for a change only to tests, changelogs or documentation (none is an input of the synth cache)', async () => {
    const touched = [
      'packages/model/src/naming.test.ts',
      'packages/model/src/testing.ts',
      'packages/synth/vitest.config.ts',
      'packages/model/CHANGELOG.md',
      'packages/model/data/SOURCES.md',
      'bundles/database/CHANGELOG.md',
      'bundles/database/src/aws.test.ts',
      'bundles/bucket/src/snapshot.test.ts',
    ];
    for (const f of touched) appendFileSync(join(root, f), '\n// a comment (#1)\n');
    appendFileSync(join(root, 'bundles/bucket/src/__snapshots__/aws.prod-use1.json'), '\n');
    writeFileSync(join(root, 'bundles/network/README.md'), '# network\n');
    git('add', '-A');
    commit('tests, changelogs and documentation');
    expect(git('diff', '--name-only', 'HEAD~1').trim().split('\n')).toHaveLength(touched.length + 2);
    expect((await matrix('--base', 'HEAD~1')).include).toEqual([]);
    expect((await affected('--base', 'HEAD~1')).stdout).toMatch(/0 environments affected/);
  });

  it('lists a new dr environment and the production environment it recovers (whose backups now copy to its region)', async () => {
    const gen = await runParity(root, ['gen', 'env', 'dr-euw3', '--recovers', 'prod-euw1'], { own: true, cwd: root });
    expect(gen.status, gen.stderr).toBe(0);
    git('add', '-A');
    commit('dr-euw3');
    expect((await matrix('--base', 'HEAD~1')).include.map((r) => r.env)).toEqual(['prod-euw1', 'dr-euw3']);
    const text = (await affected('--base', 'HEAD~1')).stdout;
    expect(text).toMatch(/prod-euw1[^\n]*\n {2}manifest: environments\/dr-euw3\/environment\.yaml/);
    expect(text).toMatch(/dr-euw3[^\n]*\n {2}manifest: environments\/dr-euw3\/environment\.yaml \(new environment\)/);
    git('rm', '-rq', 'environments/dr-euw3');
    commit('no dr-euw3');
  });

  it('lists every environment with --all, GCP ones with their service accounts', async () => {
    const m = await matrix('--all');
    expect(m.include.map((r) => r.env)).toEqual([
      'staging',
      'prod-euw1',
      'prod-gcp-euw1',
      'prod-use1',
      'dr-euc1',
      'dr-gcp-euw4',
      'dr-usw2',
    ]);
    const p = platformOf(root);
    expect(m.include[2]).toMatchObject({ cloud: 'gcp', planRole: `${p}-prod-gcp-euw1-plan@${p}-prod-gcp-euw1.iam.gserviceaccount.com` });
  });

  it('fails without --base or --all, with exit code 2', async () => {
    expect((await affected()).status).toBe(2);
  });

  it('fails on a ref that is not a commit, with the fix', async () => {
    const r = await affected('--base', 'no-such-ref');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no-such-ref is not a commit/);
    expect(r.stderr).toMatch(/fetch-depth: 0/);
  });
});
