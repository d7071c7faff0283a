import { ParityError } from '@parity/model';
import { describe, expect, it } from 'vitest';
import { targetOf } from './commands/drill.js';

const refusal = (f: () => unknown): ParityError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParityError);
    return e as ParityError;
  }
  throw new Error('not refused');
};

describe('the target of a drill or failover', () => {
  it('is a local moto server, a running endpoint, or real AWS', () => {
    expect(targetOf({})).toEqual({ kind: 'emulator' });
    expect(targetOf({ endpoint: 'http://127.0.0.1:5000/' })).toEqual({ kind: 'endpoint', url: 'http://127.0.0.1:5000' });
    expect(targetOf({ aws: true })).toEqual({ kind: 'aws' });
  });

  it('fails: --aws with --endpoint, and an endpoint that is not a URL, each with its kind, field and fix', () => {
    const both = refusal(() => targetOf({ aws: true, endpoint: 'http://127.0.0.1:5000' }));
    expect(both.kinds).toEqual(['target-conflict']);
    expect(both.issues[0]).toMatchObject({ file: 'command line', path: '--aws/--endpoint', fix: expect.stringMatching(/pick one/) });
    expect(both.headline).toBe('--aws and --endpoint exclude each other');
    const bad = refusal(() => targetOf({ endpoint: 'not a url' }));
    expect(bad.kinds).toEqual(['endpoint-invalid']);
    expect(bad.issues[0]).toMatchObject({ path: '--endpoint', value: 'not a url', allowed: 'an http(s) URL' });
  });
});
