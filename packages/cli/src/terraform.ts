/**
 * Running the real Terraform CLI offline: `terraform init` from a local provider mirror
 * (a `-plugin-dir`), then `terraform validate`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The AWS provider version @cdktf/provider-aws 20.1.0 is built for. */
export const AWS_PROVIDER = { source: 'registry.terraform.io/hashicorp/aws', version: '5.100.0' } as const;

const PLATFORM = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;

/** Where provider mirrors are commonly found, after `--plugin-dir` and `$PARITY_TF_PLUGIN_DIR`. */
export const PLUGIN_DIR_CANDIDATES = [
  '/opt/tf-plugins',
  join(homedir(), '.terraform.d', 'plugins'),
  join(homedir(), '.local', 'share', 'terraform', 'plugins'),
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
];

/** Whether `dir` holds the AWS provider in the unpacked mirror layout for this platform. */
export function hasAwsProvider(dir: string): boolean {
  return existsSync(join(dir, AWS_PROVIDER.source, AWS_PROVIDER.version, PLATFORM));
}

export interface PluginDirChoice {
  readonly dir?: string;
  /** Where it came from, or what was searched. */
  readonly how: string;
}

/** Find the provider mirror: the flag, then `$PARITY_TF_PLUGIN_DIR`, then the usual places. */
export function findPluginDir(flag?: string): PluginDirChoice {
  const explicit = flag ?? process.env.PARITY_TF_PLUGIN_DIR;
  if (explicit) {
    if (!hasAwsProvider(explicit)) {
      throw new Error(
        `${flag ? '--plugin-dir' : 'PARITY_TF_PLUGIN_DIR'}=${explicit} does not hold ${AWS_PROVIDER.source} ${AWS_PROVIDER.version} for ${PLATFORM} ` +
          `(expected ${join(explicit, AWS_PROVIDER.source, AWS_PROVIDER.version, PLATFORM)}). Fix: point it at a filesystem mirror that does.`,
      );
    }
    return { dir: explicit, how: flag ? '--plugin-dir' : 'PARITY_TF_PLUGIN_DIR' };
  }
  const found = PLUGIN_DIR_CANDIDATES.find(hasAwsProvider);
  return found ? { dir: found, how: 'found' } : { how: `searched ${PLUGIN_DIR_CANDIDATES.join(', ')}` };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI config that adds nothing, for when TF_CLI_CONFIG_FILE names a file that does not exist. */
let emptyConfig: string | undefined;

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

export function runTerraform(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, { cwd, env: env ?? terraformEnv(), stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error('terraform is not on PATH. Fix: install Terraform >= 1.5 (this project is tested with 1.11).') : e),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export async function terraformVersion(): Promise<string> {
  const r = await runTerraform(['version', '-json'], process.cwd());
  return (JSON.parse(r.stdout) as { terraform_version: string }).terraform_version;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
}

export interface ValidateResult {
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

/** `terraform init -backend=false` (from the mirror, if given) and `terraform validate -json` in `dir`. */
export async function initAndValidate(dir: string, pluginDir?: string): Promise<ValidateResult> {
  const env = terraformEnv();
  const init = await runTerraform(['init', '-backend=false', '-input=false', '-no-color', ...(pluginDir ? [`-plugin-dir=${pluginDir}`] : [])], dir, env);
  if (init.code !== 0) {
    return { valid: false, diagnostics: [{ severity: 'error', summary: 'terraform init failed', detail: (init.stderr || init.stdout).trim() }] };
  }
  const v = await runTerraform(['validate', '-json', '-no-color'], dir, env);
  const parsed = JSON.parse(v.stdout) as {
    valid: boolean;
    diagnostics: Array<{ severity: 'error' | 'warning'; summary: string; detail?: string; address?: string }>;
  };
  return {
    valid: parsed.valid,
    diagnostics: parsed.diagnostics.map((d) => ({ severity: d.severity, summary: d.summary, detail: d.detail, address: d.address })),
  };
}
