import { describe, expect, it } from 'vitest';
import type { Cloud, ResolvedEnvironment } from '@parity/model';
import { AWS_PAIR, fixtureWorkspace, GCP_PAIR } from '@parity/model/testing';
import { bootstrapFile, bootstrapStackName, bootstrapToJson } from '@parity/synth/bootstrap';
import { bootstrapOptions } from '@parity/synth/cache';
import { resolveForCheck } from '../run.js';
import type { TerraformJson } from '../tf.js';
import { runPolicy, type BootstrapStack } from './index.js';

// The bootstrap stacks (state buckets, OIDC, CI identities) through the policy rules: real
// synthesis of both clouds' bootstrap for the fixture fleet, one change per case.

type Body = Record<string, unknown>;
const NOW = new Date('2026-11-28T12:00:00Z');

const ws = await fixtureWorkspace([...AWS_PAIR, ...GCP_PAIR]);
const envs = resolveForCheck(ws).envs;
const synthesized = bootstrapToJson(ws.definition.data.platform, envs) as Map<Cloud, TerraformJson>;

function stacks(change?: (aws: TerraformJson, gcp: TerraformJson) => void, from = envs): BootstrapStack[] {
  const json = from === envs ? synthesized : (bootstrapToJson(ws.definition.data.platform, from) as Map<Cloud, TerraformJson>);
  const aws = structuredClone(json.get('aws')!);
  const gcp = structuredClone(json.get('gcp')!);
  change?.(aws, gcp);
  return [
    { cloud: 'aws', stack: bootstrapStackName('aws'), file: bootstrapFile('aws'), json: aws },
    { cloud: 'gcp', stack: bootstrapStackName('gcp'), file: bootstrapFile('gcp'), json: gcp },
  ];
}
/** Only the bootstrap is judged: no environment's Terraform. */
function run(bootstrap: BootstrapStack[], judged: readonly ResolvedEnvironment[] = envs) {
  return runPolicy(ws, judged, () => undefined, { now: NOW, bootstrap });
}
const bootstrapFindings = (bootstrap: BootstrapStack[], judged?: readonly ResolvedEnvironment[]) =>
  run(bootstrap, judged).findings.filter((f) => f.env?.startsWith('bootstrap-') && f.severity === 'error');
const ofType = (j: TerraformJson, type: string) => Object.entries(j.resource![type] as Record<string, Body>);

