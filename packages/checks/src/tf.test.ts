import { describe, expect, it } from 'vitest';
import { cronIntervalMinutes, TfDoc } from './tf.js';

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

describe('reading Terraform JSON', () => {
  const doc = new TfDoc(
    {
      provider: { aws: [{ region: 'us-east-1' }, { region: 'us-west-2', alias: 'us_west_2' }] },
      resource: {
        aws_backup_vault: { here: { name: 'a' }, there: { name: 'b', provider: 'aws.us_west_2' } },
      },
    },
    'aws',
    'us-east-1',
  );
  it('places a resource in its provider\'s region', () => {
    expect(doc.providerRegion(doc.get('aws_backup_vault', 'there')!)).toBe('us-west-2');
    expect(doc.providerRegion(doc.get('aws_backup_vault', 'here')!)).toBe('us-east-1');
  });
  it('follows a reference, or reads the region of a literal ARN', () => {
    expect(doc.regionOf('${aws_backup_vault.there.arn}')).toBe('us-west-2');
    expect(doc.regionOf('arn:aws:backup:eu-west-1:123456789012:backup-vault:x')).toBe('eu-west-1');
    expect(doc.regionOf('${var.somewhere}')).toBeUndefined();
  });
});
