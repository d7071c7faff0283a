import { describe, expect, it } from 'vitest';
import { deriveBackupSchedule } from './dr.js';

describe('backup schedule from the RPO', () => {
  it.each([
    [240, 60, 180, 'cron(0 0/3 * * ? *)', '0 */3 * * *', true],
    [1440, 60, 720, 'cron(0 0/12 * * ? *)', '0 */12 * * *', true],
    [2880, 60, 1440, 'cron(0 3 * * ? *)', '0 3 * * *', true],
    [120, 60, 60, 'cron(0 0/1 * * ? *)', '0 */1 * * *', true],
  ])('RPO %i min with %i min copy delay → every %i min', (rpo, delay, interval, awsCron, cron, meets) => {
    expect(deriveBackupSchedule(rpo, delay)).toEqual({
      intervalMinutes: interval,
      awsCron,
      cron,
      worstCaseRpoMinutes: interval + delay,
      meetsRpo: meets,
    });
  });

  it('fails to meet an RPO shorter than the hourly floor plus the copy delay, and says so', () => {
    const s = deriveBackupSchedule(60, 30);
    expect(s.intervalMinutes).toBe(60);
    expect(s.meetsRpo).toBe(false);
    expect(s.worstCaseRpoMinutes).toBe(90);
  });
});
