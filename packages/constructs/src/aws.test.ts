import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktn';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { AWS_PAIR, type Block, resolveFixture, resources } from '@parity/synth/testing';
import type { TerraformJson } from '@parity/model/terraform';
import { namer, type DeployContext } from '@parity/model';
import { awsKey, KEY_DELETION_WINDOW_DAYS } from './aws.js';

const env = (await resolveFixture(AWS_PAIR)).get('prod-use1')!;

/** Keys made by `build` in a bundle scope named `bundle`, synthesized. */
function synth(build: (scope: Construct, ctx: DeployContext<unknown>, stack: TerraformStack) => void): TerraformJson {
  const stack = new TerraformStack(Testing.app(), env.name);
  new AwsProvider(stack, 'aws', { region: env.region });
  const ctx: DeployContext<unknown> = {
    env,
    bundle: env.bundles[0]!,
    params: {},
    inputs: {},
    name: namer(env.platform, env.name),
    tags: {},
    providerFor: () => undefined,
  };
  build(new Construct(stack, 'bundle'), ctx, stack);
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/** The Terraform names of a type's resources without the hash the core appends: the construct path below the stack. */
const ids = (json: TerraformJson, type: string) =>
  Object.keys(resources(json, type))
    .map((id) => id.replace(/_[0-9A-F]{8}$/, ''))
    .sort();

const only = (json: TerraformJson, type: string): [string, Block] => {
  const all = Object.entries(resources(json, type));
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe('awsKey', () => {
  it('makes a rotating key with a 30-day deletion window and an alias named by the naming helper', () => {
    const json = synth((scope, ctx) => awsKey(scope, 'key', ctx, { purpose: 'queue messages', alias: ['queue'] }));
    const [keyId, key] = only(json, 'aws_kms_key');
    expect(key).toEqual({
      description: `${env.platform} ${env.name}: queue messages`,
      enable_key_rotation: true,
      deletion_window_in_days: KEY_DELETION_WINDOW_DAYS,
    });
    const [, alias] = only(json, 'aws_kms_alias');
    expect(alias['name']).toBe(`alias/${namer(env.platform, env.name)('aws.kmsAlias', 'queue')}`);
    expect(alias['target_key_id']).toBe(`\${aws_kms_key.${keyId}.key_id}`);
  });

  // Construct IDs are public API: a key whose address changes is replaced, and what it encrypted is lost.
  it('keeps the construct IDs the bundles gave their keys: <id> and <id>-alias, or the alias ID given', () => {
    const json = synth((scope, ctx) => {
      awsKey(scope, 'key', ctx, { purpose: 'a', alias: ['a'] });
      awsKey(scope, 'copy-key-us-west-2', ctx, { purpose: 'b', alias: ['b', 'copy', 'us-west-2'], aliasId: 'copy-key-alias-us-west-2' });
    });
    expect(ids(json, 'aws_kms_key')).toEqual(['bundle_copy-key-us-west-2', 'bundle_key']);
    expect(ids(json, 'aws_kms_alias')).toEqual(['bundle_copy-key-alias-us-west-2', 'bundle_key-alias']);
  });

  it('puts the key and its alias in the region of the provider given, with the policy and deletion window given', () => {
    const json = synth((scope, ctx, stack) => {
      const west = new AwsProvider(stack, 'aws_us_west_2', { region: 'us-west-2', alias: 'us_west_2' });
      awsKey(scope, 'key', ctx, {
        purpose: 'p',
        alias: ['p'],
        provider: west,
        policy: '{"Version":"2012-10-17"}',
        deletionWindowInDays: 7,
      });
    });
    const [, key] = only(json, 'aws_kms_key');
    const [, alias] = only(json, 'aws_kms_alias');
    expect(key).toMatchObject({ provider: 'aws.us_west_2', policy: '{"Version":"2012-10-17"}', deletion_window_in_days: 7 });
    expect(alias['provider']).toBe('aws.us_west_2');
  });
});
