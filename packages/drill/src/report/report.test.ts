import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastDrill } from '@parity/checks';
import { afterEach, describe, expect, it } from 'vitest';
import { rpo, rto } from './metrics.js';
import { DRILL_REPORT_SCHEMA as REPORT_SCHEMA, type DrillReport, reportStamp } from '@parity/model';
import { renderMarkdown, writeReport } from './report.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function base(over: Partial<DrillReport> = {}): DrillReport {
  const loss = new Date('2026-11-24T10:01:40Z');
  return {
    schema: REPORT_SCHEMA,
    drEnv: 'dr-usw2',
    primary: 'prod-use1',
    primaryRegion: 'us-east-1',
    drRegion: 'us-west-2',
    startedAt: '2026-11-24T10:00:00.123Z',
    finishedAt: '2026-11-24T10:05:00.000Z',
    status: 'passed',
    target: { kind: 'emulator', endpoint: 'http://127.0.0.1:5000', description: 'moto 5.2.1 started by the drill' },
    tools: { terraform: '1.11.4', moto: '5.2.1' },
    steps: [
      {
        id: 'apply-primary',
        title: 'Apply prod-use1 in us-east-1',
        status: 'passed',
        durationSeconds: 100,
        detail: '58 resources applied',
      },
      { id: 'verify', title: 'Verify us-west-2 through the AWS API', status: 'passed', durationSeconds: 0.4, detail: '13 checks passed' },
    ],
    lossAt: loss.toISOString(),
    rto: rto(loss, new Date('2026-11-24T10:04:41Z'), 480),
    rpo: { ...rpo(new Date('2026-11-24T10:01:39Z'), loss, 240), worstCaseMinutes: 240 },
    leftOut: {
      'prod-use1': [
        { address: 'aws_backup_selection.backup_database_D36B7F0E', reason: 'moto 5.2.1 does not implement CreateBackupSelection' },
      ],
    },
    droppedDependsOn: {},
    verification: [{ what: 'queue acme-dr-usw2-orders → dead-letter acme-dr-usw2-orders-dlq', ok: true, detail: 'in us-west-2' }],
    notExercised: [
      { what: 'aws_backup_selection.backup_database_D36B7F0E', env: 'prod-use1', why: 'no backup jobs' },
      { what: 'aws_backup_selection.backup_database_D36B7F0E', env: 'dr-usw2', why: 'no backup jobs' },
      { what: 'cut-over', why: 'outside the drill' },
    ],
    teardown: { action: 'stopped the emulator', ok: true },
    workDir: '.parity/drills/dr-usw2-2026-11-24T10-00-00Z',
    ...over,
  };
}