describe('the bootstrap through the policy rules', () => {
  it('passes as Parity writes it, but for the GCP apply identities (owners of their projects), which the definition excepts', () => {
    const { findings, report } = run(stacks());
    expect(report.bootstrap.map((b) => [b.stack, b.file])).toEqual([
      ['bootstrap-aws', 'bootstrap/aws/cdktf.out/stacks/bootstrap-aws/cdk.tf.json'],
      ['bootstrap-gcp', 'bootstrap/gcp/cdktf.out/stacks/bootstrap-gcp/cdk.tf.json'],
    ]);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    const owners = report.exceptions.find((x) => x.rule === 'PAR-SEC-005')!;
    expect(owners.waived.sort()).toEqual([
      'bootstrap-gcp google_project_iam_member.dr-gcp-euw4_ci_apply_project',
      'bootstrap-gcp google_project_iam_member.prod-gcp-euw1_ci_apply_project',
      'bootstrap-gcp google_project_iam_member.staging-gcp_ci_apply_project',
    ]);
  });

  const cases: Array<[string, (aws: TerraformJson, gcp: TerraformJson) => void, string, RegExp]> = [
    [
      'fails on a state bucket without its customer-managed key',
      (aws) => delete aws.resource!.aws_s3_bucket_server_side_encryption_configuration,
      'PAR-SEC-001',
      /^aws_s3_bucket\.acme_tfstate_/,
    ],
    [
      'fails on a GCS state bucket without CMEK',
      (_, gcp) => {
        for (const [, b] of ofType(gcp, 'google_storage_bucket')) delete b.encryption;
      },
      'PAR-SEC-001',
      /^google_storage_bucket\.acme_tfstate_/,
    ],
    [
      'fails on a state bucket without versioning',
      (aws) => delete aws.resource!.aws_s3_bucket_versioning,
      'PAR-RES-004',
      /^aws_s3_bucket\.acme_tfstate_/,
    ],
    [
      'fails on a state bucket that accepts plain HTTP',
      (aws) => delete aws.resource!.aws_s3_bucket_policy,
      'PAR-SEC-004',
      /^aws_s3_bucket\.acme_tfstate_/,
    ],
    [
      'fails on a state bucket without its public access block',
      (aws) => delete aws.resource!.aws_s3_bucket_public_access_block,
      'PAR-SEC-003',
      /^aws_s3_bucket\.acme_tfstate_/,
    ],
    [
      'fails on a CI role policy allowing every action on every resource',
      (aws) => {
        const [, p] = ofType(aws, 'aws_iam_role_policy')[0]!;
        p.policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
      },
      'PAR-SEC-005',
      /^aws_iam_role_policy\./,
    ],
  ];

  it.each(cases)('%s', (_name, change, rule, address) => {
    const found = bootstrapFindings(stacks(change)).filter((f) => f.rule === rule);
    expect(found.length, JSON.stringify(found.map((f) => f.address))).toBeGreaterThan(0);
    for (const f of found) {
      expect(f.address).toMatch(address);
      expect(f.file).toMatch(/^bootstrap\/(aws|gcp)\/cdktf\.out\/stacks\/bootstrap-(aws|gcp)\/cdk\.tf\.json$/);
      expect(f.fix).toBeTruthy();
    }
  });

  it('fails on a DynamoDB lock table without its customer-managed key (state.aws.lockTable)', () => {
    const locked = envs.map((e) => (e.state.backend === 's3' ? { ...e, state: { ...e.state, lockTable: 'acme-tflock' } } : e));
    const clean = stacks(undefined, locked);
    expect(ofType(clean[0]!.json, 'aws_dynamodb_table').length).toBeGreaterThan(0);
    expect(bootstrapFindings(clean, locked)).toEqual([]);
    const found = bootstrapFindings(
      stacks(undefined, locked).map((st) => {
        for (const [, t] of st.cloud === 'aws' ? ofType(st.json, 'aws_dynamodb_table') : [])
          delete (t.server_side_encryption as Body).kms_key_arn;
        return st;
      }),
      locked,
    );
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect([f.rule, f.address]).toEqual(['PAR-SEC-001', expect.stringMatching(/^aws_dynamodb_table\./)]);
  });

  it("fails when a dr environment's state bucket is in the region it recovers from (PAR-RES-004)", () => {
    // Resolution refuses this in a manifest; a bootstrap made from such environments must still be caught.
    const prod = envs.find((e) => e.name === 'prod-use1')!;
    const moved = envs.map((e) =>
      e.name === 'dr-usw2' ? { ...e, state: { ...e.state, bucket: prod.state.bucket, region: prod.state.region } } : e,
    );
    const found = bootstrapFindings(stacks(undefined, moved), moved).filter((f) => f.rule === 'PAR-RES-004');
    expect(found).toEqual([
      expect.objectContaining({
        env: 'bootstrap-aws',
        address: expect.stringMatching(/^aws_s3_bucket\.acme_tfstate_us_east_1$/),
        message: expect.stringMatching(/keeps the state of dr-usw2 in us-east-1, the region dr-usw2 recovers from/),
        fix: expect.stringMatching(/set state\.region in environments\/dr-usw2\/environment\.yaml to us-west-2/),
      }),
    ]);
  });

  it('passes with the preview identity of each cloud, which PAR-SEC-005 judges: widened to every action, it fails', () => {
    const options = bootstrapOptions(
      { ...ws.definition.data, previews: { from: 'staging', ttl: '72h', label: 'preview' } },
      ws.bundles.values(),
    );
    const json = bootstrapToJson(ws.definition.data.platform, envs, options) as Map<Cloud, TerraformJson>;
    const withPreviews = (change?: (aws: TerraformJson) => void): BootstrapStack[] =>
      (['aws', 'gcp'] as const).map((cloud) => {
        const j = structuredClone(json.get(cloud)!);
        if (cloud === 'aws') change?.(j);
        return { cloud, stack: bootstrapStackName(cloud), file: bootstrapFile(cloud), json: j };
      });
    expect(json.get('aws')!.resource!.aws_iam_role!.previews_ci_apply).toBeDefined();
    expect(json.get('gcp')!.resource!.google_service_account!.previews_ci_apply).toBeDefined();
    // the GCP preview account holds predefined roles in the staging project, never a basic one
    const granted = ofType(json.get('gcp')!, 'google_project_iam_member').filter(([k]) => k.startsWith('previews_'));
    expect(granted.length).toBeGreaterThan(0);
    for (const [, g] of granted)
      expect(g).toMatchObject({ project: 'acme-staging-gcp', role: expect.not.stringMatching(/^roles\/(owner|editor)$/) });
    expect(bootstrapFindings(withPreviews())).toEqual([]);
    const widened = bootstrapFindings(
      withPreviews((aws) => {
        const doc = (aws.data!.aws_iam_policy_document as Record<string, Body>).previews_ci_apply_scope_document!;
        (doc.statement as Body[])[0]!.actions = ['*'];
      }),
    );
    expect(widened.map((f) => [f.rule, f.address])).toEqual([
      ['PAR-SEC-005', 'data.aws_iam_policy_document.previews_ci_apply_scope_document'],
    ]);
  });

  it('fails when an environment has no state bucket in the bootstrap', () => {
    const found = bootstrapFindings(
      stacks((aws) => {
        for (const [k, b] of ofType(aws, 'aws_s3_bucket'))
          if (b.bucket === 'acme-tfstate-us-west-2') delete aws.resource!.aws_s3_bucket![k];
      }),
    ).filter((f) => f.rule === 'PAR-RES-004');
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(/no state bucket acme-tfstate-us-west-2 for dr-usw2/)]);
  });
});
