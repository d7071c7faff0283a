/**
 * `pnpm release`: changesets → versions and changelogs, then publish the bundles (and what they
 * need at run time) that the registry does not have yet.
 */
import pc from 'picocolors';
import { findRoot } from '@parity/model';
import { release as run } from '@parity/release';

export interface ReleaseFlags {
  dryRun?: boolean;
  version?: boolean;
}

export async function release(flags: ReleaseFlags, root = findRoot()): Promise<void> {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const r = await run({ root, dryRun: flags.dryRun, version: flags.version, log: (l) => say(pc.dim(l)) });
  if (flags.dryRun) {
    say(`${pc.cyan('dry run')}: ${r.published.length ? `would publish ${r.published.join(', ')}` : 'nothing to publish'} to ${r.registry}`);
    return;
  }
  for (const p of r.published) say(`${pc.green('✔')} published ${p}`);
  if (r.unchanged.length) say(pc.dim(`already in the registry: ${r.unchanged.join(', ')}`));
  if (r.published.length === 0) say(`${pc.green('✔')} nothing to publish: ${r.registry} has every bundle at its workspace version`);
  if (r.versioned.length)
    say(pc.yellow(`commit the new versions and changelogs: git add -A && git commit -m "Release ${r.versioned.join(', ')}"`));
}
