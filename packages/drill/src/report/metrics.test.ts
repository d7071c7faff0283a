import { describe, expect, it } from 'vitest';
import { duration, rpo, rto } from './metrics.js';

const at = (s: string) => new Date(`2026-11-24T${s}Z`);

describe('RTO', () => {
  it('is the time from loss to verified, against the target', () => {
    const m = rto(at('10:00:00'), at('10:03:01'), 480);
    expect(m).toEqual({
      measuredMinutes: 3.02,
      measuredSeconds: 181,
      targetMinutes: 480,
      met: true,
      marginMinutes: 476.98,
      from: '2026-11-24T10:00:00.000Z',
      to: '2026-11-24T10:03:01.000Z',
    });
  });

  it('is breached when it takes longer than the target, with a negative margin', () => {
    const m = rto(at('10:00:00'), at('18:30:00'), 480);
    expect(m.met).toBe(false);
    expect(m.measuredMinutes).toBe(510);
    expect(m.marginMinutes).toBe(-30);
  });

  it('meets a target it equals exactly', () => {
    expect(rto(at('10:00:00'), at('18:00:00'), 480).met).toBe(true);
  });
});

describe('RPO', () => {
  it('is the age of the restored data at the moment of loss', () => {
    const m = rpo(at('06:00:00'), at('09:30:00'), 240);
    expect(m.measuredMinutes).toBe(210);
    expect(m.met).toBe(true);
    expect(m.marginMinutes).toBe(30);
  });

  it('is breached by data older than the target', () => {
    const m = rpo(at('04:00:00'), at('09:00:00'), 240);
    expect(m.met).toBe(false);
    expect(m.marginMinutes).toBe(-60);
  });

  it('refuses data created after the loss, or a missing time', () => {
    expect(() => rpo(at('10:00:01'), at('10:00:00'), 240)).toThrow(/before/);
    expect(() => rpo(new Date(Number.NaN), at('10:00:00'), 240)).toThrow(/missing/);
  });
});

describe('duration', () => {
  it('reads like a person would write it', () => {
    expect(duration(0.4)).toBe('0s');
    expect(duration(45)).toBe('45s');
    expect(duration(92)).toBe('1m 32s');
    expect(duration(3720)).toBe('1h 02m');
  });
});
