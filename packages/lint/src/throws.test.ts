import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type AllowList, lintThrows, readAllowList } from './throws.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let roots: string[] = [];
afterEach(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots = [];
});

/** A workspace of `files` (path → source). */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'parity-lint-'));
  roots.push(root);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  return root;
}

const NONE: AllowList = { excluded: [], sections: [] };
const INVARIANT = "export function f(n: number) {\n  if (n < 0) throw new Error('f: n is never negative here');\n}\n";

describe('the lint against bare throws', () => {
  it('fails on a new throw new Error( in shipped code, naming the file and line', () => {
    const root = fixture({ 'packages/x/src/a.ts': INVARIANT });
    expect(lintThrows(root, NONE)).toEqual([
      { file: 'packages/x/src/a.ts', line: 2, message: expect.stringMatching(/bare throw new Error/) },
    ]);
  });

  it('fails on throw Error( and on a class extending Error outside errors.ts', () => {
    const root = fixture({
      'bundles/b/src/index.ts': "throw Error('x');\nexport class Oops extends Error {}\n",
      'packages/model/src/errors.ts': 'export class ParityError extends Error {}\n',
    });
    expect(lintThrows(root, NONE).map((f) => [f.file, f.line])).toEqual([
      ['bundles/b/src/index.ts', 1],
      ['bundles/b/src/index.ts', 2],
    ]);
  });

  it('passes an allow-listed throw, and ignores tests, comments and strings', () => {
    const root = fixture({
      'packages/x/src/a.ts': `${INVARIANT}// a comment: throw new Error('no')\nexport const s = "throw new Error('no')";\n`,
      'packages/x/src/a.test.ts': "throw new Error('a test may');\n",
    });
    const list: AllowList = {
      excluded: [],
      sections: [
        {
          title: 'Internal invariants',
          entries: [{ file: 'packages/x/src/a.ts', contains: 'n is never negative', reason: 'callers check' }],
        },
      ],
    };
    expect(lintThrows(root, list)).toEqual([]);
  });

  it('fails on an allow-list entry that matches nothing, and on one without a reason', () => {
    const root = fixture({ 'packages/x/src/a.ts': INVARIANT });
    const list: AllowList = {
      excluded: [],
      sections: [
        {
          title: 'Internal invariants',
          entries: [
            { file: 'packages/x/src/a.ts', contains: 'n is never negative', reason: ' ' },
            { file: 'packages/x/src/a.ts', contains: 'gone', reason: 'was here once' },
          ],
        },
      ],
    };
    expect(lintThrows(root, list).map((f) => f.message)).toEqual([
      expect.stringMatching(/"gone" matches no throw/),
      expect.stringMatching(/"n is never negative" has no reason/),
    ]);
  });

  it('skips excluded folders', () => {
    const root = fixture({ 'packages/bench/src/a.ts': INVARIANT });
    expect(lintThrows(root, { excluded: [{ path: 'packages/bench', reason: 'not shipped' }], sections: [] })).toEqual([]);
  });

  it('passes on this repository with its allow-list, every entry with a reason', () => {
    const list = readAllowList();
    expect(lintThrows(REPO_ROOT, list)).toEqual([]);
    for (const s of list.sections) for (const e of s.entries) expect(e.reason.trim(), `${e.file}: ${e.contains}`).not.toBe('');
    // the DR packages (what runs on the day, and the drill) allow no bare throw at all (issue 22 §4)
    const dr = list.sections.flatMap((s) => s.entries).filter((e) => /^packages\/(dr|drill)\//.test(e.file));
    expect(dr.map((e) => `${e.file}: ${e.contains}`)).toEqual([]);
  });

  it('runs as pnpm lint runs it: exit 1 naming the file on a new throw, 0 on this repository', async () => {
    const bin = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const script = join(REPO_ROOT, 'packages/lint/src/throws.ts');
    const root = fixture({ 'packages/x/src/a.ts': INVARIANT, 'allow.json': JSON.stringify(NONE) });
    // asynchronously: a run over the repository takes more than a minute on a loaded machine, and a worker
    // blocked that long fails vitest with "Timeout calling onTaskUpdate"
    const bad = await run(bin, [script, '--root', root, '--allow', join(root, 'allow.json')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^packages\/x\/src\/a\.ts:2: a bare throw new Error/m);
    const ok = await run(bin, [script]);
    expect(ok.status, ok.stderr).toBe(0);
  });
});

function run(bin: string, args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stderr }));
  });
}
