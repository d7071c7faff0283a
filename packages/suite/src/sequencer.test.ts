import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '@parity/io';
import { afterAll, describe, expect, it } from 'vitest';
import { declaredMinutes, HEADER_CHARS } from './sequencer.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const VITEST = join(HERE, '..', 'node_modules', '.bin', 'vitest');
const REPO = join(HERE, '..', '..', '..');

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/**
 * A throwaway package using the real configuration, with end-to-end files that each write their
 * name to `started.log` when they start: two small ones that declare a long run, two untagged ones
 * much larger (vitest alone would start those first).
 */
function workspace(): { pkg: string; started: () => string[] } {
  const root = mkdtempSync(join(tmpdir(), 'parity-sequencer-'));
  roots.push(root);
  const pkg = join(root, 'demo');
  mkdirSync(join(pkg, 'src'), { recursive: true });
  symlinkSync(join(HERE, '..', 'node_modules'), join(pkg, 'node_modules'));
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@demo/seq', type: 'module' }));
  writeFileSync(
    join(pkg, 'vitest.config.ts'),
    `import { parityVitest } from ${JSON.stringify(join(HERE, 'config.ts'))};\nexport default parityVitest({ testTimeout: 30_000 });\n`,
  );
  const log = join(pkg, 'started.log');
  const file = (name: string, header: string, padding: number) =>
    writeFileSync(
      join(pkg, 'src', `${name}.e2e.test.ts`),
      [
        `/**\n * ${header}\n */`,
        `import { appendFileSync } from 'node:fs';`,
        `import { it, expect } from 'vitest';`,
        `appendFileSync(${JSON.stringify(log)}, '${name}\\n');`,
        `it('runs', () => expect(1).toBe(1));`,
        `// ${'x'.repeat(padding)}`,
        '',
      ].join('\n'),
    );
  file('large', 'a large file without the tag', 20_000);
  file('larger', 'a larger file without the tag', 40_000);
  file('short', '@runsAlone 2 min: declared, short', 0);
  file('long', '@runsAlone 12.5 min: declared, long', 0);
  return { pkg, started: () => readFileSync(log, 'utf8').trim().split('\n') };
}

describe('the order vitest starts files in', () => {
  it('starts the files that declare how long they run alone first, the longest first, then the others', async () => {
    const { pkg, started } = workspace();
    const r = await runProcess(VITEST, ['run', '--project', 'e2e', '--maxWorkers=1'], { cwd: pkg });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const order = started();
    expect(order.slice(0, 2)).toEqual(['long', 'short']);
    expect(order.slice(2).sort()).toEqual(['large', 'larger']);
  });

  it('reads the tag in the header only', () => {
    expect(declaredMinutes('/**\n * @runsAlone 17 min: a drill\n */')).toBe(17);
    expect(declaredMinutes('@runsAlone 2.5 min')).toBe(2.5);
    expect(declaredMinutes('/** no tag */')).toBe(0);
    expect(declaredMinutes('@runsAlone soon')).toBe(0);
    expect(declaredMinutes(`${' '.repeat(HEADER_CHARS)}@runsAlone 17 min`)).toBe(0);
  });

  it('in this repository, the drill package’s two longest files declare it (it has more end-to-end files than workers)', () => {
    const head = (f: string) => readFileSync(join(REPO, 'packages', 'drill', 'src', f), 'utf8');
    expect(declaredMinutes(head('failback.e2e.test.ts'))).toBeGreaterThan(declaredMinutes(head('drill.e2e.test.ts')));
    expect(declaredMinutes(head('drill.e2e.test.ts'))).toBeGreaterThan(0);
  });
});
