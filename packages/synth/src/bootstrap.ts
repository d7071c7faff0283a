/**
 * The bootstrap: one small stack per cloud account that a fork applies once by hand (and again
 * when an environment or a state region enters the fleet), before any environment can
 * `terraform init`. It holds what the environments' Terraform stands on: the state buckets of
 * every region the fleet's state uses, and the identities CI assumes through GitHub OIDC (a
 * read-only plan role and an apply role per environment, named by `ciIdentity`; with `previews:` in
 * the definition, one preview identity per cloud, scoped to preview resources and preview state).
 *
 * Its own state is local: it creates the buckets remote state would need (docs/bootstrap.md, the first apply).
 * Previews get no identity, bucket or GitHub Environment of their own: they use their base's bucket.
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { DataGoogleStorageProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-project-service-account/index.js';
import { IamWorkloadIdentityPool } from '@cdktf/provider-google/lib/iam-workload-identity-pool/index.js';
import { IamWorkloadIdentityPoolProvider } from '@cdktf/provider-google/lib/iam-workload-identity-pool-provider/index.js';
import { KmsCryptoKey } from '@cdktf/provider-google/lib/kms-crypto-key/index.js';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member/index.js';
import { KmsKeyRing } from '@cdktf/provider-google/lib/kms-key-ring/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeDirAtomic } from '@parity/io';
import { App, Fn, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable, Testing, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { bootstrapDir, bootstrapFile, bootstrapStackName, type BootstrapOptions } from './cache.js';
import { synthesizeSingleStack, withoutTokenTraces } from './synth.js';
import { awsPreviewActions, awsPreviewStatements, gcpPreviewRoles } from './bootstrap-preview.js';

// The paths and names live with the cache (no cdktf): `pnpm check` reads them without loading cdktf.
export { bootstrapDir, bootstrapFile, bootstrapStackName, type BootstrapOptions };
import {
  ciIdentity,
  ciServiceAccountId,
  type Cloud,
  isPreview,
  physicalName,
  PREVIEW_GITHUB_ENVIRONMENT,
  PREVIEW_STATE_ROOT,
  previewIdentity,
  type ResolvedEnvironment,
} from '@parity/model';

/** GitHub's OIDC issuer, as the trust policies and the workload identity provider name it. */
export const GITHUB_OIDC = 'token.actions.githubusercontent.com';
/** The tag naming a CI role's environment: the state buckets' policies read it. */
export const ENV_TAG = 'parity-environment';
const CI_PURPOSES = ['plan', 'apply'] as const;
/** Old versions of a state file kept this long after they stop being current. */
export const NONCURRENT_DAYS = 90;

/** The bootstrap stack of one cloud. */
function bootstrapStack(
  scope: Construct,
  cloud: Cloud,
  platform: string,
  envs: readonly ResolvedEnvironment[],
  opts: BootstrapOptions,
): TerraformStack {
  return cloud === 'aws' ? new AwsBootstrapStack(scope, platform, envs, opts) : new GcpBootstrapStack(scope, platform, envs, opts);
}

/** The environments of one cloud the bootstrap provides for: not the previews, which use their base's. */
function fleetOf(envs: readonly ResolvedEnvironment[], cloud: Cloud): ResolvedEnvironment[] {
  return envs.filter((e) => e.cloud === cloud && !isPreview(e));
}

/**
 * Synthesize the bootstrap of every cloud the fleet uses into bootstrap/<cloud>/cdktf.out (through
 * a temporary folder and a rename). Returns the files written, relative to the root.
 */
