/**
 * `pnpm test` and `pnpm test:unit`.
 *
 * - `pnpm test:unit` (the inner loop): the CPU-bound work (one `tsc` program over every package,
 *   Biome, each package's `unit` vitest project; no test waits for a typecheck: vitest compiles what
 *   it runs). The package with the most unit files (the command line's) starts at once in a turbo run
 *   of its own, beside `turbo run typecheck lint test` of everything else, one task at a time: turbo
 *   starts a package after the packages it depends on, and the command line, which depends on all of
 *   them, came last and ran alone for minutes at the end.
 * - `pnpm test` (everything; CI runs it): the same, and at the same time `turbo run test:e2e` for every
 *   package with end-to-end files, all at once. Those mostly wait (on emulators, registries,
 *   a browser), so the CPU-bound tasks run while they wait instead of after them, at a lower
 *   priority (CPU_NICENESS): the end-to-end files get the CPU first when they need it. A failure in
 *   any run stops the others (turbo stops at the first failure too).
 *
 * Extra arguments go to every turbo run (`pnpm test --filter @parity/drill`). At the end: how long
 * each run took and the ten slowest test files (timings.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '@parity/io';
import { formatSeconds, formatSlowest, packageName, readTimings, slowest, workspaceDirs } from './timings.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The CPU-bound tasks: typecheck, Biome, unit tests. */
const CPU_TASKS = ['typecheck', 'lint', 'test'];

/** The CPU-bound tasks, two at a time on the 2-core machines CI uses. */
export const CPU_RUN = [...CPU_TASKS, '--concurrency=2'];

/** The number of unit test files (`*.test.ts`, not `*.e2e.test.ts`) under a package's `src`. */
export function unitFileCount(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts') && !f.endsWith('.e2e.test.ts'))
    .length;
}

/** The package with the most unit test files (the first by name on a tie), or none without any. */
export function heaviestUnitPackage(root: string): string | undefined {
  let best: { dir: string; files: number } | undefined;
  for (const d of workspaceDirs(root)) {
    const files = unitFileCount(join(root, d, 'src'));
    if (files > (best?.files ?? 0)) best = { dir: d, files };
  }
  return best && packageName(join(root, best.dir));
}

/**
 * The CPU-bound turbo runs: the heaviest package's unit tests at once, and everything else one task
 * at a time beside them. With arguments of the caller's (a `--filter`), one run as asked.
 */
export function cpuRuns(root: string, extra: readonly string[] = []): string[][] {
  const first = extra.length === 0 ? heaviestUnitPackage(root) : undefined;
  if (!first) return [[...CPU_RUN, ...extra]];
  return [
    ['test', `--filter=${first}`],
    [...CPU_TASKS, '--concurrency=1', `--filter=!${first}`],
  ];
}

/** Packages whose `package.json` has a `test:e2e` script. */
export function e2ePackages(root: string): string[] {
  return workspaceDirs(root).filter((d) => {
    const file = join(root, d, 'package.json');
    const scripts = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> }).scripts : {};
    return typeof scripts?.['test:e2e'] === 'string';
  });
}

/**
 * How much lower than the end-to-end run a CPU-bound run's priority is in `pnpm test` (a `nice`
 * increment, POSIX only). The end-to-end files mostly wait and compute in short bursts (Terraform
 * planning, moto answering, a registry packing), and the longest of them, a drill with its failback,
 * is the end of `pnpm test`: each burst delayed by the unit tests beside it delayed its end. The
 * CPU-bound runs take the CPU the end-to-end files leave; what they need in all is the same.
 */
export const CPU_NICENESS = 5;

/** The command line of a turbo run: `turbo run <args>`, through `nice -n CPU_NICENESS` for the CPU-bound runs of `pnpm test` on POSIX. */
export function turboCommand(
  mode: 'all' | 'unit',
  args: readonly string[],
  root: string,
  platform: NodeJS.Platform = process.platform,
): string[] {
  const turbo = [join(root, 'node_modules', '.bin', 'turbo'), 'run', ...args];
  const lower = mode === 'all' && args[0] !== 'test:e2e' && platform !== 'win32';
  return lower ? ['nice', '-n', String(CPU_NICENESS), ...turbo] : turbo;
}

/** The turbo runs of a mode, each a list of `turbo run` arguments. */
export function turboRuns(mode: 'all' | 'unit', root: string, extra: readonly string[] = []): string[][] {
  const cpu = cpuRuns(root, extra);
  if (mode === 'unit') return cpu;
  // every end-to-end task at once: they wait, and each runs its own files side by side (test:e2e --maxWorkers)
  const e2e = ['test:e2e', `--concurrency=${Math.max(1, e2ePackages(root).length)}`, ...extra];
  return [e2e, ...cpu];
}

async function main(): Promise<number> {
  const [modeArg, ...rest] = process.argv.slice(2);
  const extra = rest[0] === '--' ? rest.slice(1) : rest;
  const mode = modeArg === 'unit' ? 'unit' : 'all';
  const started = Date.now();
  const stop = new AbortController();
  const runs = turboRuns(mode, ROOT, extra).map(async (args) => {
    const t0 = Date.now();
    const [cmd, ...argv] = turboCommand(mode, args, ROOT);
    const r = await runProcess(cmd!, argv, {
      cwd: ROOT,
      group: true,
      signal: stop.signal,
      graceMs: 30_000,
      onLine: (l) => process.stdout.write(`${l}\n`),
    });
    if (r.code !== 0 && !r.aborted) stop.abort(new Error(`turbo run ${args.join(' ')} failed`));
    return { args, code: r.code, aborted: r.aborted, seconds: (Date.now() - t0) / 1000 };
  });
  const results = await Promise.all(runs);
  const lines = results.map(
    (r) =>
      `turbo run ${r.args.join(' ')}: ${r.aborted ? 'stopped (another run failed)' : r.code === 0 ? 'passed' : 'FAILED'} in ${formatSeconds(r.seconds)}`,
  );
  process.stdout.write(
    `\n${lines.join('\n')}\n${mode === 'all' ? 'pnpm test' : 'pnpm test:unit'} took ${formatSeconds((Date.now() - started) / 1000)}\n\n`,
  );
  process.stdout.write(`${formatSlowest(slowest(readTimings(ROOT, started)))}\n`);
  return results.some((r) => r.code !== 0) ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
