/**
 * The customer-managed KMS key every AWS bundle encrypts its data with: a key that rotates, and
 * an alias named by the one naming helper, so that a key is found by name in the console and in
 * a runbook. Written once here; five bundles used to write it themselves.
 *
 * Construct IDs are public API: the key is `<id>` and its alias `<id>-alias` (or `aliasId`), in
 * the scope the bundle passes, exactly where the bundles created them before, so no applied key is
 * replaced. `aws.test.ts` pins them.
 */
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import type { TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import type { DeployContext } from '@parity/model';

/** What a bundle says about one of its keys. */
export interface AwsKeyProps {
  /** What the key encrypts: its description reads `<platform> <environment>: <purpose>`. */
  readonly purpose: string;
  /**
   * The alias's name parts after the kind: the alias is `alias/<ctx.name('aws.kmsAlias', ...alias)>`,
   * for example `['database']` or `['backup', 'copy', region]`.
   */
  readonly alias: readonly [string, ...string[]];
  /** The alias's construct ID. @default `<id>-alias` */
  readonly aliasId?: string;
  /** Another region's provider (`ctx.providerFor(region)`), for a key kept there. @default - the environment's own provider */
  readonly provider?: TerraformProvider;
  /** The key policy (JSON). @default - KMS's default policy: the account administers and uses the key through IAM */
  readonly policy?: string;
  /** Days KMS waits before it deletes the key once deletion is scheduled (7-30). @default 30 */
  readonly deletionWindowInDays?: number;
}

/** The longest wait KMS allows before deleting a key: a key deleted by mistake can be recovered for a month. */
export const KEY_DELETION_WINDOW_DAYS = 30;

/** A rotating customer-managed key with its alias, in `scope` (the bundle's). Returns the key. */
export function awsKey(scope: Construct, id: string, ctx: DeployContext<unknown>, props: AwsKeyProps): KmsKey {
  const provider = props.provider ? { provider: props.provider } : {};
  const key = new KmsKey(scope, id, {
    ...provider,
    description: `${ctx.env.platform} ${ctx.env.name}: ${props.purpose}`,
    enableKeyRotation: true,
    deletionWindowInDays: props.deletionWindowInDays ?? KEY_DELETION_WINDOW_DAYS,
    ...(props.policy === undefined ? {} : { policy: props.policy }),
  });
  new KmsAlias(scope, props.aliasId ?? `${id}-alias`, {
    ...provider,
    name: `alias/${ctx.name('aws.kmsAlias', ...props.alias)}`,
    targetKeyId: key.keyId,
  });
  return key;
}
