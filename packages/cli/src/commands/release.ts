/**
 * `pnpm release`: changesets → versions and changelogs, then publish the bundles (and what they
 * need at run time) that the registry does not have yet.
 */
import pc from 'picocolors';
import { findRoot, issue, ParityError } from '@parity/model';
import { RegistryError, release as run } from '@parity/release';

/** A registry problem, reported like every other: file, field, value, fix. */
export function registryProblem(e: unknown, headline: string): unknown {
  if (!(e instanceof RegistryError)) return e;
  return new ParityError([issue({ kind: 'schema', file: '.npmrc', path: '@parity:registry', value: e.registry, message: e.message.split('\nFix: ')[0]!, fix: e.fix })], headline);
}

export interface ReleaseFlags {
  dryRun?: boolean;
  version?: boolean;
}

export async function release(flags: ReleaseFlags, root = findRoot()): Promise<void> {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const r = await run({ root, dryRun: flags.dryRun, version: flags.version, log: (l) => say(pc.dim(l)) }).catch((e: unknown) => {
    throw registryProblem(e, 'cannot release');
  });
  if (flags.dryRun) {
    say(`${pc.cyan('dry run')}: ${r.published.length ? `would publish ${r.published.join(', ')}` : 'nothing to publish'} to ${r.registry}`);
    return;
  }
  for (const p of r.published) say(`${pc.green('✔')} published ${p}`);
  if (r.unchanged.length) say(pc.dim(`already in the registry: ${r.unchanged.join(', ')}`));
  if (r.published.length === 0) say(`${pc.green('✔')} nothing to publish: ${r.registry} has every bundle at its workspace version`);
  if (r.versioned.length) say(pc.yellow(`commit the new versions and changelogs: git add -A && git commit -m "Release ${r.versioned.join(', ')}"`));
}
