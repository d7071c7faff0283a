import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalProgress } from './progress.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes are what is stripped
const ANSI = /\x1b\[[0-9;]*m/g;

function fakeStream(tty: boolean, columns: number): NodeJS.WriteStream & { text: () => string } {
  let out = '';
  const s = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(s, { isTTY: tty, columns, text: () => out });
  return s;
}

describe('progress', () => {
  it('prints plain lines, one per start and end of a step, when not a terminal', () => {
    const s = fakeStream(false, 0);
    const p = terminalProgress(s, 10);
    p.start('Apply prod-use1 in us-east-1', 3);
    p.update('12/58 applied');
    p.succeed('Apply prod-use1 in us-east-1', 92, '58 resources applied');
    p.start('Verify us-west-2', 8);
    p.fail('Verify us-west-2', 1, 'queue missing\nmore');
    p.skip('Emulator', 'real AWS', 1);
    const text = s.text().replace(ANSI, '');
    expect(text.split('\n')).toEqual([
      '[3/10] Apply prod-use1 in us-east-1 …',
      '✔ [3/10] Apply prod-use1 in us-east-1 1m 32s  58 resources applied',
      '[8/10] Verify us-west-2 …',
      '✘ [8/10] Verify us-west-2 1s  queue missing',
      '- [1/10] Emulator  (real AWS)',
      '',
    ]);
  });

  it('prints plain lines on a terminal of no width, where a spinner could not count its lines', () => {
    const s = fakeStream(true, 0);
    const p = terminalProgress(s, 10);
    p.start('Check prod-use1 and dr-usw2', 2);
    p.succeed('Check prod-use1 and dr-usw2', 1);
    expect(s.text().replace(ANSI, '')).toBe('[2/10] Check prod-use1 and dr-usw2 …\n✔ [2/10] Check prod-use1 and dr-usw2 1s\n');
  });
});