describe('drill report', () => {
  it('names its files by a sortable, file-safe stamp of the start', () => {
    expect(reportStamp('2026-11-24T10:00:00.123Z')).toBe('2026-11-24T10-00-00Z');
  });

  it('renders RTO and RPO against their targets, the steps, the checks and what was not exercised', () => {
    const md = renderMarkdown(base());
    expect(md).toContain('# DR drill: dr-usw2 recovering prod-use1 — ✅ passed');
    expect(md).toContain('| RTO (loss → verified) | 3.02 min (3m 01s) | 480 min | ✅ met, 476.98 min to spare |');
    expect(md).toContain('| RPO (age of restored data at loss) | 0.02 min (1s) | 240 min | ✅ met, 239.98 min to spare |');
    expect(md).toContain('| Apply prod-use1 in us-east-1 | ✅ passed | 1m 40s | 58 resources applied |');
    expect(md).toContain('queue acme-dr-usw2-orders → dead-letter acme-dr-usw2-orders-dlq');
    // one row per reason, every address by environment
    expect(md).toContain(
      '| prod-use1: `aws_backup_selection.backup_database_D36B7F0E`<br>dr-usw2: `aws_backup_selection.backup_database_D36B7F0E` | no backup jobs |',
    );
    expect(md).toContain('| cut-over | outside the drill |');
    expect(md).toContain('- `aws_backup_selection.backup_database_D36B7F0E`: moto 5.2.1 does not implement CreateBackupSelection');
    expect(md).toContain('✅ stopped the emulator');
  });

  it('lists the creates imported after a lost emulator answer, and has no such section without them', () => {
    expect(renderMarkdown(base())).not.toContain('## Imported after a lost answer');
    const md = renderMarkdown(
      base({ adopted: [{ env: 'prod-use1', address: 'aws_kms_alias.backup_key-alias_C72950EF', id: 'alias/acme-prod-use1-backup' }] }),
    );
    expect(md).toContain('## Imported after a lost answer');
    expect(md).toContain('- prod-use1: `aws_kms_alias.backup_key-alias_C72950EF` (alias/acme-prod-use1-backup)');
  });

  it('counts the queue replay per queue, produced against delivered, with what the target could not show; no section without one', () => {
    expect(renderMarkdown(base())).not.toContain('## Queue messages');
    const md = renderMarkdown({
      ...base(),
      queues: {
        counts: [{ queue: 'orders', produced: 12, checkpointed: 8, archived: 12, replayed: 4, delivered: 4, lost: 0 }],
        note: 'moto delivers SNS to SQS inside one process',
      },
    });
    expect(md).toContain('## Queue messages: produced against delivered');
    expect(md).toContain('| orders | 12 | 8 | 12 | 4 | 4 | 0 |');
    expect(md).toContain('moto delivers SNS to SQS inside one process');
  });

  it('names the failed step, and a breached target', () => {
    const r = base({
      status: 'failed',
      failedStep: 'apply-dr',
      error: 'terraform apply failed (exit 1): aws_db_instance.x: boom',
      rto: rto(new Date('2026-11-24T00:00:00Z'), new Date('2026-11-24T09:00:00Z'), 480),
      rpo: undefined,
    });
    const md = renderMarkdown(r);
    expect(md).toContain('— ❌ failed at `apply-dr`');
    expect(md).toContain('> **Failed at `apply-dr`:** terraform apply failed (exit 1): aws_db_instance.x: boom');
    expect(md).toContain('❌ breached by 60 min');
    expect(md).toContain('| RPO (age of restored data at loss) | not measured | | |');
  });

  it('is written atomically as JSON and markdown, in the shape pnpm check reads as the last drill', () => {
    const root = mkdtempSync(join(tmpdir(), 'parity-report-'));
    dirs.push(root);
    const files = writeReport(root, base());
    expect(files).toEqual({
      json: 'environments/dr-usw2/drills/2026-11-24T10-00-00Z.json',
      markdown: 'environments/dr-usw2/drills/2026-11-24T10-00-00Z.md',
      evidence: {
        json: 'environments/dr-usw2/drills/2026-11-24T10-00-00Z.evidence.json',
        markdown: 'environments/dr-usw2/drills/2026-11-24T10-00-00Z.evidence.md',
      },
    });
    expect(readdirSync(join(root, 'environments/dr-usw2/drills')).sort()).toEqual([
      '2026-11-24T10-00-00Z.evidence.json',
      '2026-11-24T10-00-00Z.evidence.md',
      '2026-11-24T10-00-00Z.json',
      '2026-11-24T10-00-00Z.md',
    ]);
    const json = JSON.parse(readFileSync(join(root, files.json), 'utf8')) as DrillReport;
    expect(json.startedAt).toBe('2026-11-24T10:00:00.123Z');
    expect(json.status).toBe('passed');
    expect(renderMarkdown(json)).toContain('- **Evidence record:** [2026-11-24T10-00-00Z.evidence.md](2026-11-24T10-00-00Z.evidence.md)');
    expect(typeof json.rto?.measuredMinutes).toBe('number');
    expect(typeof json.rpo?.measuredMinutes).toBe('number');
    expect(lastDrill(root, 'dr-usw2')).toEqual({
      file: 'environments/dr-usw2/drills/2026-11-24T10-00-00Z.json',
      at: '2026-11-24T10:00:00.123Z',
      status: 'passed',
      rtoMinutes: 3.02,
      rpoMinutes: 0.02,
    });
    expect(existsSync(join(root, `${files.json}.tmp-${process.pid}`))).toBe(false);
  });

  it('a newer drill becomes the last one pnpm check shows', () => {
    const root = mkdtempSync(join(tmpdir(), 'parity-report-'));
    dirs.push(root);
    writeReport(root, base());
    writeReport(
      root,
      base({ startedAt: '2026-11-25T08:00:00.000Z', status: 'failed', failedStep: 'verify', rto: undefined, rpo: undefined }),
    );
    expect(lastDrill(root, 'dr-usw2')).toMatchObject({ at: '2026-11-25T08:00:00.000Z', status: 'failed', rtoMinutes: undefined });
  });

  it('shows the data that came back beside the worst case, and every request the fence refused with its caller', () => {
    const outcome = {
      how: 'promoted',
      from: 'streaming standby dr-usw2/standby of prod-use1/primary, promoted after the loss',
      acknowledged: 1200,
      recovered: 1199,
      rpoRows: 1,
      rpoSeconds: 0.02,
      missingSeqs: '1200-1200',
      inFlightRecovered: 0,
      unexplainedRows: 0,
      checksumsVerified: 1199,
      checksumsFailed: 0,
      lagAtLossSeconds: 0.004,
      ok: true,
      problems: [],
    };
    const md = renderMarkdown(
      base({
        data: {
          engine: 'PostgreSQL 15.18',
          mechanism: 'asynchronous streaming standby in dr-usw2',
          writer: { marker: 'drill-x', ratePerSecond: 50, achievedPerSecond: 49.6 },
          lag: { seconds: 0.003, bytes: 440, thresholdSeconds: 3600, withinThreshold: true, state: 'streaming' },
          failover: outcome,
          note: 'Real PostgreSQL.',
        },
        fence: {
          region: 'us-east-1',
          fencedAt: '2026-11-24T10:01:40.000Z',
          refused: [
            {
              at: '2026-11-24T10:02:00.000Z',
              reason: 'region-lost',
              region: 'us-east-1',
              service: 'rds',
              action: 'DescribeDBInstances',
              caller: 'promote: read the lost primary',
              step: 'promote',
              needed: true,
            },
          ],
          forwarded: { 'us-west-2': 120, 'us-east-1': 300 },
          note: 'The fence.',
        },
      }),
    );
    expect(md).toContain('| RPO (acknowledged writes lost, data plane) |');
    expect(md).toContain('| RPO worst case (pnpm check) | 240 min | 240 min | computed from the Terraform |');
    expect(md).toContain(
      '| failover to us-west-2: missing after recovery (RPO) | ✅ 1 rows (seq 1200-1200, the newest), 0.02 s of writes |',
    );
    expect(md).toContain(
      "| failover to us-west-2: checksums | ✅ 1199 of 1199 recovered rows verified (sha256 of the payload, and the writer's own) |",
    );
    expect(md).toContain("the ReplicaLag alarm's threshold in the Terraform: 3600 s");
    expect(md).toContain('- **Refused:** 1 (1 needed by a step, which failed the drill)');
    expect(md).toContain(
      '| 2026-11-24T10:02:00.000Z | promote | promote: read the lost primary | rds | DescribeDBInstances | us-east-1 | region-lost | ❌ yes |',
    );
    expect(renderMarkdown(base({ fence: { region: 'us-east-1', fencedAt: 'x', refused: [], forwarded: {}, note: 'n' } }))).toContain(
      '- **Refused:** none: no client called the lost region after the loss.',
    );
  });
});
