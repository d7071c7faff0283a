import { dirname, relative } from 'node:path';
import pc from 'picocolors';
import { flagMisuse, loadWorkspace, refuseOne, resolveEnvironments, type ResolvedEnvironment, type Workspace } from '@parity/model';
import { bootstrapOptions, InputHasher, isUpToDate, stackFile } from '@parity/synth/cache';
import type { SynthResult } from '@parity/synth';
import { failOnErrors } from '../report.js';
import { npmInstaller } from '@parity/release/install';

export interface SynthFlags {
  force?: boolean;
  quiet?: boolean;
  /** Worker threads; by default workerCount() of the environments to synthesize. */
  jobs?: number;
  /** Synthesize the bootstrap stacks (state buckets, CI identities) instead of environments. */
  bootstrap?: boolean;
}

/** `pnpm synth --bootstrap`: one stack per cloud the fleet uses, from every environment (it needs them all). */
export async function synthBootstrapCommand(names: readonly string[], root?: string): Promise<string[]> {
  if (names.length > 0) {
    refuseOne(
      flagMisuse(
        '--bootstrap',
        names.join(' '),
        'pnpm synth --bootstrap takes no environment names: the bootstrap covers the whole fleet',
        'pnpm synth --bootstrap (every environment), or pnpm synth <env...> (those environments)',
        `pnpm synth --bootstrap, without ${names.join(' ')}`,
      ),
    );
  }
  const { ws, envs } = await resolveOrFail([], root);
  const { synthBootstrap } = await import('@parity/synth/bootstrap');
  const files = synthBootstrap(ws.root, ws.definition.data.platform, envs, bootstrapOptions(ws.definition.data, ws.bundles.values()));
  for (const f of files) process.stdout.write(`${pc.green('✔')} ${f}\n`);
  process.stdout.write(
    pc.dim(
      `Apply it by hand (docs/bootstrap.md): cd ${files[0] ? dirname(files[0]) : 'bootstrap/<cloud>/cdktf.out/stacks/bootstrap-<cloud>'} && terraform init && terraform apply -var github_repository=<owner>/<name>\n`,
    ),
  );
  return files;
}

/** Resolve the named environments (all if none), failing with every problem. */
export async function resolveOrFail(
  names: readonly string[],
  root?: string,
): Promise<{ root: string; envs: ResolvedEnvironment[]; ws: Workspace }> {
  const ws = await loadWorkspace(root, { installer: npmInstaller });
  const { envs, issues } = resolveEnvironments(ws, names);
  failOnErrors(issues, names.length ? `cannot resolve ${names.join(', ')}` : 'the workspace has problems');
  return { root: ws.root, envs, ws };
}

/**
 * Synthesize environments: in this process, or for a large fleet on one worker thread per core.
 * Up-to-date environments are recognised before cdktf is loaded, so an unchanged fleet returns
 * at once.
 */
export async function synth(
  names: readonly string[],
  flags: SynthFlags = {},
  root?: string,
): Promise<{ root: string; envs: ResolvedEnvironment[]; results: SynthResult[] }> {
  const started = performance.now();
  const { root: r, envs } = await resolveOrFail(names, root);
  const hasher = new InputHasher(r);
  const stale = flags.force ? envs : envs.filter((e) => !isUpToDate(r, e.name, hasher.envHash(e)));
  const say = (s: string) => flags.quiet || process.stdout.write(s);
  const results: SynthResult[] = [];
  let threads = 1;
  if (stale.length > 0) {
    const { synthFleet, workerCount } = await import('@parity/synth/parallel');
    threads = Math.min(flags.jobs ?? workerCount(stale.length), stale.length);
    results.push(
      ...(await synthFleet(r, stale, {
        force: true,
        hasher,
        jobs: threads,
        onResult: (res) => say(`${pc.green('✔')} ${res.env.padEnd(20)} ${relative(r, res.file)} ${pc.dim(`${res.ms.toFixed(0)} ms`)}\n`),
      })),
    );
  }
  for (const e of envs) if (!stale.includes(e)) results.push({ env: e.name, file: stackFile(r, e.name), status: 'unchanged', ms: 0 });
  for (const e of envs)
    if (!stale.includes(e)) say(`${pc.dim('·')} ${e.name.padEnd(20)} ${pc.dim(`unchanged (${relative(r, stackFile(r, e.name))})`)}\n`);
  say(
    pc.dim(
      `${stale.length} synthesized${threads > 1 ? ` on ${threads} worker threads` : ''}, ${envs.length - stale.length} unchanged in ${(performance.now() - started).toFixed(0)} ms\n`,
    ),
  );
  return { root: r, envs, results };
}
