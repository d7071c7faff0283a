/**
 * Running the real Terraform CLI offline: `terraform init` from a local provider mirror
 * (a `-plugin-dir`), then `terraform validate`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runTerraform, terraformEnv, terraformInitArgs } from '@parity/io';
import { providerMirror, refuse } from '@parity/model';

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
      const where = flag ? '--plugin-dir' : 'PARITY_TF_PLUGIN_DIR';
      const message = `${where}=${explicit} does not hold ${AWS_PROVIDER.source} ${AWS_PROVIDER.version} for ${PLATFORM}`;
      const expected = `a folder holding ${join(explicit, AWS_PROVIDER.source, AWS_PROVIDER.version, PLATFORM)}`;
      refuse('no usable provider mirror', providerMirror(where, explicit, message, 'point it at a filesystem mirror that does', expected));
    }
    return { dir: explicit, how: flag ? '--plugin-dir' : 'PARITY_TF_PLUGIN_DIR' };
  }
  const found = PLUGIN_DIR_CANDIDATES.find(hasAwsProvider);
  return found ? { dir: found, how: 'found' } : { how: `searched ${PLUGIN_DIR_CANDIDATES.join(', ')}` };
}

/** Under CI=true Terraform runs offline only: no provider mirror is a refusal, never a download. */
export function refuseMissingMirrorUnderCi(choice: PluginDirChoice): void {
  if (choice.dir || process.env.CI !== 'true') return;
  const message = `CI=true and no provider mirror for ${AWS_PROVIDER.source} ${AWS_PROVIDER.version} (${choice.how})`;
  refuse('no provider mirror', providerMirror('PARITY_TF_PLUGIN_DIR', undefined, message, 'set PARITY_TF_PLUGIN_DIR or pass --plugin-dir'));
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
  const init = await runTerraform(terraformInitArgs({ backend: false, pluginDir }), dir, env);
  if (init.code !== 0) {
    return {
      valid: false,
      diagnostics: [{ severity: 'error', summary: 'terraform init failed', detail: (init.stderr || init.stdout).trim() }],
    };
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
