/**
 * For the end-to-end tests only: whether moto and Terraform are installed. Each probe runs the
 * tool once; every e2e file of the package starts at the same time (`test:e2e --maxWorkers`), and
 * on a loaded 2-core machine seven `moto_server --help` at once took more than 30 s (the Python
 * imports), which skipped the drills as if moto were missing. So the limit is far above that; under
 * `CI=true` a missing tool fails the tests instead of skipping them (each file's `skipIf`).
 */
import { spawnSync } from 'node:child_process';
import { motoCommand } from './moto.js';

const PROBE_MS = 300_000;

const runs = (cmd: string, args: readonly string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: PROBE_MS }).status === 0;

/** `moto_server --help` exits 0. */
export const hasMoto = (): boolean => runs(motoCommand(), ['--help']);

/** `terraform version` exits 0. */
export const hasTerraform = (): boolean => runs('terraform', ['version']);
