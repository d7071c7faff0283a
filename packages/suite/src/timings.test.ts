import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '@parity/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_MAX_WORKERS, parityVitest, UNIT_MIN_WORKERS } from './config.js';
import { CPU_NICENESS, e2ePackages, heaviestUnitPackage, turboCommand, turboRuns, unitFileCount } from './run.js';
import { formatSeconds, formatSlowest, type ProjectTimings, readTimings, slowest, TIMINGS_DIR, workspaceDirs } from './timings.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const VITEST = join(HERE, '..', 'node_modules', '.bin', 'vitest');
const REPO = join(HERE, '..', '..', '..');

/** A package's `*.e2e.test.ts` files under src/. */
function e2eFiles(dir: string): string[] {
  const src = join(dir, 'src');
  if (!existsSync(src)) return [];
  return readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.e2e.test.ts'));
}

/** A throwaway workspace: one package using the real configuration, a unit file and two end-to-end files. */
function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'parity-suite-'));
  writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
  const pkg = join(root, 'packages', 'demo');
  mkdirSync(join(pkg, 'src'), { recursive: true });
  // vitest, as every package of the workspace has it
  symlinkSync(join(HERE, '..', 'node_modules'), join(pkg, 'node_modules'));
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: '@demo/pkg', type: 'module', scripts: { test: 'vitest run --project unit', 'test:e2e': 'vitest run' } }),
  );
  writeFileSync(
    join(pkg, 'vitest.config.ts'),
    `import { parityVitest } from ${JSON.stringify(join(HERE, 'config.ts'))};\nexport default parityVitest({ testTimeout: 30_000 });\n`,
  );
  const wait = (ms: number) =>
    `import { it, expect } from 'vitest';\nit('waits', async () => { await new Promise((r) => setTimeout(r, ${ms})); expect(1).toBe(1); });\n`;
  writeFileSync(join(pkg, 'src', 'fast.test.ts'), wait(0));
  writeFileSync(join(pkg, 'src', 'slow.e2e.test.ts'), wait(1500));
  writeFileSync(join(pkg, 'src', 'slower.e2e.test.ts'), wait(2500));
  return root;
}

