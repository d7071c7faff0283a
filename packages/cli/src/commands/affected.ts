import pc from 'picocolors';
import { findRoot } from '@parity/model';
import { npmInstaller } from '@parity/release/install';
import { affectedEnvironments, matrixOf } from '../affected.js';

export interface AffectedFlags {
  base?: string;
  all?: boolean;
  head?: string;
  json?: boolean;
}

/** Print the affected environments with their reasons, or (`--json`) the GitHub Actions matrix. Exit 0 either way. */
export async function affected(flags: AffectedFlags, root = findRoot()): Promise<void> {
  if (!flags.base === !flags.all) {
    process.stderr.write('error: name either --base <ref> or --all\n');
    process.exitCode = 2;
    return;
  }
  const envs = await affectedEnvironments(root, flags.all ? undefined : flags.base, flags.head ?? 'HEAD', { installer: npmInstaller });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(matrixOf(envs))}\n`);
    return;
  }
  for (const e of envs) {
    process.stdout.write(
      `${pc.bold(e.env.padEnd(20))} ${e.cloud} ${e.region.padEnd(16)} ${e.role}${e.strategy ? ` (${e.strategy})` : ''}\n`,
    );
    for (const r of e.reasons) process.stdout.write(`  ${pc.dim(`${r.kind}:`)} ${r.detail}\n`);
  }
  process.stdout.write(
    pc.dim(
      `${envs.length} environment${envs.length === 1 ? '' : 's'} ${flags.all ? `at ${flags.head ?? 'HEAD'}` : `affected between ${flags.base} and ${flags.head ?? 'HEAD'}`}\n`,
    ),
  );
}
