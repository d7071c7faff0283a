import { describe, expect, it } from 'vitest';
import { lsnValue, segmentStart, WAL_SEGMENT_BYTES } from './cluster.js';

describe('WAL positions', () => {
  it('reads an LSN as a number: high word, low word', () => {
    expect(lsnValue('0/7A001E0')).toBe(0x7a001e0n);
    expect(lsnValue('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
  });

  it('places a 1 MiB segment file where its first record would be, on any timeline', () => {
    // recovery of the 14:17 dr-euc1 drill ended at 0/7A001E0, inside segment 7A, long before the newest shipped (82)
    expect(segmentStart('00000001000000000000007A')).toBe(lsnValue('0/7A00000'));
    expect(segmentStart('000000020000000000000082')).toBe(lsnValue('0/8200000'));
    expect(lsnValue('0/7A001E0') < segmentStart('000000010000000000000082')).toBe(true);
    // the segment number counts 1 MiB steps within a 4 GiB log file
    expect(segmentStart('000000010000000100000FFF')).toBe((1n << 32n) + 0xfffn * WAL_SEGMENT_BYTES);
  });

  it('fails on a name that is not a segment file: a history file, a partial copy', () => {
    expect(() => segmentStart('00000002.history')).toThrow(/not a WAL segment file name: 00000002\.history/);
    expect(() => segmentStart('.000000010000000000000082.part')).toThrow(/not a WAL segment file name/);
  });
});