export function synthBootstrap(
  root: string,
  platform: string,
  envs: readonly ResolvedEnvironment[],
  opts: BootstrapOptions = {},
): string[] {
  const written: string[] = [];
  for (const cloud of ['aws', 'gcp'] as const) {
    if (fleetOf(envs, cloud).length === 0) continue;
    const outdir = join(root, bootstrapDir(cloud), 'cdktf.out');
    mkdirSync(join(root, bootstrapDir(cloud)), { recursive: true });
    writeDirAtomic(
      outdir,
      (tmp) => {
        withoutTokenTraces(() => {
          const app = new App({ outdir: tmp, skipValidation: false });
          const stack = bootstrapStack(app, cloud, platform, envs, opts);
          // local state, beside the output (a new synthesis replaces cdktf.out, never the state)
          new LocalBackend(stack, { path: '../../../terraform.tfstate' });
          synthesizeSingleStack(app, stack);
        });
      },
      { replace: true },
    );
    written.push(bootstrapFile(cloud));
  }
  return written;
}

/**
 * The bootstrap stacks of the fleet's clouds as Terraform JSON, in memory, exactly as
 * {@link synthBootstrap} writes them: what `pnpm check` runs the policy rules over.
 */
export function bootstrapToJson(
  platform: string,
  envs: readonly ResolvedEnvironment[],
  opts: BootstrapOptions = {},
): Map<Cloud, Record<string, unknown>> {
  const out = new Map<Cloud, Record<string, unknown>>();
  for (const cloud of ['aws', 'gcp'] as const) {
    if (fleetOf(envs, cloud).length === 0) continue;
    withoutTokenTraces(() => {
      const app = Testing.app();
      const stack = bootstrapStack(app, cloud, platform, envs, opts);
      new LocalBackend(stack, { path: '../../../terraform.tfstate' });
      out.set(cloud, JSON.parse(Testing.synth(stack)) as Record<string, unknown>);
    });
  }
  return out;
}

/** A state bucket of the bootstrap: its region, its lock table if any, and the environments that keep state there. */
export interface StateBucket {
  readonly region: string;
  readonly lockTable?: string;
  readonly envs: ResolvedEnvironment[];
}

