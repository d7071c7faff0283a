import { describe, expect, it } from 'vitest';
import { cronIntervalMinutes } from './tf.js';

describe('reading schedules', () => {
  it.each([
    ['cron(0 0/3 * * ? *)', 180],
    ['cron(0 */6 * * ? *)', 360],
    ['cron(0 3 * * ? *)', 1440],
    ['cron(0/15 * * * ? *)', 15],
    ['rate(2 hours)', 120],
    ['rate(30 minutes)', 30],
    ['0 */3 * * *', 180],
    ['0 3 * * *', 1440],
    ['0 1,13 * * *', 720],
    ['0 * * * *', 60],
  ])('%s runs every %i min', (expr, minutes) => {
    expect(cronIntervalMinutes(expr)).toBe(minutes);
  });
  it('fails to read a schedule on given days of the month', () => {
    expect(cronIntervalMinutes('cron(0 3 1 * ? *)')).toBeUndefined();
  });
});
