import { DRILL_REPORT_SCHEMA, type DrillReport } from '@parity/model';
import { describe, expect, it } from 'vitest';
import { CLAUSES, evidenceOf, renderEvidence } from './evidence.js';

const report = (over: Partial<DrillReport> = {}): DrillReport => ({
  schema: DRILL_REPORT_SCHEMA,
  drEnv: 'dr-usw2',
  primary: 'prod-use1',
  primaryRegion: 'us-east-1',
  drRegion: 'us-west-2',
  policy: { name: 'important', strategy: 'pilot-light' },
  startedAt: '2026-12-07T07:36:17.000Z',
  finishedAt: '2026-12-07T07:50:00.000Z',
  status: 'passed',
  target: { kind: 'emulator', description: 'moto 5.2.1 started by the drill' },
  tools: { terraform: '1.11.4', moto: '5.2.1', 'hashicorp/aws': '5.100.0' },
  steps: [],
  lossAt: '2026-12-07T07:43:14.198Z',
  verifiedAt: '2026-12-07T07:47:00.000Z',
  rto: { measuredMinutes: 3.76, measuredSeconds: 225.8, targetMinutes: 120, met: true, marginMinutes: 116.24, from: 'a', to: 'b' },
  rpo: {
    measuredMinutes: 0,
    measuredSeconds: 0.02,
    targetMinutes: 240,
    met: true,
    marginMinutes: 240,
    from: 'a',
    to: 'b',
    worstCaseMinutes: 60,
  },
  leftOut: { 'prod-use1': [{ address: 'aws_backup_selection.x', reason: 'moto' }] },
  droppedDependsOn: {},
  verification: [{ what: 'database in us-west-2', ok: true, detail: 'available' }],
  notExercised: [{ what: 'ReplicaLag metric', env: 'dr-usw2', why: 'moto reports none' }],
  workDir: '.parity/drills/x',
  by: 'Ada Lovelace',
  data: {
    engine: 'PostgreSQL 15.18',
    mechanism: 'asynchronous streaming standby in dr-usw2',
    writer: { marker: 'drill-x', ratePerSecond: 50 },
    failover: {
      how: 'promoted',
      from: 'standby',
      acknowledged: 1000,
      recovered: 999,
      rpoRows: 1,
      rpoSeconds: 0.02,
      inFlightRecovered: 0,
      unexplainedRows: 0,
      checksumsVerified: 999,
      checksumsFailed: 0,
      ok: true,
      problems: [],
    },
    note: 'n',
  },
  fence: { region: 'us-east-1', fencedAt: 'x', refused: [], forwarded: {}, note: 'n' },
  ...over,
});

describe('the evidence record', () => {
  it('holds the scenario, scope, date, tooling, who ran it, targets against measured with the worst case, and each field its clause', () => {
    const e = evidenceOf(report(), 'environments/dr-usw2/drills/2026-12-07T07-36-17Z.json');
    expect(e.scenario.kind).toBe('region-loss');
    expect(e.scenario.description).toContain('loss of us-east-1');
    expect(e.scenario.switchover).toContain('switch-over to the redundant capacity');
    expect(e.scope.pair).toBe('prod-use1 → dr-usw2');
    expect(e.date).toMatchObject({ startedAt: '2026-12-07T07:36:17.000Z', lossAt: '2026-12-07T07:43:14.198Z' });
    expect(e.tooling).toMatchObject({ terraform: '1.11.4', moto: '5.2.1', 'data plane': 'PostgreSQL 15.18' });
    expect(e.by).toBe('Ada Lovelace');
    expect(e.objectives.rpo).toMatchObject({
      targetMinutes: 240,
      worstCaseMinutes: 60,
      measuredRows: 1,
      measuredSecondsOfWrites: 0.02,
      met: true,
    });
    expect(e.objectives.rto).toMatchObject({ targetMinutes: 120, measuredMinutes: 3.76, met: true });
    expect(e.data).toMatchObject({ acknowledged: 1000, recovered: 999, checksumsVerified: 999, checksumsFailed: 0 });
    expect(e.notExercised).toEqual([{ what: 'dr-usw2: ReplicaLag metric', why: 'moto reports none' }]);
    expect(e.deviations.join('\n')).toContain('emulator');
    expect(e.clauses.scenario[0]).toBe('RTS 2024/1774 Art. 25(2)(a)');
    const md = renderEvidence(e);
    expect(md).toContain('| Run by | Ada Lovelace | SOC 2 A1.3 (who performed the test) |');
    expect(md).toContain(`| Switch-over / restoration | ${e.scenario.switchover} | ${CLAUSES.switchover.join('; ')} |`);
    expect(md).toContain('computed worst case 60 min');
    expect(md).toContain('it is not an assessment of compliance');
  });

  it('counts the queued messages the drill produced, replayed and delivered, and turns a lost one into a follow-up', () => {
    const counts = [
      { queue: 'orders', produced: 12, checkpointed: 8, archived: 12, replayed: 4, delivered: 4, lost: 0 },
      { queue: 'events', produced: 12, checkpointed: 8, archived: 11, replayed: 3, delivered: 3, lost: 1 },
    ];
    const e = evidenceOf(report({ queues: { counts, note: 'replayed from the archive in us-west-2' } }), 'x.json');
    expect(e.scope.stores).toEqual(expect.arrayContaining(['queue orders (archive replay)', 'queue events (archive replay)']));
    expect(e.queues).toEqual([
      { queue: 'orders', produced: 12, checkpointed: 8, replayed: 4, delivered: 4, lost: 0 },
      { queue: 'events', produced: 12, checkpointed: 8, replayed: 3, delivered: 3, lost: 1 },
    ]);
    expect(e.followUps).toContain(
      'queue events: 1 message(s) produced after the checkpoint never delivered: find where the replay lost them',
    );
    expect(e.followUps.some((f) => f.startsWith('queue orders'))).toBe(false);
    expect(renderEvidence(e)).toContain(
      '| Queued messages | orders: 12 produced, 8 processed before the loss, 4 replayed, 4 delivered, 0 lost; events: 12 produced, 8 processed before the loss, 3 replayed, 3 delivered, 1 lost |',
    );
    // a drill without queues keeps its record as it was
    expect(evidenceOf(report(), 'x.json').queues).toBeUndefined();
  });

  it('turns a failure, a breach and a refused request a step needed into follow-ups', () => {
    const e = evidenceOf(
      report({
        status: 'failed',
        failedStep: 'promote',
        error: 'promote: terraform called rds DescribeDBInstances in us-east-1',
        fence: {
          region: 'us-east-1',
          refused: [
            {
              at: 'x',
              reason: 'region-lost',
              region: 'us-east-1',
              service: 'rds',
              action: 'DescribeDBInstances',
              caller: 'promote: terraform',
              step: 'promote',
              needed: true,
            },
          ],
          forwarded: {},
          note: 'n',
        },
      }),
      'r.json',
    );
    expect(e.outcome).toBe('failed');
    expect(e.fence).toEqual({ region: 'us-east-1', refused: 1, needed: 1 });
    expect(e.followUps).toContain('promote: terraform called rds DescribeDBInstances in the lost us-east-1: remove the dependency');
    expect(e.followUps[0]).toContain('the drill failed at promote');
  });
});
