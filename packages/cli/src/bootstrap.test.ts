import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetEnvironmentsAsync, fleetWorkspace, parity as parityIn, STAMP_TIMEOUT } from '@parity/testkit';
import { findPluginDir, initAndValidate } from './terraform.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

type Resources = Record<string, Record<string, Record<string, unknown>>>;
interface Json {
  resource: Resources;
  data: Resources;
  variable: Record<string, unknown>;
  output: Record<string, unknown>;
  terraform: { backend: Record<string, unknown> };
}

describe('the bootstrap: state buckets and CI identities, synthesized like the environments', () => {
  let root: string;
  let cleanup: () => void;
  const parity = (...args: string[]) => parityIn(root, ...args);
  const json = (cloud: string) =>
    JSON.parse(readFileSync(join(root, `bootstrap/${cloud}/cdktf.out/stacks/bootstrap-${cloud}/cdk.tf.json`), 'utf8')) as Json;

  beforeAll(() => {
    ({ root, cleanup } = fleetWorkspace());
  });
  afterAll(() => cleanup());

  it('gen env says when a new state region needs the bootstrap, and always names the CI identities and GitHub Environment', async () => {
    const fresh = await parity('gen', 'env', 'prod-apse2');
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/New state region: acme-tfstate-ap-southeast-2 does not exist yet/);
    expect(fresh.stdout).toMatch(/add the GitHub Environment prod-apse2 with required reviewers/);
    expect(fresh.stdout).toMatch(/pnpm synth --bootstrap/);
    const known = await parity('gen', 'env', 'staging-euw1');
    expect(known.status, known.stderr).toBe(0);
    expect(known.stdout).not.toMatch(/New state region/);
    expect(known.stdout).toMatch(/add the GitHub Environment staging-euw1\./);
  });

  it('synthesizes one stack per cloud with a hardened state bucket in every state region', async () => {
    const r = await parity('synth', '--bootstrap');
    expect(r.status, r.stderr).toBe(0);
    const aws = json('aws');
    const regions = ['ap-southeast-2', 'eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2'];
    expect(
      Object.values(aws.resource.aws_s3_bucket!)
        .map((b) => b.bucket)
        .sort(),
    ).toEqual(regions.map((x) => `acme-tfstate-${x}`));
    for (const region of regions) {
      const id = `acme_tfstate_${region.replaceAll('-', '_')}`;
      const provider = aws.resource.aws_s3_bucket![id]!.provider ?? 'aws';
      expect(aws.resource.aws_kms_key![`${id}_key`]).toMatchObject({
        enable_key_rotation: true,
        ...(provider === 'aws' ? {} : { provider }),
      });
      expect(aws.resource.aws_s3_bucket_versioning![`${id}_versioning`]).toMatchObject({ versioning_configuration: { status: 'Enabled' } });
      expect(aws.resource.aws_s3_bucket_server_side_encryption_configuration![`${id}_encryption`]).toMatchObject({
        rule: [
          { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: `\${aws_kms_key.${id}_key.arn}` } },
        ],
      });
      expect(aws.resource.aws_s3_bucket_public_access_block![`${id}_public_access`]).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(aws.resource.aws_s3_bucket_lifecycle_configuration![`${id}_lifecycle`]).toMatchObject({
        rule: [{ status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 90 }] }],
      });
      expect(aws.resource.aws_s3_bucket_policy![`${id}_policy`]!.policy).toBe(
        `\${data.aws_iam_policy_document.${id}_policy_document.json}`,
      );
      expect((aws.data.aws_iam_policy_document![`${id}_policy_document`]!.statement as unknown[])[0]).toMatchObject({
        sid: 'TlsOnly',
        effect: 'Deny',
        actions: ['s3:*'],
        condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
      });
    }
    // every bucket in its own region: one provider per state region
    expect(aws.resource.aws_s3_bucket!.acme_tfstate_us_west_2!.provider).toBe('aws.us_west_2');
    expect(aws.terraform.backend).toEqual({ local: { path: '../../../terraform.tfstate' } });
    const gcp = json('gcp');
    expect(Object.values(gcp.resource.google_storage_bucket!).map((b) => [b.name, b.location])).toEqual([
      ['acme-tfstate-europe-west1', 'europe-west1'],
      ['acme-tfstate-europe-west4', 'europe-west4'],
    ]);
    for (const b of Object.values(gcp.resource.google_storage_bucket!)) {
      expect(b).toMatchObject({
        versioning: { enabled: true },
        public_access_prevention: 'enforced',
        uniform_bucket_level_access: true,
        lifecycle_rule: [{ condition: { days_since_noncurrent_time: 90 } }],
      });
      expect(b.encryption).toMatchObject({ default_kms_key_name: expect.stringMatching(/^\$\{google_kms_crypto_key\./) });
    }
  });

  it('trusts GitHub OIDC: a read-only plan role limited to its own state, an apply role only from its GitHub Environment', () => {
    const aws = json('aws');
    expect(Object.values(aws.resource.aws_iam_openid_connect_provider!)[0]).toMatchObject({
      url: 'https://token.actions.githubusercontent.com',
      client_id_list: ['sts.amazonaws.com'],
    });
    const role = (n: string) => aws.resource.aws_iam_role![n]!;
    expect(role('prod-use1_ci_apply').name).toBe('acme-prod-use1-ci-apply');
    expect(role('prod-use1_ci_apply').assume_role_policy).toMatch(/:sub" = \["repo:\$\{var\.github_repository\}:environment:prod-use1"\]/);
    expect(role('prod-use1_ci_plan').assume_role_policy).toMatch(
      /:sub" = \["repo:\$\{var\.github_repository\}:pull_request", "repo:\$\{var\.github_repository\}:ref:refs\/heads\/main"\]/,
    );
    expect(aws.resource.aws_iam_role_policy_attachment!['prod-use1_ci_plan_read_only']!.policy_arn).toMatch(
      /:iam::aws:policy\/ReadOnlyAccess$/,
    );
    // each CI role reaches only its own environment's state prefix, by its tag: one statement for any fleet size
    const ownState = (aws.data.aws_iam_policy_document!.acme_tfstate_us_east_1_policy_document!.statement as unknown[])[1];
    expect(ownState).toEqual({
      sid: 'OnlyOwnState',
      effect: 'Deny',
      principals: [{ type: '*', identifiers: ['*'] }],
      actions: ['s3:GetObject*', 's3:PutObject*', 's3:DeleteObject*'],
      // $${ is Terraform's escape: IAM receives the policy variable ${aws:PrincipalTag/parity-environment}
      not_resources: [
        'arn:${data.aws_partition.partition.partition}:s3:::acme-tfstate-us-east-1/$${aws:PrincipalTag/parity-environment}/*',
      ],
      condition: [
        {
          test: 'ArnLike',
          variable: 'aws:PrincipalArn',
          values: ['plan', 'apply'].map(
            (p) =>
              `arn:\${data.aws_partition.partition.partition}:iam::\${data.aws_caller_identity.account.account_id}:role/acme-*-ci-${p}`,
          ),
        },
      ],
    });
    for (const r of ['prod-use1_ci_plan', 'prod-use1_ci_apply', 'dr-usw2_ci_plan'])
      expect(role(r).tags).toEqual({ 'parity-environment': r.split('_')[0] });
    const gcp = json('gcp');
    const members = Object.values(gcp.resource.google_service_account_iam_member!).map((m) => m.member as string);
    expect(members).toContain(
      'principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/repo:${var.github_repository}:environment:prod-gcp-euw1',
    );
    expect(gcp.resource.google_iam_workload_identity_pool_provider!.github_provider!.attribute_condition).toBe(
      'assertion.repository == "${var.github_repository}"',
    );
  });

  it('gives previews one identity per cloud: trusted only from the GitHub Environment preview, preview resources and preview state only', () => {
    const aws = json('aws');
    const role = aws.resource.aws_iam_role!.previews_ci_apply!;
    expect(role).toMatchObject({ name: 'acme-previews-ci-apply', tags: { 'parity-environment': 'previews' } });
    expect(role.assume_role_policy).toMatch(/:sub" = \["repo:\$\{var\.github_repository\}:environment:preview"\]/);
    // no identity of its own for any preview: the fleet's environments and the one preview role
    expect(Object.keys(aws.resource.aws_iam_role!).filter((r) => r.startsWith('preview'))).toEqual(['previews_ci_apply']);
    const statements = aws.data.aws_iam_policy_document!.previews_ci_apply_scope_document!.statement as Array<Record<string, unknown>>;
    expect(statements.map((s) => s.sid)).toEqual([
      'PreviewResources',
      'CreatePreviewResources',
      'PreviewNamedResources',
      'PreviewState',
      'PreviewStateList',
      'PreviewStateKeys',
      'NoOtherRole',
      'NoUntagging',
      'OnlyServicePolicies',
      'NoInlinePoliciesOrUsers',
      'PassOnlyToServices',
    ]);
    for (const s of statements.filter((x) => x.effect === 'Allow')) expect(s.actions, String(s.sid)).not.toContain('*');
    expect(statements[0]).toMatchObject({
      condition: [{ test: 'StringEquals', variable: 'aws:ResourceTag/parity:role', values: ['preview'] }],
    });
    expect(statements[1]).toMatchObject({
      condition: [{ test: 'StringEquals', variable: 'aws:RequestTag/parity:role', values: ['preview'] }],
    });
    // its state: previews/ of the staging environments' buckets (staging, staging-euw1 here), nothing else
    expect(statements[3]!.resources).toEqual([
      'arn:${data.aws_partition.partition.partition}:s3:::acme-tfstate-eu-west-1/previews/*',
      'arn:${data.aws_partition.partition.partition}:s3:::acme-tfstate-us-east-1/previews/*',
    ]);
    expect(aws.resource.aws_iam_role_policy!.previews_ci_apply_guard).toBeDefined();
    const gcp = json('gcp');
    expect(gcp.resource.google_service_account!.previews_ci_apply).toMatchObject({ account_id: 'acme-previews-apply' });
    expect(gcp.resource.google_service_account_iam_member!.previews_ci_apply_github!.member).toBe(
      'principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/repo:${var.github_repository}:environment:preview',
    );
    expect(gcp.output.preview_service_account).toBeDefined();
  });

  it('is valid Terraform for the real AWS provider (terraform validate)', async () => {
    const plugins = findPluginDir();
    if (process.env.CI === 'true') expect(plugins.dir, plugins.how).toBeDefined();
    const dir = join(root, 'bootstrap/aws/cdktf.out/stacks/bootstrap-aws');
    const r = await initAndValidate(dir, plugins.dir);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.valid).toBe(true);
    // a new synthesis replaces cdktf.out; the local state beside it is never inside
    expect(existsSync(join(root, 'bootstrap/aws/cdktf.out/stacks/bootstrap-aws/terraform.tfstate'))).toBe(false);
  });

  it('fails when named environments are given: the bootstrap covers the whole fleet', async () => {
    const r = await parity('synth', '--bootstrap', 'staging');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/takes no environment names/);
  });
});
