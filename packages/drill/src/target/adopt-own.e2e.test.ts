/**
 * A create the emulator carried out for a request whose answer was lost: the AWS SDK retries it and
 * the emulator refuses the retry as already existing (seen once in a full run: `aws_kms_alias`,
 * `CreateAlias: AlreadyExistsException`, on a moto the drill had just started). The test makes the
 * key with Terraform and its alias through the API, which is what the lost request left behind,
 * then applies with real Terraform against a real moto.
 *
 * Needs moto_server (moto 5.2.1) and terraform: skipped locally without them, FAILS under CI=true.
 */
import { hasMoto as probeMoto, hasTerraform as probeTerraform } from './testing.js';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAliasCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { runTerraform, terraformEnv } from '@parity/io';
import type { TerraformJson } from '@parity/model/terraform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients } from '@parity/dr/aws';
import { overrideFor } from './emulator.js';
import { motoCommand, startMoto, type Moto } from './moto.js';
import { ParityError } from '@parity/model';
import { apply, diagnosticsOf, init, pendingChanges, stateResources, type TfContext } from './terraform.js';

const CI = process.env.CI === 'true';
const hasMoto = await probeMoto();
const hasTerraform = await probeTerraform();
const pluginDir = process.env.PARITY_TF_PLUGIN_DIR ?? (existsSync('/opt/tf-plugins') ? '/opt/tf-plugins' : undefined);
const REGION = 'eu-west-1';

/** A key and its alias, as a bundle writes them. */
function document(alias: string): TerraformJson {
  return {
    terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } } },
    provider: { aws: [{ region: REGION }] },
    resource: {
      aws_kms_key: { backup_key: { description: 'backup vault key', deletion_window_in_days: 7 } },
      aws_kms_alias: { 'backup_key-alias': { name: alias, target_key_id: '${aws_kms_key.backup_key.key_id}' } },
    },
  };
}

describe.skipIf(!(hasMoto && hasTerraform) && !CI)('apply on an emulator of the drill’s own: a create whose answer was lost', () => {
  let moto: Moto | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    if (!hasMoto) throw new Error(`${motoCommand()} is not on PATH. Fix: pip install 'moto[server]==5.2.1'.`);
    if (!hasTerraform) throw new Error('terraform is not on PATH. Fix: install Terraform >= 1.5.');
    const log = mkdtempSync(join(tmpdir(), 'parity-adopt-'));
    dirs.push(log);
    moto = await startMoto({ log: join(log, 'moto.log') });
  });
  afterAll(async () => {
    await moto?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A work folder holding the document and the drill's override for this moto; initialised. */
  async function workFolder(alias: string, ownEmulator: boolean): Promise<{ dir: string; ctx: TfContext }> {
    const dir = mkdtempSync(join(tmpdir(), 'parity-adopt-'));
    dirs.push(dir);
    const json = document(alias);
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(json, null, 2));
    writeFileSync(
      join(dir, 'parity_drill_override.tf.json'),
      JSON.stringify(overrideFor(json, { endpoint: moto!.url, statePath: 'terraform.tfstate' }), null, 2),
    );
    const ctx: TfContext = { env: terraformEnv(), pluginDir, graceMs: 3000, ownEmulator };
    await init(dir, ctx, 'adopt test');
    return { dir, ctx };
  }

  /**
   * What the lost request left behind: Terraform has created the key, and the alias exists on it
   * in the emulator but not in Terraform's state. Returns the key's ID.
   */
  async function leftBehind(dir: string, ctx: TfContext, alias: string): Promise<string> {
    const r = await runTerraform(['apply', '-auto-approve', '-input=false', '-no-color', '-target=aws_kms_key.backup_key'], dir, ctx.env);
    expect(r.code, r.stderr).toBe(0);
    const key = stateResources(dir).find((s) => s.type === 'aws_kms_key')!.values.key_id as string;
    await clients(REGION, moto!.url).kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key }));
    return key;
  }

  async function aliasTargets(alias: string): Promise<Array<string | undefined>> {
    const aliases = await clients(REGION, moto!.url).kms.send(new ListAliasesCommand({}));
    return aliases.Aliases!.filter((a) => a.AliasName === alias).map((a) => a.TargetKeyId);
  }

  it('imports the alias, applies again, and says so; the alias ends on the key Terraform manages and nothing is pending', async () => {
    const alias = 'alias/acme-prod-use1-backup';
    const { dir, ctx } = await workFolder(alias, true);
    const key = await leftBehind(dir, ctx, alias);
    const r = await apply(dir, ctx, 'adopt test');
    expect(r.adopted).toEqual([{ address: 'aws_kms_alias.backup_key-alias', id: alias }]);
    const state = stateResources(dir);
    expect(state.filter((s) => s.type === 'aws_kms_key').map((s) => s.values.key_id)).toEqual([key]);
    expect(state.filter((s) => s.type === 'aws_kms_alias').map((s) => [s.values.name, s.values.target_key_id])).toEqual([[alias, key]]);
    expect(await aliasTargets(alias)).toEqual([key]);
    expect(await pendingChanges(dir, ctx, 'adopt test')).toEqual([]);
  }, 600_000);

  it('on an emulator the drill did not start (--endpoint, --aws) the refusal stands', async () => {
    const alias = 'alias/acme-prod-euw1-backup';
    const { dir, ctx } = await workFolder(alias, false);
    const key = await leftBehind(dir, ctx, alias);
    const failed = await apply(dir, ctx, 'adopt test').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(ParityError);
    expect((failed as ParityError).kinds).toEqual(['terraform-failed']);
    expect(diagnosticsOf(failed).join('\n')).toMatch(/^aws_kms_alias\.backup_key-alias: creating .*AlreadyExistsException/m);
    expect(stateResources(dir).some((s) => s.type === 'aws_kms_alias')).toBe(false);
    expect(await aliasTargets(alias)).toEqual([key]);
  }, 600_000);
});