let root: string;
/** One vitest run of both projects in the throwaway package, and how long it took. */
let run: { code: number; output: string; seconds: number };
beforeAll(async () => {
  root = workspace();
  const t0 = Date.now();
  const r = await runProcess(VITEST, ['run', '--maxWorkers=3'], { cwd: join(root, 'packages', 'demo') });
  run = { code: r.code, output: r.stdout + r.stderr, seconds: (Date.now() - t0) / 1000 };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const read = (project: string) =>
  JSON.parse(readFileSync(join(root, 'packages', 'demo', TIMINGS_DIR, `${project}.json`), 'utf8')) as ProjectTimings;

describe('the unit and e2e projects, and each file’s duration', () => {
  it('the unit project leaves the end-to-end files out; its timings name each file it ran', () => {
    expect(run.code, run.output).toBe(0);
    const t = read('unit');
    expect(t).toMatchObject({ package: '@demo/pkg', project: 'unit' });
    expect(t.files.map((f) => f.file)).toEqual(['src/fast.test.ts']);
    expect(t.files[0]!.state).toBe('passed');
  });

  it('the e2e project runs only *.e2e.test.ts, and records how long each took', () => {
    const files = read('e2e').files;
    expect(files.map((f) => f.file).sort()).toEqual(['src/slow.e2e.test.ts', 'src/slower.e2e.test.ts']);
    const slower = files.find((f) => f.file.startsWith('src/slower'))!;
    expect(slower.seconds).toBeGreaterThanOrEqual(2.5);
    // a file's duration covers its own tests, not the whole run's
    expect(slower.seconds).toBeLessThan(run.seconds);
  });

  it('readTimings gathers the files written since a moment, and slowest ranks them across projects', () => {
    const all = readTimings(root);
    expect(all.map((t) => `${t.dir}:${t.project}`).sort()).toEqual(['packages/demo:e2e', 'packages/demo:unit']);
    expect(readTimings(root, Date.now() + 60_000)).toEqual([]);
    const ranked = slowest(all, 2);
    // the two end-to-end files wait 1.5 and 2.5 s; the unit file does not wait
    expect(ranked.map((f) => f.path).sort()).toEqual(['packages/demo/src/slow.e2e.test.ts', 'packages/demo/src/slower.e2e.test.ts']);
    expect(ranked[0]!.seconds).toBeGreaterThanOrEqual(ranked[1]!.seconds);
    const table = formatSlowest(ranked);
    expect(table).toMatch(/^the 2 slowest test files:\n 1\. packages\/demo\/src\/slow(er)?\.e2e\.test\.ts +\d+(\.\d)? s {2}e2e\n 2\. /);
    expect(formatSlowest([])).toBe('no test timings were recorded');
  });
});

describe('pnpm test’s turbo runs', () => {
  it('pnpm test:unit is the CPU-bound runs alone, the heaviest package first; pnpm test adds every test:e2e at once beside them', () => {
    // the demo workspace's one package with unit files is the heaviest
    expect(heaviestUnitPackage(root)).toBe('@demo/pkg');
    expect(turboRuns('unit', root)).toEqual([
      ['test', '--filter=@demo/pkg'],
      ['typecheck', 'lint', 'test', '--concurrency=1', '--filter=!@demo/pkg'],
    ]);
    expect(turboRuns('all', root)).toEqual([
      ['test:e2e', '--concurrency=1'],
      ['test', '--filter=@demo/pkg'],
      ['typecheck', 'lint', 'test', '--concurrency=1', '--filter=!@demo/pkg'],
    ]);
    // a caller's filter: one CPU-bound run, as asked
    expect(turboRuns('all', root, ['--filter', '@demo/pkg'])).toEqual([
      ['test:e2e', '--concurrency=1', '--filter', '@demo/pkg'],
      ['typecheck', 'lint', 'test', '--concurrency=2', '--filter', '@demo/pkg'],
    ]);
  });

  it('pnpm test runs the CPU-bound runs at a lower priority than the end-to-end run; pnpm test:unit runs them as they are', async () => {
    const turbo = join(root, 'node_modules', '.bin', 'turbo');
    const [e2e, ...cpu] = turboRuns('all', root);
    expect(turboCommand('all', e2e!, root, 'linux')).toEqual([turbo, 'run', ...e2e!]);
    for (const args of cpu)
      expect(turboCommand('all', args, root, 'linux')).toEqual(['nice', '-n', String(CPU_NICENESS), turbo, 'run', ...args]);
    for (const args of turboRuns('unit', root)) expect(turboCommand('unit', args, root, 'linux')).toEqual([turbo, 'run', ...args]);
    expect(turboCommand('all', cpu[0]!, root, 'win32')).toEqual([turbo, 'run', ...cpu[0]!]);
    // nice runs what it is given at that increment (POSIX)
    const r = await runProcess('nice', ['-n', String(CPU_NICENESS), 'nice'], { cwd: root });
    expect(Number(r.stdout.trim())).toBeGreaterThanOrEqual(CPU_NICENESS);
  });

  it('in this repository, the command line has the most unit files and starts first', () => {
    const counts = workspaceDirs(REPO).map((d) => unitFileCount(join(REPO, d, 'src')));
    expect(unitFileCount(join(REPO, 'packages', 'cli', 'src'))).toBe(Math.max(...counts));
    expect(heaviestUnitPackage(REPO)).toBe('@parity/cli');
  });

  it('in this repository, every package with end-to-end files has a test:e2e task that runs them side by side (at most E2E_MAX_WORKERS at once)', () => {
    const withFiles = workspaceDirs(REPO).filter((d) => e2eFiles(join(REPO, d)).length > 0);
    expect(withFiles).toEqual(expect.arrayContaining(['packages/cli', 'packages/drill', 'packages/release']));
    expect(e2ePackages(REPO)).toEqual(withFiles);
    for (const d of withFiles) {
      const script = (JSON.parse(readFileSync(join(REPO, d, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
      expect(script['test:e2e'], d).toBe(
        `vitest run --project e2e --maxWorkers=${Math.min(e2eFiles(join(REPO, d)).length, E2E_MAX_WORKERS)}`,
      );
      expect(script.test, d).toBe('vitest run --project unit');
    }
  });

  it('runs a package’s unit files on two workers at least, even where vitest would give them one', () => {
    const test = parityVitest({ testTimeout: 1000 }).test!;
    expect(UNIT_MIN_WORKERS).toBe(2);
    expect(test.maxWorkers).toBeGreaterThanOrEqual(UNIT_MIN_WORKERS);
  });
});

describe('the slowest files', () => {
  it('ranks by duration, slowest first, across packages and projects', () => {
    const t = (dir: string, project: string, files: Array<[string, number]>) => ({
      package: `@x/${dir}`,
      dir,
      project,
      files: files.map(([file, seconds]) => ({ file, seconds, state: 'passed' })),
    });
    const ranked = slowest(
      [
        t('a', 'unit', [
          ['one.test.ts', 3],
          ['two.test.ts', 40],
        ]),
        t('b', 'e2e', [['three.e2e.test.ts', 700]]),
      ],
      2,
    );
    expect(ranked.map((r) => `${r.path} ${r.project} ${r.seconds}`)).toEqual(['b/three.e2e.test.ts e2e 700', 'a/two.test.ts unit 40']);
  });

  it('formats durations in seconds, then minutes', () => {
    expect(formatSeconds(42.46)).toBe('42.5 s');
    expect(formatSeconds(192.4)).toBe('3 min 12 s');
    // rounding never shows 60 seconds (a CI run printed "11 min 60 s")
    expect(formatSeconds(719.6)).toBe('12 min 0 s');
    expect(formatSeconds(59.97)).toBe('1 min 0 s');
  });
});
