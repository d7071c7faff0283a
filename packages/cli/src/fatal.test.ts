/**
 * The top-level handler: a refusal prints its issues and never a stack; a cloud or network failure
 * that reached it is mapped to its refusal; anything else is one line asking for a bug report,
 * with the stack only under --debug or PARITY_DEBUG=1. And a closed pipe ends the command quietly.
 */
import { spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ParityError, flagMisuse } from '@parity/model';
import { BIN, tempFleets } from '@parity/testkit';
import { bugTracker, debugRequested, reportFatal } from './report.js';

const STACK_TRACE = /\n\s+at .+:\d+:\d+/;

function fatal(e: unknown, debug = false): { code: number; out: string } {
  const out: string[] = [];
  const code = reportFatal(e, debug, (s) => out.push(s));
  // colours are on under CI=true (picocolors): the text, as a log shows it
  return { code, out: stripVTControlCharacters(out.join('')) };
}

describe('the top-level handler', () => {
  it('prints a refusal without a stack', () => {
    const r = fatal(new ParityError([flagMisuse('--x', 'y', 'x is wrong', 'z', 'use z')], 'cannot x'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^cannot x\n.*\(--x\): x is wrong/s);
    expect(r.out).not.toMatch(STACK_TRACE);
  });

  it('prints an unexpected error as one line asking for a bug report, the stack only with --debug', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const quiet = fatal(bug);
    expect(quiet.code).toBe(1);
    expect(quiet.out.trim().split('\n')).toHaveLength(1);
    expect(quiet.out).toMatch(
      /unexpected error \(TypeError: Cannot read properties.*\): this is a bug in Parity; please report it at .* with the output of the same command run with --debug/,
    );
    expect(quiet.out).not.toMatch(STACK_TRACE);
    expect(fatal(bug, true).out).toMatch(STACK_TRACE);
  });

  it('maps a cloud or network failure that reached it to its refusal', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 9 });
    const r = fatal(refused);
    expect(r.out).toMatch(/cannot reach a network service at 127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expect(r.out).not.toMatch(STACK_TRACE);
  });

  it('takes --debug anywhere on the command line, or PARITY_DEBUG', () => {
    expect(debugRequested(['node', 'parity', 'check', '--debug'], {})).toBe(true);
    expect(debugRequested(['node', 'parity', 'check'], { PARITY_DEBUG: '1' })).toBe(true);
    expect(debugRequested(['node', 'parity', 'check'], { PARITY_DEBUG: '0' })).toBe(false);
    for (const args of [
      ['--debug', 'synth', '--bootstrap', 'staging'],
      ['synth', '--bootstrap', 'staging', '--debug'],
    ]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect(r.status, r.stderr).toBe(1);
      // the refusal's message is the headline; the issue line names the flag
      expect(r.stderr).toMatch(/pnpm synth --bootstrap takes no environment names[\s\S]*\(command line\) \(--bootstrap\)\n/);
      expect(r.stderr).not.toMatch(/unknown option/);
    }
  });

  it('names where to file a bug: package.json bugs, else its repository, else says to set it', () => {
    expect(bugTracker(new URL('file:///nonexistent/package.json'))).toMatch(/set "bugs" in its root package.json/);
  });
});

describe('a closed pipe', () => {
  const temp = tempFleets();
  it('ends pnpm check --json quietly when the reader has stopped reading (no EPIPE stack)', () => {
    const root = temp();
    // as under `pnpm check --json | head -c 10`: pnpm's banner fills head's 10 bytes, head exits, then check writes
    const r = spawnSync(
      'bash',
      [
        '-c',
        `(echo 0123456789; sleep 0.3; "${process.execPath}" "${BIN}" check --json) | head -c 10 >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1', CI: '' },
        timeout: 120_000,
      },
    );
    expect(r.stderr).not.toMatch(/EPIPE/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.stderr).toMatch(/exit=0/);
  });
});
