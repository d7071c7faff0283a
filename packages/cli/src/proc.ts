/**
 * Running a step of a command as a child process (pnpm install, the launcher, vitest), its output
 * shown as it comes, failing with the command line and exit code when it fails.
 */
import { spawnSync } from 'node:child_process';

/** Run `cmd args` in `cwd`; throws if it cannot start or exits non-zero. `capture` returns stdout instead of showing it. */
export function runStep(
  cmd: string,
  args: readonly string[],
  cwd: string,
  opts: { capture?: boolean; env?: NodeJS.ProcessEnv } = {},
): string {
  const r = spawnSync(cmd, args, {
    cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')} could not start: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed with exit code ${r.status}${opts.capture ? `:\n${(r.stderr || r.stdout).trim()}` : ''}`,
    );
  return r.stdout ?? '';
}
