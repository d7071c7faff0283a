/**
 * The drill end to end, as `pnpm drill` runs it: the real CLI in a child process, in a temporary
 * copy of the workspace (never the repository's environments/), against a moto server it starts
 * itself, with real Terraform from the provider mirror. Then the failures: a dead endpoint, the
 * emulator killed mid-drill, a second drill while one runs. After each: the report names the
 * step, and no process is left behind.
 *
 * Needs moto_server (moto 5.2.1) and Terraform. Without moto_server it is skipped locally and
 * FAILS under CI=true: CI must run one complete drill.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lastDrill } from '@parity/checks';
import { REPO_ROOT, tempWorkspace } from '@parity/model/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, motoCommand } from './moto.js';
import type { DrillReport } from './report.js';

const CI = process.env.CI === 'true';
const hasMoto = spawnSync(motoCommand(), ['--help'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
const runnable = hasMoto && hasTerraform;
// The launcher users run (`pnpm drill`): the workspace compiled to JavaScript, on plain node.
const BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'parity.js');

const workspaces: Array<{ root: string; cleanup: () => void }> = [];
afterAll(() => {
  for (const w of workspaces.splice(0)) w.cleanup();
});

function requireTools(): void {
  if (!hasMoto)
    throw new Error(
      `${motoCommand()} is not on PATH: CI must run one complete DR drill. Fix: install moto 5.2.1 (pip install 'moto[server]==5.2.1') or set PARITY_MOTO_SERVER.`,
    );
  if (!hasTerraform) throw new Error('terraform is not on PATH: the drill applies with real Terraform.');
}

interface Run {
  child: ChildProcess;
  output: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function drill(root: string, args: string[] = []): Run {
  let out = '';
  const child = spawn(process.execPath, [BIN, 'drill', 'dr-usw2', ...args], {
    cwd: root,
    env: { ...process.env, PARITY_ROOT: root, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return { child, output: () => out, done };
}

function reports(root: string): DrillReport[] {
  const dir = join(root, 'environments', 'dr-usw2', 'drills');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as DrillReport);
}

/** Processes working in `root` (the drill starts moto and terraform there), other than this test. */
function processesIn(root: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (!cwd.startsWith(root)) continue;
      out.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const repoDrills = () => {
  const dir = join(REPO_ROOT, 'environments', 'dr-usw2', 'drills');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

describe.skipIf(!runnable && !CI)('pnpm drill dr-usw2 against moto', () => {
  it(
    'stands up prod-use1, loses it, recovers into us-west-2, verifies, measures RTO and RPO, and leaves nothing running',
    async () => {
      requireTools();
      const before = repoDrills();
      const ws = tempWorkspace();
      workspaces.push(ws);
      const run = drill(ws.root);
      const { code } = await run.done;
      const out = run.output();
      expect(code, out).toBe(0);

      const [r] = reports(ws.root);
      expect(r, out).toBeDefined();
      expect(r!.status).toBe('passed');
      expect(r!.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
        'emulator:passed',
        'check:passed',
        'apply-primary:passed',
        'marker:passed',
        'loss:passed',
        'copy:passed',
        'apply-dr:passed',
        'verify:passed',
        'measure:passed',
        'teardown:passed',
      ]);
      // RTO: loss → verified; RPO: loss − the restored snapshot's creation time; both against the definition
      expect(r!.rto).toMatchObject({ targetMinutes: 480, met: true, from: r!.lossAt, to: r!.verifiedAt });
      expect(r!.rpo).toMatchObject({
        targetMinutes: 240,
        met: true,
        from: r!.marker!.snapshotCreatedAt,
        to: r!.lossAt,
        worstCaseMinutes: 240,
      });
      expect(r!.rto!.measuredMinutes).toBeGreaterThan(0);
      expect(r!.rpo!.measuredSeconds).toBeGreaterThanOrEqual(0);
      // restored from the copy, encrypted in us-west-2 with the primary's copy-vault key
      expect(r!.recovery!.copySnapshotArn).toMatch(/^arn:aws:rds:us-west-2:/);
      expect(r!.recovery!.copyKmsKeyArn).toMatch(/^arn:aws:kms:us-west-2:/);
      expect(r!.recovery!.keySource).toMatch(/alias\/acme-prod-use1-backup-copy-us-west-2 in us-west-2 names the same key/);
      const verified = r!.verification.map((v) => v.what);
      expect(verified).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^database acme-dr-usw2-db/),
          'queue acme-dr-usw2-orders → dead-letter acme-dr-usw2-orders-dlq',
          'queue acme-dr-usw2-events → dead-letter acme-dr-usw2-events-dlq',
          'cluster acme-dr-usw2-eks',
          'backup vault acme-dr-usw2-vault',
          'key alias/acme-dr-usw2-database',
        ]),
      );
      expect(r!.verification.every((v) => v.ok)).toBe(true);
      expect(r!.verification.find((v) => v.what.startsWith('database'))!.detail).toMatch(/restored from parity-.*-us-west-2/);
      // honest about the emulator: every left-out resource by address, and why
      expect(r!.leftOut['prod-use1']!.map((x) => x.address)).toEqual(
        expect.arrayContaining([
          'aws_db_instance_automated_backups_replication.database_backups-replication-us-west-2_3170CC3B',
          'aws_backup_selection.backup_database_D36B7F0E',
          'aws_sqs_queue_redrive_allow_policy.queue_orders-dlq-allow_6FCE3C4C',
        ]),
      );
      const notExercised = r!.notExercised.map((n) => n.what);
      expect(notExercised).toEqual(
        expect.arrayContaining([
          'aws_db_instance_automated_backups_replication.database_backups-replication-us-west-2_3170CC3B',
          'AWS Backup copy job (copy_action to the DR vault)',
        ]),
      );
      expect(r!.target.kind).toBe('emulator');
      expect(r!.teardown).toMatchObject({ ok: true });
      expect(r!.teardown!.action).toMatch(/stopped the emulator/);

      // the markdown beside it, and pnpm check reads it as the last drill
      expect(readFileSync(join(ws.root, r!.files!.markdown), 'utf8')).toContain('✅ passed');
      expect(lastDrill(ws.root, 'dr-usw2')).toMatchObject({
        status: 'passed',
        rtoMinutes: r!.rto!.measuredMinutes,
        rpoMinutes: r!.rpo!.measuredMinutes,
      });
      expect(out).toMatch(/drill passed: dr-usw2 recovered prod-use1/);

      expect(processesIn(ws.root)).toEqual([]);
      expect(existsSync(join(ws.root, '.parity', 'drills', 'dr-usw2.lock'))).toBe(false);
      // the repository's own environments/ is untouched
      expect(repoDrills()).toEqual(before);
    },
    20 * 60_000,
  );

  it(
    'fails: a dead endpoint fails the drill at the step that reaches it, with a report',
    async () => {
      requireTools();
      const ws = tempWorkspace();
      workspaces.push(ws);
      const port = await freePort();
      const run = drill(ws.root, ['--endpoint', `http://127.0.0.1:${port}`]);
      const { code } = await run.done;
      expect(code, run.output()).toBe(1);
      const [r] = reports(ws.root);
      expect(r).toMatchObject({ status: 'failed', failedStep: 'emulator' });
      expect(r!.error).toMatch(/nothing answers at http:\/\/127\.0\.0\.1/);
      expect(r!.steps.find((s) => s.id === 'apply-primary')).toMatchObject({ status: 'skipped' });
      expect(processesIn(ws.root)).toEqual([]);
    },
    5 * 60_000,
  );

  it(
    'fails: the emulator dying mid-apply fails the drill at that step, refuses a second drill meanwhile, and leaves no process',
    async () => {
      requireTools();
      const ws = tempWorkspace();
      workspaces.push(ws);
      const run = drill(ws.root);
      const lockFile = join(ws.root, '.parity', 'drills', 'dr-usw2.lock');
      // wait until terraform is applying prod-use1
      const children = () => {
        try {
          return (JSON.parse(readFileSync(lockFile, 'utf8')) as { children?: Array<{ pgid: number; what: string }> }).children ?? [];
        } catch {
          return [];
        }
      };
      await until('terraform apply of prod-use1', () => children().some((c) => c.what === 'terraform apply (prod-use1)'), 5 * 60_000);

      // a second drill is refused while this one runs
      const second = drill(ws.root);
      const s = await second.done;
      expect(s.code, second.output()).toBe(2);
      expect(second.output()).toMatch(/drill refused: a drill is already running \(pid \d+/);

      const moto = children().find((c) => c.what.startsWith('moto_server'))!;
      expect(moto).toBeDefined();
      process.kill(-moto.pgid, 'SIGKILL');
      const { code } = await run.done;
      expect(code, run.output()).toBe(1);
      const [r] = reports(ws.root);
      expect(r).toMatchObject({ status: 'failed', failedStep: 'apply-primary' });
      expect(r!.error).toMatch(/the emulator \(moto_server, pid \d+\) exited unexpectedly/);
      expect(r!.steps.find((x) => x.id === 'apply-primary')!.status).toBe('failed');
      expect(r!.teardown!.ok).toBe(true);
      expect(processesIn(ws.root)).toEqual([]);
      expect(existsSync(lockFile)).toBe(false);
    },
    10 * 60_000,
  );

  it(
    'stops cleanly on SIGINT: the report says aborted at the running step, and nothing is left running',
    async () => {
      requireTools();
      const ws = tempWorkspace();
      workspaces.push(ws);
      const run = drill(ws.root);
      const lockFile = join(ws.root, '.parity', 'drills', 'dr-usw2.lock');
      await until(
        'terraform apply of prod-use1',
        () => existsSync(lockFile) && readFileSync(lockFile, 'utf8').includes('terraform apply (prod-use1)'),
        5 * 60_000,
      );
      const pid = (JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number }).pid;
      process.kill(pid, 'SIGINT');
      const { code } = await run.done;
      expect(code, run.output()).toBe(130);
      const [r] = reports(ws.root);
      expect(r).toMatchObject({ status: 'aborted', failedStep: 'apply-primary', error: 'interrupted by SIGINT' });
      expect(processesIn(ws.root)).toEqual([]);
      expect(existsSync(lockFile)).toBe(false);
    },
    10 * 60_000,
  );
});