/** The state buckets the environments of one cloud use: bucket → region, and which environments keep state there. */
export function stateBuckets(envs: readonly ResolvedEnvironment[]): Map<string, StateBucket> {
  const out = new Map<string, StateBucket>();
  for (const e of [...envs].sort((a, b) => a.name.localeCompare(b.name))) {
    const s = e.state;
    const b = out.get(s.bucket) ?? { region: s.region, ...(s.backend === 's3' && s.lockTable ? { lockTable: s.lockTable } : {}), envs: [] };
    b.envs.push(e);
    out.set(s.bucket, b);
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** Every environment with a state bucket, bucket by bucket. */
function environmentsOf(buckets: ReadonlyMap<string, StateBucket>): ResolvedEnvironment[] {
  return [...buckets.values()].flatMap((b) => b.envs);
}

/** The buckets previews keep their state in: those of the staging environments, the bases CI derives previews from. */
function previewBuckets(buckets: ReadonlyMap<string, StateBucket>): Array<[string, StateBucket]> {
  return [...buckets].filter(([, b]) => b.envs.some((e) => e.role === 'staging'));
}

/** A construct ID made of a bucket name. */
const idOf = (bucket: string) => bucket.replace(/[^a-zA-Z0-9]+/g, '_');

const repoVariable = (stack: TerraformStack) =>
  new TerraformVariable(stack, 'github_repository', {
    type: 'string',
    description: 'The fork on GitHub, owner/name: only its workflows may assume the CI identities',
    validation: [
      {
        condition: '${can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))}',
        errorMessage: 'github_repository is owner/name, e.g. acme/platform',
      },
    ],
  });

/** The AWS account the bootstrap is applied in, as Terraform reads it. */
interface AwsAccount {
  readonly partition: string;
  readonly id: string;
}

/** A trust policy admitting GitHub's OIDC tokens for these subjects (`repo:<owner>/<name>:…`). */
function githubTrust(oidc: IamOpenidConnectProvider, subjects: string[]): string {
  return Fn.jsonencode({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidc.arn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${GITHUB_OIDC}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC}:sub`]: subjects } },
      },
    ],
  });
}

/**
 * AWS: state buckets (KMS key, versioning, no public access, TLS only, old versions expire), the GitHub OIDC provider, plan and apply roles.
 * Longer than 80 lines as a class only: its constructor is a table of contents of the named helpers
 * below (providers, account, CI roles, state bucket: key, hardened bucket, policy, lock table; the
 * preview role), each short, as aws-cdk's constructs are written.
 */
export class AwsBootstrapStack extends TerraformStack {
  constructor(scope: Construct, platform: string, envs: readonly ResolvedEnvironment[], opts: BootstrapOptions = {}) {
    super(scope, bootstrapStackName('aws'));
    const buckets = stateBuckets(fleetOf(envs, 'aws'));
    const repo = repoVariable(this).stringValue;
    const providers = this.regionProviders(platform, buckets);
    const account = this.account();
    const oidc = new IamOpenidConnectProvider(this, 'github', { url: `https://${GITHUB_OIDC}`, clientIdList: ['sts.amazonaws.com'] });
    for (const env of environmentsOf(buckets)) this.ciRoles(env, oidc, repo, account);
    for (const [bucket, b] of buckets) this.stateBucket(platform, bucket, b, providers.get(b.region)!, account);
    if (opts.previews) this.previewRole(platform, buckets, oidc, repo, account, opts.previews.services.aws);
    new TerraformOutput(this, 'aws_account_id', { value: account.id, description: 'set as the repository variable AWS_ACCOUNT_ID' });
  }

  /** One provider per state region, the first one the default: each bucket is created in its own region. */
  private regionProviders(platform: string, buckets: ReadonlyMap<string, StateBucket>): Map<string, TerraformProvider> {
    const tags = { 'parity:platform': platform, 'parity:purpose': 'bootstrap', 'managed-by': 'parity' };
    const regions = [...new Set([...buckets.values()].map((b) => b.region))].sort();
    const providers = new Map<string, TerraformProvider>();
    for (const [i, region] of regions.entries()) {
      const alias = i === 0 ? undefined : region.replaceAll('-', '_');
      providers.set(
        region,
        new AwsProvider(this, alias ? `aws_${alias}` : 'aws', { region, ...(alias ? { alias } : {}), defaultTags: [{ tags }] }),
      );
    }
    return providers;
  }

  private account(): AwsAccount {
    return { partition: new DataAwsPartition(this, 'partition').partition, id: new DataAwsCallerIdentity(this, 'account').accountId };
  }

  /** The plan role (read only, its own state only) and the apply role (trusted only from its GitHub Environment). */
  private ciRoles(env: ResolvedEnvironment, oidc: IamOpenidConnectProvider, repo: string, account: AwsAccount): void {
    this.planRole(env, oidc, repo, account);
    const apply = new IamRole(this, `${env.name}_ci_apply`, {
      name: ciIdentity(env, 'apply'),
      description: `${env.name}: terraform apply from GitHub Actions, only from the GitHub Environment ${env.name}`,
      assumeRolePolicy: githubTrust(oidc, [`repo:${repo}:environment:${env.name}`]),
      tags: { [ENV_TAG]: env.name },
    });
    new IamRolePolicyAttachment(this, `${env.name}_ci_apply_admin`, {
      role: apply.name,
      policyArn: `arn:${account.partition}:iam::aws:policy/AdministratorAccess`,
    });
    this.keepCiIdentities(`${env.name}_ci_apply_guard`, apply, oidc, account);
  }

  /** Read only, from pull requests and from main (the nightly drift check), decrypting its own state object only. */
  private planRole(env: ResolvedEnvironment, oidc: IamOpenidConnectProvider, repo: string, { partition, id: account }: AwsAccount): void {
    const plan = new IamRole(this, `${env.name}_ci_plan`, {
      name: ciIdentity(env, 'plan'),
      description: `${env.name}: terraform plan from GitHub Actions (read only)`,
      assumeRolePolicy: githubTrust(oidc, [`repo:${repo}:pull_request`, `repo:${repo}:ref:refs/heads/main`]),
      tags: { [ENV_TAG]: env.name },
    });
    new IamRolePolicyAttachment(this, `${env.name}_ci_plan_read_only`, {
      role: plan.name,
      policyArn: `arn:${partition}:iam::aws:policy/ReadOnlyAccess`,
    });
    const s = env.state;
    new IamRolePolicy(this, `${env.name}_ci_plan_state`, {
      role: plan.name,
      name: 'read-own-state',
      // the state is encrypted with the bucket's key; decrypting is allowed for this state object only
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: `arn:${partition}:kms:${s.region}:${account}:key/*`,
            Condition: {
              StringEquals: {
                'kms:EncryptionContext:aws:s3:arn': `arn:${partition}:s3:::${s.bucket}/${s.backend === 's3' ? s.key : s.prefix}`,
              },
            },
          },
        ],
      }),
    });
  }

  /** An apply role cannot widen its own trust, nor any CI identity's: only this stack changes them. */
  private keepCiIdentities(id: string, role: IamRole, oidc: IamOpenidConnectProvider, { partition, id: account }: AwsAccount): void {
    new IamRolePolicy(this, id, {
      role: role.name,
      name: 'keep-ci-identities',
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: 'iam:*',
            Resource: [`arn:${partition}:iam::${account}:role/*-ci-plan`, `arn:${partition}:iam::${account}:role/*-ci-apply`, oidc.arn],
          },
        ],
      }),
    });
  }

  /** One state bucket: its key, the bucket hardened, its policy, a lock table if the definition names one. */
  private stateBucket(platform: string, name: string, b: StateBucket, provider: TerraformProvider, account: AwsAccount): void {
    const id = idOf(name);
    const key = this.stateKey(platform, id, name, b.region, provider);
    const bucket = this.hardenedBucket(id, name, key, provider);
    this.bucketPolicy(platform, id, name, bucket, provider, account);
    if (b.lockTable) this.lockTable(id, b.lockTable, key, provider);
  }

  /** A customer-managed, rotating key for the state in one region, with its alias. */
  private stateKey(platform: string, id: string, name: string, region: string, provider: TerraformProvider): KmsKey {
    const key = new KmsKey(this, `${id}_key`, {
      provider,
      description: `Terraform state in ${name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, `${id}_key_alias`, {
      provider,
      name: `alias/${physicalName('aws.kmsAlias', platform, 'tfstate', region)}`,
      targetKeyId: key.keyId,
    });
    return key;
  }

  /** The bucket: owner-enforced, no public access, versioned, encrypted with its key, old versions expiring. */
  private hardenedBucket(id: string, name: string, key: KmsKey, provider: TerraformProvider): S3Bucket {
    const bucket = new S3Bucket(this, id, { provider, bucket: name });
    new S3BucketOwnershipControls(this, `${id}_ownership`, {
      provider,
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketPublicAccessBlock(this, `${id}_public_access`, {
      provider,
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, `${id}_versioning`, { provider, bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, `${id}_encryption`, {
      provider,
      bucket: bucket.id,
      // no bucket key: the key's encryption context stays the object, which the plan roles' decrypt grant names
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn }, bucketKeyEnabled: false }],
    });
    new S3BucketLifecycleConfiguration(this, `${id}_lifecycle`, {
      provider,
      bucket: bucket.id,
      rule: [
        {
          id: 'old-state-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: NONCURRENT_DAYS, newerNoncurrentVersions: 10 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    return bucket;
  }

  /** TLS only, and every CI role reaching only its own environment's state prefix. */
  private bucketPolicy(
    platform: string,
    id: string,
    name: string,
    bucket: S3Bucket,
    provider: TerraformProvider,
    { partition, id: account }: AwsAccount,
  ): void {
    const arn = `arn:${partition}:s3:::${name}`;
    const anyone = [{ type: '*', identifiers: ['*'] }];
    // A policy document data source, not jsonencode: its plain strings take Terraform's $${ escape,
    // which keeps the IAM policy variable ${aws:PrincipalTag/...} for IAM to read.
    const policy = new DataAwsIamPolicyDocument(this, `${id}_policy_document`, {
      statement: [
        {
          sid: 'TlsOnly',
          effect: 'Deny',
          principals: anyone,
          actions: ['s3:*'],
          resources: [arn, `${arn}/*`],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
        {
          // Every CI role reaches only its own environment's state prefix (state and lock file):
          // one statement whatever the fleet's size (a bucket policy holds 20 KB), by the role's tag.
          // The preview role is tagged `previews`: every preview's state, nothing else.
          sid: 'OnlyOwnState',
          effect: 'Deny',
          principals: anyone,
          actions: ['s3:GetObject*', 's3:PutObject*', 's3:DeleteObject*'],
          notResources: [`${arn}/$\${aws:PrincipalTag/${ENV_TAG}}/*`],
          condition: [
            {
              test: 'ArnLike',
              variable: 'aws:PrincipalArn',
              values: CI_PURPOSES.map((p) => `arn:${partition}:iam::${account}:role/${platform}-*-ci-${p}`),
            },
          ],
        },
      ],
    });
    new S3BucketPolicy(this, `${id}_policy`, { provider, bucket: bucket.id, policy: policy.json });
  }

  /** A DynamoDB lock table beside the bucket (only when the definition names `state.aws.lockTable`). */
  private lockTable(id: string, name: string, key: KmsKey, provider: TerraformProvider): void {
    new DynamodbTable(this, `${id}_lock_table`, {
      provider,
      name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
      pointInTimeRecovery: { enabled: true },
    });
  }

  /**
   * The preview role: trusted only from the GitHub Environment `preview`; reads everything (plan),
   * changes only what is tagged (or named) as a preview's, and reaches only `previews/` in the
   * staging environments' state buckets (its tag, `previews`, is what their policies let through).
   */
  private previewRole(
    platform: string,
    buckets: ReadonlyMap<string, StateBucket>,
    oidc: IamOpenidConnectProvider,
    repo: string,
    account: AwsAccount,
    services: readonly string[],
  ): void {
    const role = new IamRole(this, 'previews_ci_apply', {
      name: previewIdentity(platform, 'aws'),
      description: `previews: terraform apply and destroy from GitHub Actions, only from the GitHub Environment ${PREVIEW_GITHUB_ENVIRONMENT}, only on preview resources`,
      assumeRolePolicy: githubTrust(oidc, [`repo:${repo}:environment:${PREVIEW_GITHUB_ENVIRONMENT}`]),
      tags: { [ENV_TAG]: PREVIEW_STATE_ROOT },
    });
    new IamRolePolicyAttachment(this, 'previews_ci_apply_read_only', {
      role: role.name,
      policyArn: `arn:${account.partition}:iam::aws:policy/ReadOnlyAccess`,
    });
    const scope = new DataAwsIamPolicyDocument(this, 'previews_ci_apply_scope_document', {
      statement: awsPreviewStatements({
        platform,
        partition: account.partition,
        account: account.id,
        actions: awsPreviewActions(services),
        buckets: previewBuckets(buckets).map(([name, b]) => ({ name, region: b.region })),
      }).map((s) => ({
        ...s,
        actions: [...s.actions],
        resources: [...s.resources],
        condition: s.condition?.map((c) => ({ ...c, values: [...c.values] })),
      })),
    });
    new IamRolePolicy(this, 'previews_ci_apply_scope', { role: role.name, name: 'preview-resources-only', policy: scope.json });
    this.keepCiIdentities('previews_ci_apply_guard', role, oidc, account);
  }
}

/**
 * GCP: state buckets (CMEK, versioning, no public access, old versions deleted), a workload identity pool for GitHub, plan and apply service accounts.
 * Longer than 80 lines as a class only: its constructor is a table of contents of the named helpers
 * below, each short, as the AWS stack's is.
 */
export class GcpBootstrapStack extends TerraformStack {
  constructor(scope: Construct, platform: string, envs: readonly ResolvedEnvironment[], opts: BootstrapOptions = {}) {
    super(scope, bootstrapStackName('gcp'));
    const buckets = stateBuckets(fleetOf(envs, 'gcp'));
    const repo = repoVariable(this).stringValue;
    this.provider(platform);
    const pool = new IamWorkloadIdentityPool(this, 'github', {
      workloadIdentityPoolId: `${platform}-github`.slice(0, 32),
      displayName: 'GitHub Actions',
    });
    const provider = this.githubProvider(pool, repo);
    const agent = new DataGoogleStorageProjectServiceAccount(this, 'gcs_agent', {}).emailAddress;
    const accounts = new Map(environmentsOf(buckets).map((env) => [env.name, this.ciAccounts(env, platform, pool.name, repo)]));
    const stored = new Map([...buckets].map(([name, b]) => [name, this.stateBucket(platform, name, b, agent)]));
    for (const [name, b] of buckets) for (const env of b.envs) this.ownStateOnly(name, stored.get(name)!, env, accounts.get(env.name)!);
    if (opts.previews) this.previewAccount(platform, buckets, stored, pool.name, repo, opts.previews.services.gcp);
    new TerraformOutput(this, 'workload_identity_provider', {
      value: provider.name,
      description: 'set as the repository variable GCP_WORKLOAD_IDENTITY_PROVIDER',
    });
  }

  /** The provider, in the project the variable names, labelling everything it creates. */
  private provider(platform: string): void {
    const project = new TerraformVariable(this, 'project', {
      type: 'string',
      description: 'the GCP project that holds the state buckets, their keys and the workload identity pool',
    }).stringValue;
    const labels = { 'parity-platform': platform, 'parity-purpose': 'bootstrap', 'managed-by': 'parity' };
    const google = new GoogleProvider(this, 'google', { project });
    google.addOverride('default_labels', labels);
  }

  /** GitHub's OIDC issuer in the pool, admitting only the fork's workflows. */
  private githubProvider(pool: IamWorkloadIdentityPool, repo: string): IamWorkloadIdentityPoolProvider {
    return new IamWorkloadIdentityPoolProvider(this, 'github_provider', {
      workloadIdentityPoolId: pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: 'github',
      oidc: { issuerUri: `https://${GITHUB_OIDC}` },
      attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository': 'assertion.repository' },
      // only the fork's workflows
      attributeCondition: `assertion.repository == "${repo}"`,
    });
  }

  /** One state bucket, with a Cloud KMS key of its region that the storage agent may use. */
  private stateBucket(platform: string, name: string, b: StateBucket, agent: string): StorageBucket {
    const id = idOf(name);
    const ring = new KmsKeyRing(this, `${id}_ring`, {
      name: physicalName('gcp.kmsKeyRing', platform, 'tfstate', b.region),
      location: b.region,
    });
    const key = new KmsCryptoKey(this, `${id}_key`, { name: 'state', keyRing: ring.id, rotationPeriod: '7776000s' });
    const grant = new KmsCryptoKeyIamMember(this, `${id}_key_agent`, {
      cryptoKeyId: key.id,
      role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
      member: `serviceAccount:${agent}`,
    });
    return new StorageBucket(this, id, {
      name,
      location: b.region,
      versioning: { enabled: true },
      uniformBucketLevelAccess: true,
      // GCS serves only HTTPS: there is no plain-text access to refuse
      publicAccessPrevention: 'enforced',
      encryption: { defaultKmsKeyName: key.id },
      lifecycleRule: [{ action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: NONCURRENT_DAYS, withState: 'ARCHIVED' } }],
      dependsOn: [grant],
    });
  }

  /** An environment's plan and apply accounts reach its own state prefix only. */
  private ownStateOnly(
    name: string,
    bucket: StorageBucket,
    env: ResolvedEnvironment,
    accounts: { plan: ServiceAccount; apply: ServiceAccount },
  ): void {
    const prefix = env.state.backend === 'gcs' ? env.state.prefix : env.name;
    for (const [purpose, role] of [
      ['plan', 'roles/storage.objectViewer'],
      ['apply', 'roles/storage.objectAdmin'],
    ] as const) {
      new StorageBucketIamMember(this, `${idOf(name)}_${env.name}_${purpose}`, {
        bucket: bucket.name,
        role,
        member: `serviceAccount:${accounts[purpose].email}`,
        condition: { title: `${env.name}-state-only`, expression: statePrefixOnly(name, prefix) },
      });
    }
  }

  private ciAccounts(
    env: ResolvedEnvironment,
    platform: string,
    pool: string,
    repo: string,
  ): { plan: ServiceAccount; apply: ServiceAccount } {
    const make = (purpose: 'plan' | 'apply', role: string, member: string) => {
      const sa = new ServiceAccount(this, `${env.name}_ci_${purpose}`, {
        project: env.gcpProject,
        accountId: ciServiceAccountId(platform, env.name, purpose),
        displayName: `${env.name}: terraform ${purpose} from GitHub Actions`,
      });
      new ProjectIamMember(this, `${env.name}_ci_${purpose}_project`, {
        project: env.gcpProject!,
        role,
        member: `serviceAccount:${sa.email}`,
      });
      new ServiceAccountIamMember(this, `${env.name}_ci_${purpose}_github`, {
        serviceAccountId: sa.name,
        role: 'roles/iam.workloadIdentityUser',
        member,
      });
      return sa;
    };
    return {
      plan: make('plan', 'roles/viewer', `principalSet://iam.googleapis.com/${pool}/attribute.repository/${repo}`),
      // only a job running in the GitHub Environment named after this environment
      apply: make('apply', 'roles/owner', `principal://iam.googleapis.com/${pool}/subject/repo:${repo}:environment:${env.name}`),
    };
  }

  /**
   * The preview service account, in the bootstrap's project: trusted only from the GitHub
   * Environment `preview`, given the roles the bundles' resources need in the projects of the
   * staging environments (GCP IAM cannot grant by label), and `previews/` of their state buckets.
   */
  private previewAccount(
    platform: string,
    buckets: ReadonlyMap<string, StateBucket>,
    stored: ReadonlyMap<string, StorageBucket>,
    pool: string,
    repo: string,
    services: readonly string[],
  ): void {
    const sa = new ServiceAccount(this, 'previews_ci_apply', {
      accountId: previewIdentity(platform, 'gcp'),
      displayName: `previews: terraform apply and destroy from GitHub Actions (GitHub Environment ${PREVIEW_GITHUB_ENVIRONMENT})`,
    });
    new ServiceAccountIamMember(this, 'previews_ci_apply_github', {
      serviceAccountId: sa.name,
      role: 'roles/iam.workloadIdentityUser',
      member: `principal://iam.googleapis.com/${pool}/subject/repo:${repo}:environment:${PREVIEW_GITHUB_ENVIRONMENT}`,
    });
    const bases = environmentsOf(buckets).filter((e) => e.role === 'staging');
    for (const env of bases) {
      for (const role of gcpPreviewRoles(services)) {
        new ProjectIamMember(this, `previews_${env.name}_${role.slice('roles/'.length).replace(/\./g, '_')}`, {
          project: env.gcpProject!,
          role,
          member: `serviceAccount:${sa.email}`,
        });
      }
    }
    for (const [name] of previewBuckets(buckets)) {
      new StorageBucketIamMember(this, `${idOf(name)}_previews`, {
        bucket: stored.get(name)!.name,
        role: 'roles/storage.objectAdmin',
        member: `serviceAccount:${sa.email}`,
        condition: { title: 'previews-state-only', expression: statePrefixOnly(name, PREVIEW_STATE_ROOT) },
      });
    }
    new TerraformOutput(this, 'preview_service_account', {
      value: sa.email,
      description: 'set as the repository variable GCP_PREVIEW_SERVICE_ACCOUNT',
    });
  }
}

/** An IAM condition: objects under `prefix/` of one bucket (and the bucket itself, which listing needs). */
function statePrefixOnly(bucket: string, prefix: string): string {
  return `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}/") || resource.type == "storage.googleapis.com/Bucket"`;
}
