/**
 * For the end-to-end tests only: whether moto and Terraform are installed. Each probe runs the
 * tool once; every e2e file of the package starts at the same time (`test:e2e --maxWorkers`), and
 * on a loaded 2-core machine seven `moto_server --help` at once took more than 30 s (the Python
 * imports), which skipped the drills as if moto were missing. So the limit is far above that; under
 * `CI=true` a missing tool fails the tests instead of skipping them (each file's `skipIf`). Never
 * synchronous: a worker blocked that long fails the run ("Timeout calling onTaskUpdate").
 */
import { execFile } from 'node:child_process';
import { motoCommand } from './moto.js';

const PROBE_MS = 300_000;

const runs = (cmd: string, args: readonly string[]) =>
  new Promise<boolean>((resolve) => execFile(cmd, args, { timeout: PROBE_MS }, (error) => resolve(!error)));

/** `moto_server --help` exits 0. */
export const hasMoto = (): Promise<boolean> => runs(motoCommand(), ['--help']);

/** `terraform version` exits 0. */
export const hasTerraform = (): Promise<boolean> => runs('terraform', ['version']);
