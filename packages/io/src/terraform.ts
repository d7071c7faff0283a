/** Running the Terraform CLI: its environment, the runner, its version. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProcessOptions, type ProcessResult, runProcess } from './process.js';

/** How to get Terraform, said whenever it is missing. */
export const TERRAFORM_FIX = 'install Terraform >= 1.5 (this project is tested with 1.11)';

/** A CLI config that adds nothing, for when TF_CLI_CONFIG_FILE names a file that does not exist. */
let emptyConfig: string | undefined;

/**
 * The environment Terraform runs in: no prompts, no update checks, and an empty CLI config in place
 * of a TF_CLI_CONFIG_FILE that does not exist (Terraform would warn on every run).
 */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', ...extra };
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) {
    emptyConfig ??= (() => {
      const f = join(mkdtempSync(join(tmpdir(), 'parity-tf-')), 'terraformrc');
      writeFileSync(f, '# empty: TF_CLI_CONFIG_FILE pointed at a missing file\n');
      return f;
    })();
    env.TF_CLI_CONFIG_FILE = emptyConfig;
  }
  return env;
}

/**
 * Run `terraform <args>` in `cwd`; a missing terraform is refused with the fix. `more`: the rest of
 * `runProcess`'s options (a process group, a log, output lines, an abort signal).
 */
export function runTerraform(
  args: readonly string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
  more: Omit<ProcessOptions, 'cwd' | 'env' | 'missingFix'> = {},
): Promise<ProcessResult> {
  return runProcess('terraform', args, { ...more, cwd, env: env ?? terraformEnv(), missingFix: TERRAFORM_FIX });
}

/**
 * The arguments of `terraform init`, the one place they are built: never prompting, plain output,
 * providers from the local mirror when `pluginDir` is given (no registry), and `-backend=false`
 * when the configuration's backend must not be initialised (`terraform validate`).
 */
export function terraformInitArgs(opts: { readonly pluginDir?: string; readonly backend?: boolean } = {}): string[] {
  return [
    'init',
    ...(opts.backend === false ? ['-backend=false'] : []),
    '-input=false',
    '-no-color',
    ...(opts.pluginDir ? [`-plugin-dir=${opts.pluginDir}`] : []),
  ];
}

/** The version of the terraform on PATH (`1.11.4`). */
export async function terraformVersion(env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await runTerraform(['version', '-json'], process.cwd(), env);
  return (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
}
