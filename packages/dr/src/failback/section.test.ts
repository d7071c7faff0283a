import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fleetEnvironmentsAsync } from '@parity/testkit';
import { describe, expect, it } from 'vitest';
import { ParityError } from '@parity/model';
import type { FailoverSection } from '../failover/section.js';
import { removeSection, setSection } from '../manifest-section.js';
import { nextFailbackStep, type FailbackSection } from './section.js';
import type { Strategy } from '@parity/model';
import type { Pair } from '../pair.js';

// awaited: a worker blocked while another process stamps the fleet trips vitest's RPC timeout
const fleet = await fleetEnvironmentsAsync();
const read = (env: string) => readFileSync(join(fleet, env, 'environment.yaml'), 'utf8');
const drText = read('dr-usw2');
const prodText = read('prod-use1');

const failover = (step: FailoverSection['step']): FailoverSection => ({
  step,
  at: '2026-11-28T14:02:00Z',
  reason: 'us-east-1 unavailable since 13:40Z',
  from: 'read replica of prod-use1',
});
const failback = (step: FailbackSection['step']): FailbackSection => ({
  step,
  at: '2026-11-29T09:00:00Z',
  reason: 'us-east-1 back',
  from: 'dr-usw2 in us-west-2',
});

/** The history lines the failover and the failback write: each starts with its time. */
const withoutHistory = (text: string) =>
  text
    .split('\n')
    .filter((l) => !/^# \d{4}-\d\d-\d\dT\d\d:\d\dZ: /.test(l))
    .join('\n');

describe('the failback written into the manifests', () => {
  it('leaves both manifests byte for byte as before the failover, apart from the history comment', () => {
    let dr = setSection(drText, 'failover', failover('promote'), ' 2026-11-28T14:02Z: promote — us-east-1 lost.');
    dr = setSection(dr, 'failover', failover('complete'), ' 2026-11-28T14:30Z: complete.');
    let prod = prodText;
    for (const [i, step] of (['reprotect', 'promote', 'complete'] as const).entries()) {
      prod = setSection(prod, 'failback', failback(step), ` 2026-11-29T0${i}:00Z: ${step}.`);
      expect(parse(prod).failback).toEqual(failback(step));
    }
    expect(prod.match(/^failback:/gm)).toHaveLength(1);
    const closing = ' 2026-11-29T09:40Z: restore — original roles.';
    const prodAfter = removeSection(prod, 'failback', closing);
    const drAfter = removeSection(dr, 'failover', closing);
    expect(parse(prodAfter).failback).toBeUndefined();
    expect(parse(drAfter).failover).toBeUndefined();
    expect(withoutHistory(prodAfter)).toBe(prodText);
    expect(withoutHistory(drAfter)).toBe(drText);
    // the history stays, in order, above overrides
    expect(drAfter).toContain(
      '# 2026-11-28T14:02Z: promote — us-east-1 lost.\n# 2026-11-28T14:30Z: complete.\n# 2026-11-29T09:40Z: restore — original roles.\noverrides:',
    );
    expect(prodAfter).toMatch(
      /# 2026-11-29T00:00Z: reprotect\.\n# 2026-11-29T01:00Z: promote\.\n# 2026-11-29T02:00Z: complete\.\n# .*\noverrides:/,
    );
  });
});

function pair(strategy: Strategy, fo?: FailoverSection, fb?: FailbackSection): Pair {
  const manifests = new Map<string, unknown>([
    ['dr-usw2', { data: { name: 'dr-usw2', failover: fo } }],
    ['prod-use1', { data: { name: 'prod-use1', failback: fb } }],
  ]);
  return {
    ws: { manifests },
    dr: { name: 'dr-usw2', region: 'us-west-2', dr: { strategy, policy: 'important' } },
    primary: { name: 'prod-use1', region: 'us-east-1' },
  } as unknown as Pair;
}

function refusal(p: Pair): ParityError {
  try {
    nextFailbackStep(p);
  } catch (e) {
    if (e instanceof ParityError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('the next failback step', () => {
  it('is reprotect, promote, complete, then restore, once the failover is complete', () => {
    const done = failover('complete');
    expect(nextFailbackStep(pair('pilot-light', done))).toBe('reprotect');
    expect(nextFailbackStep(pair('warm-standby', done, failback('reprotect')))).toBe('promote');
    expect(nextFailbackStep(pair('pilot-light', done, failback('promote')))).toBe('complete');
    expect(nextFailbackStep(pair('pilot-light', done, failback('complete')))).toBe('restore');
  });

  it('fails before the failover is complete, naming the file, field, value and fix', () => {
    const e = refusal(pair('pilot-light', failover('promote')));
    expect(e.kinds[0]).toBe('failback-state');
    expect(e.issues[0]).toMatchObject({
      file: 'environments/dr-usw2/environment.yaml',
      path: 'failover.step',
      value: 'promote',
      allowed: 'complete',
    });
    expect(e.issues[0]!.fix).toMatch(/pnpm failover dr-usw2/);
    expect(refusal(pair('pilot-light')).issues[0]).toMatchObject({ path: 'failover', message: /has not failed over/ });
  });

  it('is reprotect, restore, then complete under backup & restore, once the failover has restored', () => {
    const restored = { ...failover('restore'), snapshot: 's' };
    expect(nextFailbackStep(pair('backup-restore', restored))).toBe('reprotect');
    expect(nextFailbackStep(pair('backup-restore', restored, failback('reprotect')))).toBe('restore');
    expect(nextFailbackStep(pair('backup-restore', restored, { ...failback('restore'), snapshot: 'b' }))).toBe('complete');
  });

  it('fails under backup & restore before the failover, naming the step that completes it', () => {
    const e = refusal(pair('backup-restore'));
    expect(e.kinds[0]).toBe('failback-state');
    expect(e.issues[0]).toMatchObject({
      file: 'environments/dr-usw2/environment.yaml',
      path: 'failover',
      allowed: 'failover.step: restore',
    });
  });

  it('fails on a failback step that is not one of the strategy', () => {
    const e = refusal(pair('backup-restore', { ...failover('restore'), snapshot: 's' }, failback('promote')));
    expect(e.issues[0]).toMatchObject({
      file: 'environments/prod-use1/environment.yaml',
      path: 'failback.step',
      value: 'promote',
      allowed: 'reprotect, restore',
    });
  });
});
