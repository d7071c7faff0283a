/**
 * The drill's outline and each strategy's drill plan agree: every step a strategy's sequence
 * calls is in the report's outline, in the order it calls them, with a title in the pair's names.
 */
import { type DrillValues, type FailbackDrillSteps, type FailoverDrillSteps, type Pair, STRATEGY_OF } from '@parity/dr';
import { describe, expect, it } from 'vitest';
import { outline } from '../report/outline.js';

const pair = {
  primary: { name: 'prod-use1', region: 'us-east-1' },
  dr: { name: 'dr-usw2', region: 'us-west-2' },
} as unknown as Pair;

/** Every step a recording kit is asked for, in order. */
function recordingKit(calls: string[]) {
  const step = (id: string) => async () => {
    calls.push(id);
    return { value: id };
  };
  const failover = {
    applyStandby: step('apply-standby'),
    writeMarker: step('marker'),
    produceMessages: step('produce'),
    declareLoss: step('loss'),
    copyLatest: step('copy'),
    restore: step('apply-dr'),
    promote: step('promote'),
    complete: step('complete'),
    replayMessages: step('replay'),
  } as unknown as FailoverDrillSteps<DrillValues>;
  const failback = {
    reprotectAsReplica: step('reprotect'),
    reprotectWithBackupCopies: step('reprotect'),
    switchOverByPromotion: step('switchover'),
    switchOverBySnapshot: step('switchover'),
    completeInPlace: step('failback-complete'),
    completeKeepingRestore: step('failback-complete'),
    restoreRoles: step('restore-roles'),
    verifyFailback: step('verify-failback'),
  } as unknown as FailbackDrillSteps<DrillValues>;
  return { failover, failback };
}

describe("a drill's outline", () => {
  it("lists, between the harness's own steps, exactly the steps each strategy's drill runs, each titled in the pair's names", async () => {
    for (const strategy of new Set(Object.values(STRATEGY_OF))) {
      const calls: string[] = [];
      const kit = recordingKit(calls);
      await strategy.drill.failback(kit.failback, { value: 'verified' });
      const back = calls.splice(0);
      await strategy.drill.failover(kit.failover, { value: 'primary' });
      const steps = outline(pair, strategy, { kind: 'emulator' }, true);
      expect(steps.map((s) => s.id)).toEqual(['emulator', 'check', 'apply-primary', ...calls, 'verify', 'measure', ...back, 'teardown']);
      for (const s of steps) expect(s.title).not.toBe(s.id);
      expect(steps.every((s) => s.status === 'skipped')).toBe(true);
      expect(outline(pair, strategy, { kind: 'emulator' }, false).map((s) => s.id)).not.toContain('verify-failback');
    }
  });

  it('names its target in the first step', () => {
    const s = STRATEGY_OF['pilot-light'];
    expect(outline(pair, s, { kind: 'endpoint', url: 'http://127.0.0.1:5000' })[0]?.title).toBe(
      'Reach the emulator at http://127.0.0.1:5000',
    );
    expect(outline(pair, s, { kind: 'aws' })[0]?.title).toBe('Emulator');
    expect(outline(pair, s, { kind: 'emulator' })[0]?.title).toBe('Start the emulator');
    expect(outline(pair, s, { kind: 'emulator' })[3]?.title).toBe(
      'Apply dr-usw2 in us-west-2 as in peacetime: the read replica, compute at standby size',
    );
  });
});
