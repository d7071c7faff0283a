import { describe, expect, it } from 'vitest';
import { cadenceOf, lagThreshold } from './data.js';

const mech = (kind: 'backups' | 'replicated-backups' | 'replica', mechanism: string, rpoMinutes: number) => ({
  bundle: 'database',
  kind,
  mechanism,
  rpoMinutes,
  recovery: kind === 'replica' ? ('promotion' as const) : ('restore' as const),
});

describe("the data plane's cadence", () => {
  it("ships WAL every 5 min of schedule and base backups at the backup plan's interval, 5 min of schedule a drill second", () => {
    const c = cadenceOf([
      mech('replicated-backups', 'automated backups and transaction logs replicated to eu-central-1', 15),
      mech('backups', 'AWS Backup every 180 min, copied to eu-central-1 (≤ 60 min)', 240),
    ]);
    expect(c).toMatchObject({ scheduleSecondsPerDrillSecond: 300, walEverySeconds: 1, baseBackupEverySeconds: 36 });
    expect(c.mechanism).toBe(
      'base backups every 180 min (AWS Backup plan) + archived WAL shipped every 5 min (replicated transaction logs)',
    );
  });

  it('without replicated logs ships base backups only, one every 2 drill seconds; with nothing declared, the daily snapshot', () => {
    expect(cadenceOf([mech('backups', 'AWS Backup every 60 min, copied to x', 120)])).toMatchObject({
      scheduleSecondsPerDrillSecond: 1800,
      baseBackupEverySeconds: 2,
    });
    expect(cadenceOf([mech('backups', 'AWS Backup every 60 min, copied to x', 120)]).walEverySeconds).toBeUndefined();
    expect(cadenceOf([]).mechanism).toBe('base backups every 1440 min (RDS automated backups)');
  });
});

describe("the replica lag alarm's threshold", () => {
  it('is read from the ReplicaLag alarm of the Terraform', () => {
    const json = {
      resource: {
        aws_cloudwatch_metric_alarm: {
          cpu: { metric_name: 'CPUUtilization', threshold: 90 },
          lag: { metric_name: 'ReplicaLag', threshold: 3600 },
        },
      },
    };
    expect(lagThreshold(json)).toBe(3600);
    expect(lagThreshold({})).toBeUndefined();
  });
});
