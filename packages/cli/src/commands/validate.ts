import { dirname, relative } from 'node:path';
import pc from 'picocolors';
import { stackFile } from '@parity/synth/cache';
import { findPluginDir, initAndValidate, terraformVersion, type ValidateResult } from '../terraform.js';
import { synth } from './synth.js';

export interface ValidateFlags {
  pluginDir?: string;
  /** Environments validated at once. @default 2 */
  jobs?: number;
}

export interface EnvValidation {
  readonly env: string;
  readonly result: ValidateResult;
}

/**
 * Synthesize (incrementally) and run real `terraform init` + `terraform validate` on every AWS
 * environment. GCP environments are reported, not validated: no Google provider is available
 * offline; synth, the typed bindings and the bundle tests stand in for it.
 * Under CI=true a missing mirror is an error, never a skip.
 */
export async function validate(names: readonly string[], flags: ValidateFlags = {}, root?: string): Promise<EnvValidation[]> {
  const { root: rootDir, envs } = await synth(names, { quiet: true }, root);
  const aws = envs.filter((e) => e.cloud === 'aws');
  const gcp = envs.filter((e) => e.cloud === 'gcp');
  const version = await terraformVersion();
  const plugins = findPluginDir(flags.pluginDir);
  if (!plugins.dir && process.env.CI === 'true') {
    throw new Error(`CI=true and no provider mirror for hashicorp/aws 5.100.0 (${plugins.how}). Fix: set PARITY_TF_PLUGIN_DIR or pass --plugin-dir.`);
  }
  process.stdout.write(
    pc.dim(`terraform ${version}; providers from ${plugins.dir ? `${plugins.dir} (${plugins.how})` : `the registry (no local mirror: ${plugins.how})`}\n`),
  );
  const results: EnvValidation[] = [];
  const queue = [...aws];
  const jobs = Math.max(1, flags.jobs ?? 2);
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let env = queue.shift(); env; env = queue.shift()) {
        const file = stackFile(rootDir, env.name);
        const result = await initAndValidate(dirname(file), plugins.dir);
        results.push({ env: env.name, result });
        const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
        process.stdout.write(`${result.valid ? pc.green('✔ valid  ') : pc.red('✘ invalid')} ${env.name.padEnd(20)} ${pc.dim(relative(rootDir, file))}${warnings ? pc.yellow(` ${warnings} warning(s)`) : ''}\n`);
        for (const d of result.diagnostics) {
          const line = `    ${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ''}${d.detail ? `\n      ${d.detail.split('\n').join('\n      ')}` : ''}`;
          process.stdout.write(`${d.severity === 'error' ? pc.red(line) : pc.yellow(line)}\n`);
        }
      }
    }),
  );
  for (const e of gcp) {
    process.stdout.write(`${pc.dim('- not run')} ${e.name.padEnd(20)} ${pc.dim('GCP: no Google provider offline; covered by synth, typed bindings and bundle tests')}\n`);
  }
  results.sort((a, b) => a.env.localeCompare(b.env));
  const invalid = results.filter((r) => !r.result.valid);
  process.stdout.write(pc.dim(`${results.length - invalid.length}/${results.length} AWS environments valid; ${gcp.length} GCP not run\n`));
  if (invalid.length > 0) process.exitCode = 1;
  return results;
}
