/**
 * The teardown of a drill on a target the drill did not start (`--endpoint`, `--aws`) and under
 * `--keep`, with a fake Terraform that records what it is asked to do: a real drill run (lock,
 * work folder, report) on a temporary workspace, whose two environments are "applied" by writing
 * their state files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { DrillReport } from '@parity/model';
import { resolvePair } from '@parity/dr';
import { DrillContext, type DrillTargetOption, type TerraformOps } from '../../context.js';
import { prepare } from '../../target/work-copy.js';
import { finish } from './finish.js';
import type { TerraformJson } from '@parity/model/terraform';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const db = (protect: boolean): TerraformJson => ({
  resource: { aws_db_instance: { database_db: { identifier: 'acme-db', engine: 'postgres', deletion_protection: protect } } },
});

function state(dir: string): void {
  const resources = [
    { mode: 'managed', type: 'aws_db_instance', name: 'database_db', instances: [{ attributes: { identifier: 'acme-db' } }] },
  ];
  writeFileSync(join(dir, 'terraform.tfstate'), JSON.stringify({ version: 4, resources }));
}

/** A run on `target` with both environments applied, and a Terraform that records its calls. */
async function appliedRun(target: DrillTargetOption, opts: { keep?: boolean; failDestroyOf?: string } = {}) {
  const ws = fleetWorkspace();
  cleanups.push(ws.cleanup);
  const calls: string[] = [];
  const terraform: TerraformOps = {
    init: async () => undefined,
    pendingChanges: async () => [],
    apply: async (dir, _ctx, what) => {
      calls.push(`apply ${what} [${existsSync(join(dir, 'zz_teardown_override.tf.json')) ? 'protection lifted' : 'as is'}]`);
      return { planned: 0, created: 0, adopted: [] };
    },
    destroy: async (_dir, _ctx, what) => {
      calls.push(`destroy ${what}`);
      if (what === opts.failDestroyOf) throw new Error('terraform destroy failed (exit 1): DependencyViolation');
      return { destroyed: 7 };
    },
  };
  const pair = await resolvePair(ws.root, 'dr-usw2');
  const deps = {
    runCheck: () => Promise.reject(new Error('not used')),
    synth: () => Promise.reject(new Error('not used')),
    terraformEnv: () => ({}),
    terraform,
  };
  const run = DrillContext.open({ root: ws.root, drEnv: 'dr-usw2', target, keep: opts.keep }, deps, pair);
  for (const [env, protect] of [
    [pair.primary, true],
    [pair.dr, false],
  ] as const) {
    const p = prepare(run, undefined, env, db(protect));
    mkdirSync(p.dir, { recursive: true });
    state(p.dir);
  }
  run.settle(new Error('stopped after the applies'));
  return { run, calls, root: ws.root };
}

const written = (root: string, r: DrillReport) => JSON.parse(readFileSync(join(root, r.files!.json), 'utf8')) as DrillReport;

describe('the teardown on a target the drill did not start', () => {
  it('destroys the DR environment, then the primary after lifting its deletion protection (--endpoint)', async () => {
    const { run, calls, root } = await appliedRun({ kind: 'endpoint', url: 'http://127.0.0.1:9' });
    const r = await finish(run);
    expect(calls).toEqual(['destroy dr-usw2', 'apply prod-use1 teardown [protection lifted]', 'destroy prod-use1']);
    const lifted = JSON.parse(readFileSync(join(run.created.workCopies.get('prod-use1')!.dir, 'zz_teardown_override.tf.json'), 'utf8'));
    expect(lifted.resource.aws_db_instance.database_db).toEqual({
      deletion_protection: false,
      skip_final_snapshot: true,
      delete_automated_backups: true,
    });
    expect(r.teardown).toEqual({
      ok: true,
      action:
        'terraform destroy dr-usw2: 7 resources destroyed; terraform destroy prod-use1: 7 resources destroyed (deletion protection lifted first)',
    });
    expect(r.steps.find((s) => s.id === 'teardown')).toMatchObject({ status: 'passed' });
    expect(written(root, r).teardown).toEqual(r.teardown);
    expect(existsSync(join(root, '.parity', 'drills', 'dr-usw2.lock'))).toBe(false);
  });

  it('does the same on real AWS (--aws)', async () => {
    const { run, calls } = await appliedRun({ kind: 'aws' });
    const r = await finish(run);
    expect(calls).toEqual(['destroy dr-usw2', 'apply prod-use1 teardown [protection lifted]', 'destroy prod-use1']);
    expect(r.teardown?.ok).toBe(true);
    expect(r.target.kind).toBe('aws');
  });

  it('fails: a destroy that fails keeps going, and says where the state is', async () => {
    const { run, calls } = await appliedRun({ kind: 'aws' }, { failDestroyOf: 'dr-usw2' });
    const r = await finish(run);
    expect(calls).toEqual(['destroy dr-usw2', 'apply prod-use1 teardown [protection lifted]', 'destroy prod-use1']);
    expect(r.teardown?.ok).toBe(false);
    expect(r.teardown?.action).toMatch(
      /^terraform destroy dr-usw2 FAILED: terraform destroy failed \(exit 1\): DependencyViolation; state kept in \.parity\/drills\/dr-usw2-.*\/dr-usw2\/terraform\.tfstate; terraform destroy prod-use1: 7/,
    );
    expect(r.steps.find((s) => s.id === 'teardown')).toMatchObject({ status: 'failed' });
  });

  it('keeps everything under --keep and says how to destroy it', async () => {
    for (const target of [{ kind: 'endpoint', url: 'http://127.0.0.1:9' }, { kind: 'aws' }] as const) {
      const { run, calls } = await appliedRun(target, { keep: true });
      const r = await finish(run);
      expect(calls).toEqual([]);
      expect(r.teardown?.ok).toBe(true);
      expect(r.teardown?.action).toMatch(
        /^kept \(--keep\): dr-usw2 and prod-use1; destroy with: cd \.parity\/drills\/dr-usw2-[^/]+\/<env> && terraform destroy$/,
      );
      expect(existsSync(join(run.created.workCopies.get('dr-usw2')!.dir, 'terraform.tfstate'))).toBe(true);
    }
  });
});
