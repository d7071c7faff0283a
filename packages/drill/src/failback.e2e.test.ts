/**
 * `pnpm drill dr-usw2 --failback` end to end, as users run it: the real CLI in a child process, in
 * a temporary workspace holding the tests' fleet (@parity/testkit), against a moto server it starts itself, with real Terraform.
 * The failover (pilot light: replica, promote, complete), then the failback as `pnpm failback`
 * makes it (reprotect with the old database replaced, the fenced switchover, complete, the
 * original roles), both measured; the manifests never written; nothing left running.
 *
 * Needs moto_server (moto 5.2.1) and Terraform: skipped locally without them, FAILS under CI=true.
 *
 * @runsAlone 17 min (1019 s on a quiet 2-core machine, 8 Dec 2026): the longest file of the suite,
 * started first (packages/suite/src/sequencer.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoCommand } from './target/moto.js';
import { type DrillReport, EVIDENCE_SUFFIX } from '@parity/model';
import { hasMoto as probeMoto, hasTerraform as probeTerraform } from './target/testing.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const CI = process.env.CI === 'true';
const hasMoto = await probeMoto();
const hasTerraform = await probeTerraform();

const workspaces: Array<{ cleanup: () => void }> = [];
afterAll(() => {
  for (const w of workspaces.splice(0)) w.cleanup();
});

function run(root: string, args: string[]): Promise<{ code: number | null; out: string }> {
  let out = '';
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: root,
    env: { ...process.env, PARITY_ROOT: root, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((r) => child.on('close', (code) => r({ code, out })));
}

/** Processes working in `root` (the drill starts moto and terraform there), other than this test. */
function processesIn(root: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      if (!readlinkSync(`/proc/${pid}/cwd`).startsWith(root)) continue;
      out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

const manifest = (root: string, env: string) => readFileSync(join(root, 'environments', env, 'environment.yaml'), 'utf8');

describe.skipIf(!(hasMoto && hasTerraform) && !CI)('pnpm drill --failback against moto', () => {
  it(
    'pilot light (dr-usw2): fails over, then back through reprotect, a fenced switchover, complete and the original roles; measures both; leaves nothing running',
    async () => {
      if (!hasMoto) throw new Error(`${motoCommand()} is not on PATH. Fix: pip install 'moto[server]==5.2.1', or set PARITY_MOTO_SERVER.`);
      if (!hasTerraform) throw new Error('terraform is not on PATH: the drill applies with real Terraform.');
      const ws = fleetWorkspace();
      workspaces.push(ws);
      const before = { dr: manifest(ws.root, 'dr-usw2'), prod: manifest(ws.root, 'prod-use1') };
      const { code, out } = await run(ws.root, ['drill', 'dr-usw2', '--failback']);
      expect(code, out).toBe(0);

      const dir = join(ws.root, 'environments', 'dr-usw2', 'drills');
      const newest = readdirSync(dir)
        .filter((f) => f.endsWith('.json') && !f.endsWith(EVIDENCE_SUFFIX))
        .sort()
        .at(-1)!;
      const r = JSON.parse(readFileSync(join(dir, newest), 'utf8')) as DrillReport;
      expect(r.status).toBe('passed');
      expect(r.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
        'emulator:passed',
        'check:passed',
        'apply-primary:passed',
        'apply-standby:passed',
        'marker:passed',
        'produce:passed',
        'loss:passed',
        'promote:passed',
        'complete:passed',
        'replay:passed',
        'verify:passed',
        'measure:passed',
        'reprotect:passed',
        'switchover:passed',
        'failback-complete:passed',
        'restore-roles:passed',
        'verify-failback:passed',
        'teardown:passed',
      ]);
      // the failover, as pnpm failover makes it: promote, then complete; measured against the pair's policy
      expect(r.policy).toEqual({ name: 'important', strategy: 'pilot-light' });
      expect(r.failover!.map((f) => f.step)).toEqual(['promote', 'complete']);
      expect(r.failover![0]!.from).toMatch(/^read replica of prod-use1 \(arn:aws:rds:us-east-1:123456789012:db:acme-prod-use1-db\)$/);
      expect(r.recovery!.replicaArn).toMatch(/^arn:aws:rds:us-west-2:/);
      expect(r.rto).toMatchObject({ targetMinutes: 120, met: true, from: r.lossAt, to: r.verifiedAt });
      // moto reports no replica lag: the RPO is the data plane's, its streaming standby promoted at the loss
      expect(r.rpo).toMatchObject({ targetMinutes: 30, met: true });
      // the replica's lag budget is the policy's replicaLagSeconds (important: 300 s), its alarm's threshold
      expect(r.data!.lag).toMatchObject({ withinThreshold: true, thresholdSeconds: 300 });
      // the queues' messages in flight at the loss: produced, checkpointed, replayed from the archive, none lost
      expect(r.queues!.counts.map((c) => c.queue).sort()).toEqual(['events', 'orders']);
      expect(r.queues!.counts.every((c) => c.lost === 0 && c.delivered === c.produced - c.checkpointed)).toBe(true);
      expect(r.data!.failover).toMatchObject({ how: 'promoted', unexplainedRows: 0, checksumsFailed: 0, ok: true });
      expect(r.data!.failback).toMatchObject({ how: 'switched-over', rpoRows: 0, ok: true });
      expect(r.fence).toMatchObject({ region: 'us-east-1', refused: [] });
      expect(r.notExercised.map((n) => n.what)).toEqual(
        expect.arrayContaining(['replication and its lag', 'the promotion, seen through the API', 'a clean plan after the failover']),
      );
      const db = r.verification.find((v) => v.what.startsWith('database acme-dr-usw2-db'))!;
      expect(db).toMatchObject({ ok: true, detail: expect.stringMatching(/a standalone primary encrypted with arn:aws:kms:us-west-2:/) });
      // the scale-up: the node group runs at the tier's size after the failover
      expect(r.verification.find((v) => v.what === 'cluster acme-dr-usw2-eks')!.detail).toMatch(
        /node groups: acme-dr-usw2-default \(ACTIVE, [1-9]\d* nodes\)/,
      );
      expect(r.verification.every((v) => v.ok)).toBe(true);
      const fb = r.failback!;
      expect(fb.steps.map((s) => s.step)).toEqual(['reprotect', 'promote', 'complete', 'restore']);
      expect(fb.durationSeconds).toBeGreaterThan(0);
      expect(new Date(fb.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(r.verifiedAt!).getTime());
      // the old primary's database, then the dr environment's, replaced: AWS cannot make a standalone instance a replica
      expect(fb.replaced).toEqual([
        expect.stringMatching(/^prod-use1: aws_db_instance\.database_instance_\w+ \(acme-prod-use1-db\)$/),
        expect.stringMatching(/^dr-usw2: aws_db_instance\.database_instance_\w+ \(acme-dr-usw2-db\)$/),
      ]);
      expect(fb.steps[0]!.detail).toMatch(
        /^arn:aws:rds:us-east-1:\d+:db:acme-prod-use1-db replicates arn:aws:rds:us-west-2:\d+:db:acme-dr-usw2-db; the old instance's final snapshot acme-prod-use1-db-final-\d{14} kept; data plane: /,
      );
      expect(fb.fenced).toEqual(['acme-dr-usw2-eks/acme-dr-usw2-default']);
      // moto reports no ReplicaLag: said, not hidden
      expect(fb.atSwitchover).toMatch(/lag unknown/);
      expect(fb.manifestsRestored).toBe(true);
      // both regions verified in their original roles through the API
      const verified = r.verification.filter((v) => v.what.startsWith('failback: '));
      expect(verified.map((v) => v.what)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^failback: database acme-prod-use1-db/),
          'failback: database acme-dr-usw2-db in us-west-2: a read replica of acme-prod-use1-db again',
        ]),
      );
      expect(verified.every((v) => v.ok)).toBe(true);
      expect(r.notExercised.map((n) => n.what)).toEqual(
        expect.arrayContaining(['replication back into us-east-1 and its lag', "the fence of dr-usw2's writers"]),
      );
      expect(readFileSync(join(ws.root, r.files!.markdown), 'utf8')).toContain('## Failback: dr-usw2 (us-west-2) → prod-use1 (us-east-1)');
      expect(out).toMatch(/failback: .*manifests as before the failover/);
      // a drill never writes the manifests, and leaves nothing running
      expect({ dr: manifest(ws.root, 'dr-usw2'), prod: manifest(ws.root, 'prod-use1') }).toEqual(before);
      expect(processesIn(ws.root)).toEqual([]);
      expect(existsSync(join(ws.root, '.parity', 'drills', 'dr-usw2.lock'))).toBe(false);
    },
    60 * 60_000,
  );

  // backup & restore (dr-euc1) runs with --failback in drill.e2e.test.ts: the failover's and the failback's assertions are there, once
});
