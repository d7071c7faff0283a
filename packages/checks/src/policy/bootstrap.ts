/**
 * The bootstrap stacks (`pnpm synth --bootstrap`: the state buckets, GitHub OIDC, the plan and
 * apply identities) through the policy rules. They are applied by hand, once, and hold every
 * environment's state, so they get the rules that read only a stack (the security rules: keys,
 * public access, TLS, IAM wildcards, plaintext secrets) and PAR-RES-004 as the bootstrap owes it:
 * every state bucket versioned, every environment's state bucket created, and a dr environment's
 * state bucket outside the region it recovers from.
 *
 * The bootstrap's own state is local by design (it creates the buckets remote state needs), so the
 * environment form of PAR-RES-004 (a remote, encrypted backend) does not apply to it.
 */
import type { Cloud, ResolvedEnvironment } from '@parity/model';
import type { TerraformJson, TfResource } from '../tf.js';
import { block, isTrue, on, s3Versioned, type StackContext, type Violation } from './types.js';

/** One cloud's bootstrap stack: its name, where `pnpm synth --bootstrap` writes it, its Terraform. */
export interface BootstrapStack {
  readonly cloud: Cloud;
  /** `bootstrap-aws`: names the stack where findings name an environment. */
  readonly stack: string;
  /** The file `pnpm synth --bootstrap` writes, relative to the root. */
  readonly file: string;
  readonly json: TerraformJson;
  /** The environments it was synthesized for (those that resolve); others are not its to hold. Absent: all. */
  readonly envs?: readonly string[];
}

/** The state buckets of a bootstrap stack, with their names and regions. */
function stateBuckets(ctx: StackContext, cloud: Cloud): Array<{ r: TfResource; name: string; region: string }> {
  return cloud === 'aws'
    ? ctx.doc.resources('aws_s3_bucket').map((r) => ({ r, name: String(r.body.bucket), region: ctx.doc.providerRegion(r) }))
    : ctx.doc
        .resources('google_storage_bucket')
        .map((r) => ({ r, name: String(r.body.name), region: String(r.body.location).toLowerCase() }));
}

function versioned(ctx: StackContext, cloud: Cloud, r: TfResource): boolean {
  return cloud === 'gcp' ? isTrue(block(r.body.versioning)?.enabled) : s3Versioned(ctx.doc, r);
}

/** PAR-RES-004 for a bootstrap stack: the state buckets it creates for `envs` (that cloud's environments). */
export function bootstrapState(ctx: StackContext, cloud: Cloud, envs: readonly ResolvedEnvironment[]): Violation[] {
  const out: Violation[] = [];
  const buckets = stateBuckets(ctx, cloud);
  for (const b of buckets) {
    if (!versioned(ctx, cloud, b.r))
      out.push(
        on(b.r, {
          message: `the state bucket ${b.name} is not versioned: a bad write cannot be undone`,
          fix: cloud === 'aws' ? 'add aws_s3_bucket_versioning with status Enabled' : 'set versioning { enabled = true }',
          checkov: cloud === 'aws' ? 'CKV_AWS_21' : 'CKV_GCP_78',
        }),
      );
  }
  for (const e of envs.filter((x) => x.cloud === cloud)) {
    const b = buckets.find((x) => x.name === e.state.bucket);
    if (!b) {
      out.push({
        address: `${cloud === 'aws' ? 'aws_s3_bucket' : 'google_storage_bucket'}.*`,
        message: `no state bucket ${e.state.bucket} for ${e.name}: its first apply has nowhere to keep its state`,
        fix: 'run pnpm synth --bootstrap again and apply it (it creates a bucket per state region)',
      });
      continue;
    }
    if (e.recovers && b.region === e.recovers.region)
      out.push(
        on(b.r, {
          message: `the state bucket ${b.name} keeps the state of ${e.name} in ${b.region}, the region ${e.name} recovers from: lost with it`,
          fix: `set state.region in ${e.file} to ${e.region} (or any region other than ${e.recovers.region})`,
        }),
      );
  }
  return out;
}
