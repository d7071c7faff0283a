/**
 * `pnpm promote <bundle>[@<version>] --to <env>`: pin an environment to a published version (the
 * newest, or the one `--from <env>` runs) and show what that does to its Terraform.
 */
import pc from 'picocolors';
import { findRoot } from '@parity/model';
import { formatDiff, promote as run } from '@parity/release';

export interface PromoteFlags {
  to: string;
  from?: string;
  allowMajor?: boolean;
  follow?: boolean;
  dryRun?: boolean;
}

/** `database`, `database@1.1.0` (or the package name, `@parity/bundle-database@1.1.0`). */
export function parseTarget(arg: string): { bundle: string; version?: string } {
  const at = arg.lastIndexOf('@');
  return at <= 0 ? { bundle: arg } : { bundle: arg.slice(0, at), version: arg.slice(at + 1) };
}

export async function promote(arg: string, flags: PromoteFlags, root = findRoot()): Promise<void> {
  const { bundle, version } = parseTarget(arg);
  const r = await run({
    root,
    bundle,
    version,
    to: flags.to,
    from: flags.from,
    allowMajor: flags.allowMajor,
    follow: flags.follow,
    dryRun: flags.dryRun,
  });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const state = (v: { version: string; pinned: boolean }) => `${v.version} ${pc.dim(v.pinned ? '(pinned)' : '(follows the workspace)')}`;
  say(`${pc.bold(r.env)}: ${r.bundle} ${state(r.from)} → ${state(r.to)} ${pc.dim(`— ${r.reason}`)}`);
  if (r.before.length)
    say(pc.yellow(`  before: ${r.env} does not resolve (${r.before.map((i) => i.message).join('; ')}); after the promotion it does`));
  if (!r.beforeBuilt) say(pc.yellow(`  before: ${r.env} could not be synthesized, so every resource shows as added`));
  if (!r.manifestChanged) say(pc.dim(`  ${r.file} already says so; nothing to write`));
  else
    say(
      `  ${r.file}: ${r.to.pinned ? `bundles.${r.bundle}: ${r.to.version}` : `bundles.${r.bundle} removed`}${r.written ? '' : pc.cyan(' (dry run: not written)')}`,
    );
  say(pc.bold('  Terraform, by address:'));
  for (const l of formatDiff(r.diff)) {
    const colour = l.startsWith('+ ') ? pc.green : l.startsWith('- ') ? pc.red : l.startsWith('~ ') ? pc.yellow : pc.dim;
    say(`    ${colour(l)}`);
  }
  for (const o of r.related) {
    if (o.version !== r.to.version)
      say(
        pc.yellow(`  ${o.env} recovers ${r.env} and runs ${r.bundle} ${o.version}: pnpm promote ${r.bundle}@${r.to.version} --to ${o.env}`),
      );
  }
  if (r.written) say(pc.dim(`  next: pnpm synth ${r.env} && pnpm check, then commit ${r.file}`));
}
