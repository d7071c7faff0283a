/**
 * The one vitest configuration of every package: two projects and a reporter.
 *
 * - `unit`: every `*.test.ts` but the end-to-end files: real synth, real `terraform validate`, the
 *   command line run as users run it. Those files wait on the child processes they start as much as
 *   they compute, so a package's files run on UNIT_MIN_WORKERS workers at least (vitest's default is
 *   one per spare core: one on the 2-core machines CI uses, which ran the command line's 26 files one
 *   after the other, 7.6 min where two workers take 5.8). A package's `test` script.
 * - `e2e`: `*.e2e.test.ts`, the files that start a server of their own (an emulator, a registry, a
 *   browser, a pseudo-terminal) on a free port, in a work folder of their own, and then mostly wait.
 *   Nothing in them is shared, so they run side by side: a package's `test:e2e` script runs them
 *   with `--maxWorkers=<its number of e2e files>`, at most E2E_MAX_WORKERS (on 2 cores vitest's
 *   default is one worker, which ran the drills one after the other; eight at once beside the other
 *   packages' files starved a registry's start past its hook timeout). A file whose header says
 *   `@runsAlone <n> min` starts before the others, the longest first (sequencer.ts).
 *
 * Before each test, one turn of the event loop (setup.ts). The reporter records how long each test file took (see timings.ts): `pnpm test` lists the ten
 * slowest at its end.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';
import { LongestFirst } from './sequencer.js';
import { Timings } from './timings.js';

/** The end-to-end files: one naming convention for emulator, registry, browser and terminal tests. */
export const E2E_FILES = '**/*.e2e.test.ts';

/** The fewest workers a package's unit files run on (more where the machine has more spare cores). */
export const UNIT_MIN_WORKERS = 2;

/** The most end-to-end files one package runs at once (its `test:e2e --maxWorkers`). */
export const E2E_MAX_WORKERS = 4;

export interface SuiteOptions {
  /** Per test, in ms: far above what the slowest takes on a busy 2-core machine. */
  readonly testTimeout: number;
  /** Per hook, in ms (default: the test timeout). */
  readonly hookTimeout?: number;
  /** Files run before each test file (relative to the package). */
  readonly setupFiles?: readonly string[];
}

/** A package's vitest configuration: its timeouts, the `unit` and `e2e` projects, the timings reporter. */
export function parityVitest(options: SuiteOptions): ViteUserConfig {
  return defineConfig({
    test: {
      testTimeout: options.testTimeout,
      // the unit project's workers (a package's `test:e2e` script sets its own with --maxWorkers)
      maxWorkers: Math.max(UNIT_MIN_WORKERS, availableParallelism() - 1),
      hookTimeout: options.hookTimeout ?? options.testTimeout,
      // one turn of the event loop before each test (setup.ts): a busy machine never fails a passing run
      setupFiles: [fileURLToPath(new URL('./setup.ts', import.meta.url)), ...(options.setupFiles ?? [])],
      reporters: ['default', new Timings()],
      // files that declare a long run (`@runsAlone <n> min`) start first, the longest first (sequencer.ts)
      sequence: { sequencer: LongestFirst },
      projects: [
        { extends: true, test: { name: 'unit', include: ['**/*.test.ts'], exclude: [...configDefaults.exclude, E2E_FILES] } },
        // forks: each file in a process of its own, whose servers and children die with it
        { extends: true, test: { name: 'e2e', include: [E2E_FILES], exclude: [...configDefaults.exclude], pool: 'forks' } },
      ],
    },
  });
}
