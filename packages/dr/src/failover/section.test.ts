import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ParityError } from '@parity/model';
import { fleetEnvironmentsAsync } from '@parity/testkit';
import { describe, expect, it } from 'vitest';
import { setSection } from '../manifest-section.js';
import { nextStep, type FailoverSection } from './section.js';
import type { Strategy } from '@parity/model';
import type { Pair } from '../pair.js';

// dr-usw2 of the tests' fleet (@parity/testkit), as the generator stamps it (awaited: a worker
// blocked while another process stamps the fleet trips vitest's RPC timeout)
const manifest = readFileSync(join(await fleetEnvironmentsAsync(), 'dr-usw2', 'environment.yaml'), 'utf8');

const section = (step: FailoverSection['step']): FailoverSection => ({
  step,
  at: '2026-11-28T14:02:00Z',
  reason: 'us-east-1 unavailable since 13:40Z',
  from: 'read replica of prod-use1 (arn:aws:rds:us-east-1:123456789012:db:acme-prod-use1-db)',
});

describe('the failover written into the DR manifest', () => {
  it('is a failover: section before overrides, with its history comment; every other line and comment stays', () => {
    const out = setSection(manifest, 'failover', section('promote'), ' 2026-11-28T14:02Z: promote — us-east-1 lost, declared by Ana.');
    expect(parse(out).failover).toEqual(section('promote'));
    expect(out).toContain('# 2026-11-28T14:02Z: promote — us-east-1 lost, declared by Ana.\nfailover:\n  step: promote\n');
    expect(out.indexOf('failover:')).toBeLessThan(out.indexOf('overrides:'));
    const kept = manifest.split('\n').filter((l) => !out.split('\n').includes(l));
    expect(kept).toEqual([]);
  });

  it("keeps the earlier step's comment above the next one: the history of the failover", () => {
    const once = setSection(manifest, 'failover', section('promote'), ' first');
    const twice = setSection(once, 'failover', section('complete'), ' second');
    expect(twice).toContain('# first\n# second\nfailover:\n  step: complete\n');
    expect(twice.match(/^failover:/gm)).toHaveLength(1);
    expect(parse(twice).failover.step).toBe('complete');
  });
});

function pair(strategy: Strategy, failover?: FailoverSection): Pair {
  const manifests = new Map([['dr-usw2', { data: { name: 'dr-usw2', failover } }]]);
  return {
    ws: { manifests },
    dr: { name: 'dr-usw2', dr: { strategy } },
    primary: { name: 'prod-use1', region: 'us-east-1' },
  } as unknown as Pair;
}

describe('the next failover step', () => {
  it('is restore for backup & restore; promote, then complete, for a replica', () => {
    expect(nextStep(pair('backup-restore'))).toBe('restore');
    expect(nextStep(pair('pilot-light'))).toBe('promote');
    expect(nextStep(pair('warm-standby', section('promote')))).toBe('complete');
  });

  it('fails: a failover that is finished is refused, pointing at failback', () => {
    const cases = [
      { p: pair('pilot-light', section('complete')), step: 'complete', said: /dr-usw2 has already failed over \(failover\.step: complete/ },
      { p: pair('backup-restore', { ...section('restore'), snapshot: 's' }), step: 'restore', said: /dr-usw2 is already restored/ },
    ];
    for (const { p, step, said } of cases) {
      const e = (() => {
        try {
          nextStep(p);
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(ParityError);
      expect((e as ParityError).kinds).toEqual(['failover-done']);
      expect((e as ParityError).issues[0]).toMatchObject({
        file: 'environments/dr-usw2/environment.yaml',
        path: 'failover.step',
        value: step,
        message: expect.stringMatching(said),
        fix: expect.stringMatching(/pnpm failback dr-usw2/),
      });
    }
  });
});
