import { join, relative } from 'node:path';
import pc from 'picocolors';
import { terraformVersion } from '@parity/io';
import { stackFile } from '@parity/synth/cache';
import { findPluginDir, refuseMissingMirrorUnderCi, type ValidateResult } from '../terraform.js';
import { ENVS_PER_ROOT, validateRoot } from '../validate-fleet.js';
import { synth } from './synth.js';

export interface ValidateFlags {
  pluginDir?: string;
  /** Terraform processes at once, each validating up to ENVS_PER_ROOT environments with one provider process. @default 1 */
  jobs?: number;
}

export interface EnvValidation {
  readonly env: string;
  readonly result: ValidateResult;
}

/**
 * Synthesize (incrementally) and run real `terraform init` + `terraform validate` on every AWS
 * environment, the whole fleet in as few Terraform roots as memory allows (validate-fleet.ts);
 * the roots live in .parity/validate/ between runs. GCP environments are reported, not validated: no Google provider is available
 * offline; synth, the typed bindings and the bundle tests stand in for it.
 * Under CI=true a missing mirror is an error, never a skip.
 */
export async function validate(names: readonly string[], flags: ValidateFlags = {}, root?: string): Promise<EnvValidation[]> {
  const { root: rootDir, envs } = await synth(names, { quiet: true }, root);
  const aws = envs.filter((e) => e.cloud === 'aws');
  const gcp = envs.filter((e) => e.cloud === 'gcp');
  const version = await terraformVersion();
  const plugins = findPluginDir(flags.pluginDir);
  refuseMissingMirrorUnderCi(plugins);
  process.stdout.write(
    pc.dim(
      `terraform ${version}; providers from ${plugins.dir ? `${plugins.dir} (${plugins.how})` : `the registry (no local mirror: ${plugins.how})`}\n`,
    ),
  );
  const results: EnvValidation[] = [];
  const batches = Array.from({ length: Math.ceil(aws.length / ENVS_PER_ROOT) }, (_, i) =>
    aws.slice(i * ENVS_PER_ROOT, (i + 1) * ENVS_PER_ROOT),
  );
  const queue = batches.map((b, i) => ({ i, b }));
  const jobs = Math.max(1, flags.jobs ?? 1);
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const members = next.b.map((e) => ({ env: e.name, file: stackFile(rootDir, e.name) }));
        const byEnv = await validateRoot(join(rootDir, '.parity', 'validate', String(next.i)), members, plugins.dir);
        for (const m of members) results.push({ env: m.env, result: byEnv.get(m.env)! });
      }
    }),
  );
  results.sort((a, b) => a.env.localeCompare(b.env));
  for (const { env, result } of results) printResult(rootDir, env, result);
  for (const e of gcp) {
    process.stdout.write(
      `${pc.dim('- not run')} ${e.name.padEnd(20)} ${pc.dim('GCP: no Google provider offline; covered by synth, typed bindings and bundle tests')}\n`,
    );
  }
  const invalid = results.filter((r) => !r.result.valid);
  process.stdout.write(pc.dim(`${results.length - invalid.length}/${results.length} AWS environments valid; ${gcp.length} GCP not run\n`));
  if (invalid.length > 0) process.exitCode = 1;
  return results;
}

function printResult(rootDir: string, env: string, result: ValidateResult): void {
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
  const file = relative(rootDir, stackFile(rootDir, env));
  process.stdout.write(
    `${result.valid ? pc.green('✔ valid  ') : pc.red('✘ invalid')} ${env.padEnd(20)} ${pc.dim(file)}${warnings ? pc.yellow(` ${warnings} warning(s)`) : ''}\n`,
  );
  for (const d of result.diagnostics) {
    const line = `    ${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ''}${d.detail ? `\n      ${d.detail.split('\n').join('\n      ')}` : ''}`;
    process.stdout.write(`${d.severity === 'error' ? pc.red(line) : pc.yellow(line)}\n`);
  }
}
