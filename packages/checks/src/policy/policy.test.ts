import { beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedEnvironment, Workspace } from '@parity/model';
import { AWS_PAIR, fixtureWorkspace, GCP_PAIR, REPO_ROOT } from '@parity/model/testing';
import { synthToJson } from '@parity/synth';
import { resolveForCheck } from '../run.js';
import type { TerraformJson } from '../tf.js';
import { RULES, runPolicy } from './index.js';

type Body = Record<string, unknown>;
const NOW = new Date('2026-11-28T12:00:00Z');

let ws: Workspace;
let envs: ResolvedEnvironment[];
const synthesized = new Map<string, TerraformJson>();
beforeAll(async () => {
  ws = await fixtureWorkspace([...AWS_PAIR, ...GCP_PAIR]);
  envs = resolveForCheck(ws).envs;
  for (const e of envs) synthesized.set(e.name, (await synthToJson(REPO_ROOT, e)) as TerraformJson);
});

/** A deep copy of one environment's Terraform, changed by `change`. */
function changed(env: string, change: (json: TerraformJson) => void): Map<string, TerraformJson> {
  const json = structuredClone(synthesized.get(env)!);
  change(json);
  return new Map([[env, json]]);
}
function first(json: TerraformJson, type: string): Body {
  return Object.values(json.resource![type]!)[0]!;
}
function add(json: TerraformJson, type: string, name: string, body: Body): void {
  json.resource ??= {};
  json.resource[type] ??= {};
  json.resource[type][name] = body;
}
function run(jsons: Map<string, TerraformJson>, w: Workspace = ws, now = NOW) {
  const names = [...jsons.keys()];
  return runPolicy(
    w,
    envs.filter((e) => names.includes(e.name)),
    (n) => jsons.get(n),
    { now },
  );
}

describe('policy rules', () => {
  it("passes the example fleet, with the example definition's exceptions: the bootstrap's GCP identities, and Cloud SQL's TLS without client certificates", () => {
    const { report, findings } = run(synthesized);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(report.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    expect(report.exceptions.map((x) => x.rule)).toEqual(['PAR-SEC-005', 'PAR-SEC-005', 'PAR-SEC-008']);
    // Environments only here (no bootstrap): the waivers are the GCP databases' client certificates (CKV_GCP_6).
    const gcp = envs.filter((e) => e.cloud === 'gcp').map((e) => e.name);
    expect(report.rules.filter((r) => r.waived > 0).map((r) => [r.id, r.waived])).toEqual([['PAR-SEC-008', gcp.length]]);
    expect(report.exceptions[2]!.waived.map((w) => w.split(' ')[0]).sort()).toEqual([...gcp].sort());
    expect(report.rules.every((r) => r.violations === 0)).toBe(true);
  });

  it('says, for each rule, how it compares with each Checkov ID it names', () => {
    const { report } = run(synthesized);
    for (const r of report.rules) {
      expect(r.checkovComparison.map((m) => m.id)).toEqual(r.checkov);
      for (const m of r.checkovComparison) expect(['equivalent', 'stricter']).toContain(m.parity);
    }
    expect(report.rules.find((r) => r.id === 'PAR-SEC-008')!.checkovComparison).toContainEqual(
      expect.objectContaining({ id: 'CKV_GCP_6', parity: 'stricter' }),
    );
  });

  // [case, environment, change, rule, address prefix, Checkov ID or undefined]
  const cases: Array<[string, string, (j: TerraformJson) => void, string, string, string | undefined]> = [
    [
      'fails on an SQS queue with the AWS-managed key',
      'prod-use1',
      (j) => {
        first(j, 'aws_sqs_queue').kms_master_key_id = 'alias/aws/sqs';
      },
      'PAR-SEC-001',
      'aws_sqs_queue.',
      'CKV2_AWS_73',
    ],
    [
      'fails on a read replica without a key of its region',
      'dr-usw2',
      (j) => {
        const db = first(j, 'aws_db_instance');
        db.replicate_source_db = 'arn:aws:rds:us-east-1:1:db:x';
        delete db.kms_key_id;
      },
      'PAR-SEC-001',
      'aws_db_instance.',
      'CKV_AWS_16',
    ],
    [
      'fails on a backup vault without a key',
      'prod-use1',
      (j) => delete first(j, 'aws_backup_vault').kms_key_arn,
      'PAR-SEC-001',
      'aws_backup_vault.',
      'CKV_AWS_166',
    ],
    [
      'fails on EKS secrets without a key',
      'staging',
      (j) => delete first(j, 'aws_eks_cluster').encryption_config,
      'PAR-SEC-001',
      'aws_eks_cluster.',
      'CKV_AWS_58',
    ],
    [
      'fails on node volumes whose launch template sets no key (EBS default encryption at most)',
      'prod-use1',
      (j) => {
        const ebs = (first(j, 'aws_launch_template').block_device_mappings as Body[])[0]!.ebs as Body;
        delete ebs.kms_key_id;
      },
      'PAR-SEC-001',
      'aws_eks_node_group.',
      undefined,
    ],
    [
      'fails on a node group without a launch template (volumes with no customer-managed key)',
      'dr-usw2',
      (j) => delete first(j, 'aws_eks_node_group').launch_template,
      'PAR-SEC-001',
      'aws_eks_node_group.',
      undefined,
    ],
    [
      'fails on a Cloud SQL instance with a Google-managed key',
      'dr-gcp-euw4',
      (j) => delete first(j, 'google_sql_database_instance').encryption_key_name,
      'PAR-SEC-001',
      'google_sql_database_instance.',
      undefined,
    ],
    [
      'fails on a Pub/Sub topic with a Google-managed key',
      'prod-gcp-euw1',
      (j) => delete first(j, 'google_pubsub_topic').kms_key_name,
      'PAR-SEC-001',
      'google_pubsub_topic.',
      'CKV_GCP_83',
    ],
    [
      'fails on node pool boot disks with a Google-managed key',
      'prod-gcp-euw1',
      (j) => delete (first(j, 'google_container_node_pool').node_config as Body).boot_disk_kms_key,
      'PAR-SEC-001',
      'google_container_node_pool.',
      undefined,
    ],
    [
      'fails on a Cloud Storage bucket with a Google-managed key',
      'prod-gcp-euw1',
      (j) => delete first(j, 'google_storage_bucket').encryption,
      'PAR-SEC-001',
      'google_storage_bucket.',
      undefined,
    ],
    [
      'fails on Backup for GKE backups with a Google-managed key',
      'prod-gcp-euw1',
      // the example cluster is stateless (no plan): a plan as the backup bundle makes for volumes: backup, without its key
      (j) =>
        add(j, 'google_gke_backup_backup_plan', 'backup_gke-plan_34448339', {
          location: 'europe-west4',
          backup_config: { include_volume_data: true },
        }),
      'PAR-SEC-001',
      'google_gke_backup_backup_plan.',
      undefined,
    ],
    [
      'fails on an S3 bucket without KMS default encryption',
      'staging',
      (j) => add(j, 'aws_s3_bucket', 'data', { bucket: 'acme-data' }),
      'PAR-SEC-001',
      'aws_s3_bucket.data',
      'CKV_AWS_145',
    ],
    [
      'fails on an S3 bucket without a public access block',
      'staging',
      (j) => add(j, 'aws_s3_bucket', 'data', { bucket: 'acme-data' }),
      'PAR-SEC-003',
      'aws_s3_bucket.data',
      'CKV2_AWS_6',
    ],
    [
      'fails on an S3 bucket that takes plain HTTP',
      'staging',
      (j) => add(j, 'aws_s3_bucket', 'data', { bucket: 'acme-data' }),
      'PAR-SEC-004',
      'aws_s3_bucket.data',
      undefined,
    ],
    [
      'fails on an S3 bucket neither versioned nor replicated',
      'staging',
      (j) => add(j, 'aws_s3_bucket', 'data', { bucket: 'acme-data' }),
      'PAR-RES-002',
      'aws_s3_bucket.data',
      'CKV_AWS_21',
    ],
    [
      'fails on SSH open to ::/0 (tagged with the SSH check)',
      'staging',
      (j) =>
        add(j, 'aws_security_group_rule', 'ssh', {
          type: 'ingress',
          from_port: 22,
          to_port: 22,
          protocol: 'tcp',
          ipv6_cidr_blocks: ['::/0'],
        }),
      'PAR-SEC-002',
      'aws_security_group_rule.ssh',
      'CKV_AWS_24',
    ],
    [
      'fails on HTTP open to 0.0.0.0/0 (tagged with the HTTP check, not all ports)',
      'prod-use1',
      (j) =>
        add(j, 'aws_vpc_security_group_ingress_rule', 'http', { cidr_ipv4: '0.0.0.0/0', from_port: 80, to_port: 80, ip_protocol: 'tcp' }),
      'PAR-SEC-002',
      'aws_vpc_security_group_ingress_rule.http',
      'CKV_AWS_260',
    ],
    [
      'fails on every protocol open to the internet (tagged with the all-ports check)',
      'prod-use1',
      (j) => add(j, 'aws_vpc_security_group_ingress_rule', 'all', { cidr_ipv4: '0.0.0.0/0', ip_protocol: '-1' }),
      'PAR-SEC-002',
      'aws_vpc_security_group_ingress_rule.all',
      'CKV_AWS_277',
    ],
    [
      'fails on a GCP firewall open to the internet',
      'prod-gcp-euw1',
      (j) => add(j, 'google_compute_firewall', 'all', { network: 'x', source_ranges: ['0.0.0.0/0'] }),
      'PAR-SEC-002',
      'google_compute_firewall.all',
      undefined,
    ],
    [
      'fails on a publicly accessible database',
      'prod-use1',
      (j) => {
        first(j, 'aws_db_instance').publicly_accessible = true;
      },
      'PAR-SEC-003',
      'aws_db_instance.',
      'CKV_AWS_17',
    ],
    [
      'fails on a public EKS endpoint',
      'prod-use1',
      (j) => {
        (first(j, 'aws_eks_cluster').vpc_config as Body).endpoint_public_access = true;
      },
      'PAR-SEC-003',
      'aws_eks_cluster.',
      'CKV_AWS_39',
    ],
    [
      'fails on a Cloud SQL public IP',
      'prod-gcp-euw1',
      (j) => {
        ((first(j, 'google_sql_database_instance').settings as Body).ip_configuration as Body).ipv4_enabled = true;
      },
      'PAR-SEC-003',
      'google_sql_database_instance.',
      'CKV_GCP_60',
    ],
    [
      'fails on a GKE API open to 0.0.0.0/0',
      'prod-gcp-euw1',
      (j) => {
        (first(j, 'google_container_cluster').master_authorized_networks_config as Body).cidr_blocks = [{ cidr_block: '0.0.0.0/0' }];
      },
      'PAR-SEC-003',
      'google_container_cluster.',
      'CKV_GCP_18',
    ],
    [
      'fails on RDS without rds.force_ssl',
      'prod-use1',
      (j) => {
        first(j, 'aws_db_parameter_group').parameter = [];
      },
      'PAR-SEC-004',
      'aws_db_instance.',
      'CKV2_AWS_69',
    ],
    [
      'fails on a MySQL parameter group forcing SSL the PostgreSQL way',
      'prod-use1',
      (j) => {
        first(j, 'aws_db_instance').engine = 'mysql';
        Object.assign(first(j, 'aws_db_parameter_group'), { family: 'mysql8.0' });
      },
      'PAR-SEC-004',
      'aws_db_instance.',
      'CKV2_AWS_69',
    ],
    [
      'fails on a basic viewer role',
      'prod-gcp-euw1',
      (j) => add(j, 'google_project_iam_member', 'viewer', { project: 'p', role: 'roles/viewer', member: 'user:a@b.c' }),
      'PAR-SEC-005',
      'google_project_iam_member.viewer',
      'CKV_GCP_117',
    ],
    [
      'fails on EKS without the scheduler log',
      'prod-use1',
      (j) => {
        first(j, 'aws_eks_cluster').enabled_cluster_log_types = ['api', 'audit', 'authenticator', 'controllerManager'];
      },
      'PAR-SEC-007',
      'aws_eks_cluster.',
      'CKV_AWS_37',
    ],
    [
      'fails on EKS encryption that names a key but no resources',
      'prod-use1',
      (j) => {
        (first(j, 'aws_eks_cluster').encryption_config as Body).resources = [];
      },
      'PAR-SEC-001',
      'aws_eks_cluster.',
      'CKV_AWS_58',
    ],
    [
      'fails on Cloud SQL accepting plaintext',
      'prod-gcp-euw1',
      (j) => {
        ((first(j, 'google_sql_database_instance').settings as Body).ip_configuration as Body).ssl_mode = 'ALLOW_UNENCRYPTED_AND_ENCRYPTED';
      },
      'PAR-SEC-004',
      'google_sql_database_instance.',
      undefined,
    ],
    [
      'fails on "*" on "*"',
      'staging',
      (j) =>
        add(j, 'aws_iam_role_policy', 'admin', {
          role: 'r',
          policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
        }),
      'PAR-SEC-005',
      'aws_iam_role_policy.admin',
      'CKV_AWS_62',
    ],
    [
      'fails on a basic GCP role',
      'prod-gcp-euw1',
      (j) => add(j, 'google_project_iam_member', 'owner', { project: 'p', role: 'roles/owner', member: 'user:a@b.c' }),
      'PAR-SEC-005',
      'google_project_iam_member.owner',
      'CKV_GCP_117',
    ],
    [
      'fails on a literal password',
      'prod-use1',
      (j) => {
        first(j, 'aws_db_instance').password = 'hunter2hunter2';
      },
      'PAR-SEC-006',
      'aws_db_instance.',
      undefined,
    ],
    [
      'fails on an access key in a tag',
      'staging',
      (j) => {
        const q = first(j, 'aws_sqs_queue');
        q.tags = { ...(q.tags as Body), note: 'AKIAABCDEFGHIJKLMNOP' };
      },
      'PAR-SEC-006',
      'aws_sqs_queue.',
      undefined,
    ],
    [
      'fails on a literal secret in a provider',
      'staging',
      (j) => {
        j.provider!.aws![0]!.secret_key = 'abc';
      },
      'PAR-SEC-006',
      'provider.aws',
      undefined,
    ],
    [
      'fails on EKS without audit logs',
      'staging',
      (j) => {
        first(j, 'aws_eks_cluster').enabled_cluster_log_types = ['api'];
      },
      'PAR-SEC-007',
      'aws_eks_cluster.',
      'CKV_AWS_37',
    ],
    [
      'fails on RDS without exported logs',
      'staging',
      (j) => delete first(j, 'aws_db_instance').enabled_cloudwatch_logs_exports,
      'PAR-SEC-007',
      'aws_db_instance.',
      'CKV_AWS_129',
    ],
    [
      'fails on production without deletion protection',
      'prod-use1',
      (j) => {
        first(j, 'aws_db_instance').deletion_protection = false;
      },
      'PAR-RES-001',
      'aws_db_instance.',
      'CKV_AWS_293',
    ],
    [
      'fails on production without a final snapshot',
      'dr-usw2',
      (j) => {
        first(j, 'aws_db_instance').skip_final_snapshot = true;
      },
      'PAR-RES-001',
      'aws_db_instance.',
      undefined,
    ],
    [
      'fails on Cloud SQL in production without deletion protection',
      'prod-gcp-euw1',
      (j) => {
        first(j, 'google_sql_database_instance').deletion_protection = false;
      },
      'PAR-RES-001',
      'google_sql_database_instance.',
      undefined,
    ],
    [
      'fails on one day of RDS backups',
      'staging',
      (j) => {
        first(j, 'aws_db_instance').backup_retention_period = 1;
      },
      'PAR-RES-002',
      'aws_db_instance.',
      'CKV_AWS_133',
    ],
    [
      'fails on copies kept 3 days',
      'prod-use1',
      (j) => {
        (((first(j, 'aws_backup_plan').rule as Body[])[0]!.copy_action as Body[])[0]!.lifecycle as Body).delete_after = 3;
      },
      'PAR-RES-002',
      'aws_backup_plan.',
      undefined,
    ],
    [
      'fails on Cloud SQL without backups',
      'prod-gcp-euw1',
      (j) => {
        ((first(j, 'google_sql_database_instance').settings as Body).backup_configuration as Body).enabled = false;
      },
      'PAR-RES-002',
      'google_sql_database_instance.',
      'CKV_GCP_14',
    ],
    [
      'fails on a single-AZ production database',
      'prod-use1',
      (j) => {
        first(j, 'aws_db_instance').multi_az = false;
      },
      'PAR-RES-003',
      'aws_db_instance.',
      'CKV_AWS_157',
    ],
    [
      'fails on a zonal production Cloud SQL',
      'dr-gcp-euw4',
      (j) => {
        (first(j, 'google_sql_database_instance').settings as Body).availability_type = 'ZONAL';
      },
      'PAR-RES-003',
      'google_sql_database_instance.',
      undefined,
    ],
    [
      'fails on unencrypted state',
      'staging',
      (j) => ((((j.terraform as Body).backend as Body).s3 as Body).encrypt = false),
      'PAR-RES-004',
      'terraform.backend.s3',
      undefined,
    ],
    [
      'fails on dr state in the region it recovers from',
      'dr-usw2',
      (j) => {
        (((j.terraform as Body).backend as Body).s3 as Body).region = 'us-east-1';
      },
      'PAR-RES-004',
      'terraform.backend.s3',
      undefined,
    ],
    [
      'fails on a state bucket the fleet creates unversioned',
      'staging',
      (j) => add(j, 'aws_s3_bucket', 'state', { bucket: 'acme-tfstate-us-east-1' }),
      'PAR-RES-004',
      'aws_s3_bucket.state',
      'CKV_AWS_21',
    ],
    [
      'fails on a backup vault without a lock',
      'prod-use1',
      (j) => delete j.resource!.aws_backup_vault_lock_configuration,
      'PAR-RES-005',
      'aws_backup_vault.',
      undefined,
    ],
  ];
  it.each(cases)('%s', (_t, env, change, rule, address, checkov) => {
    const { findings } = run(changed(env, change));
    const hits = findings.filter((f) => f.rule === rule && f.env === env && f.address!.startsWith(address));
    expect(hits.length, JSON.stringify(findings, null, 1)).toBeGreaterThan(0);
    expect(hits[0]!.severity).toBe('error');
    expect(hits[0]!.fix).toBeTruthy();
    expect(hits[0]!.file).toBe(`environments/${env}/cdktf.out/stacks/${env}/cdk.tf.json`);
    expect(hits[0]!.checkov).toBe(checkov);
    // Every finding with a Checkov ID says how its rule compares with it.
    const mapping = RULES.find((r) => r.id === rule)!.checkov.find((m) => m.id === checkov);
    expect(hits[0]!.checkovComparison).toBe(mapping?.parity);
  });

  it("fails on Cloud SQL asking no client certificate (CKV_GCP_6), which the example definition's exception waives", () => {
    const json = changed('dr-gcp-euw4', () => undefined);
    const waived = run(json).findings.filter((f) => f.rule === 'PAR-SEC-008');
    expect(waived).toEqual([]);
    const guardrails = ws.definition.data.guardrails;
    const strict = {
      ...ws,
      definition: {
        ...ws.definition,
        data: {
          ...ws.definition.data,
          guardrails: { ...guardrails, exceptions: guardrails.exceptions.filter((x) => x.rule !== 'PAR-SEC-008') },
        },
      },
    } as Workspace;
    const hits = run(json, strict).findings.filter((f) => f.rule === 'PAR-SEC-008');
    expect(hits).toEqual([
      expect.objectContaining({
        severity: 'error',
        address: expect.stringMatching(/^google_sql_database_instance\./),
        checkov: 'CKV_GCP_6',
        checkovComparison: 'stricter',
        message: expect.stringContaining('ENCRYPTED_ONLY'),
      }),
    ]);
  });

  const passes: Array<[string, string, (j: TerraformJson) => void, string]> = [
    [
      'staging may do without deletion protection and Multi-AZ',
      'staging',
      (j) => Object.assign(first(j, 'aws_db_instance'), { deletion_protection: false, multi_az: false, skip_final_snapshot: true }),
      'PAR-RES-',
    ],
    [
      'a password taken from a reference is no plaintext secret',
      'staging',
      (j) => {
        first(j, 'aws_db_instance').password = '${aws_secretsmanager_secret_version.x.secret_string}';
      },
      'PAR-SEC-006',
    ],
    [
      'a read replica needs no backup retention of its own',
      'dr-usw2',
      (j) => {
        const db = first(j, 'aws_db_instance');
        db.replicate_source_db = 'arn:aws:rds:us-east-1:1:db:x';
        delete db.backup_retention_period;
      },
      'PAR-RES-002',
    ],
    ['an ingress rule from the VPC is not from the internet', 'prod-use1', () => undefined, 'PAR-SEC-002'],
    [
      'a bucket policy from a policy document that denies plain HTTP enforces TLS',
      'staging',
      (j) => {
        add(j, 'aws_s3_bucket', 'data', { bucket: 'acme-data' });
        j.data ??= {};
        j.data.aws_iam_policy_document ??= {};
        j.data.aws_iam_policy_document.tls = {
          statement: [
            { effect: 'Deny', actions: ['s3:*'], condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }] },
          ],
        };
        add(j, 'aws_s3_bucket_policy', 'data', { bucket: '${aws_s3_bucket.data.id}', policy: '${data.aws_iam_policy_document.tls.json}' });
      },
      'PAR-SEC-004',
    ],
    [
      'a read replica takes no final snapshot',
      'dr-usw2',
      (j) => Object.assign(first(j, 'aws_db_instance'), { replicate_source_db: 'arn:aws:rds:us-east-1:1:db:x', skip_final_snapshot: true }),
      'PAR-RES-001',
    ],
  ];
  it.each(passes)('passes: %s', (_t, env, change, prefix) => {
    const { findings } = run(changed(env, change));
    expect(findings.filter((f) => f.rule?.startsWith(prefix))).toEqual([]);
  });
});

describe('policy exceptions', () => {
  const withExceptions = (exceptions: Array<Record<string, unknown>>): Workspace => {
    const definition = {
      ...ws.definition,
      data: {
        ...ws.definition.data,
        guardrails: { ...ws.definition.data.guardrails, exceptions: [...ws.definition.data.guardrails.exceptions, ...exceptions] },
      },
    };
    return { ...ws, definition } as Workspace;
  };
  // The index the test's exception takes, after the example definition's own.
  const at = () => `guardrails.exceptions.${ws.definition.data.guardrails.exceptions.length}`;
  const noLock = () => changed('prod-use1', (j) => delete j.resource!.aws_backup_vault_lock_configuration);
  const lockException = (expires: string) => ({
    rule: 'PAR-RES-005',
    addresses: ['backup/vault', 'aws_backup_vault.backup_copy-*'],
    reason: 'a test',
    expires,
  });

  it('waives the addresses it names, by construct path or Terraform address with *, and lists them', () => {
    const { findings, report } = run(noLock(), withExceptions([lockException('2026-11-28')]));
    expect(findings.filter((f) => f.rule === 'PAR-RES-005')).toEqual([]);
    const x = report.exceptions.find((e) => e.rule === 'PAR-RES-005')!;
    expect(x.valid).toBe(true);
    expect(x.waived.sort()).toEqual([
      expect.stringMatching(/^prod-use1 aws_backup_vault\.backup_copy-vault-us-west-2_/),
      expect.stringMatching(/^prod-use1 aws_backup_vault\.backup_vault_/),
    ]);
  });

  it('fails on an exception past its expiry (the day after), which then waives nothing', () => {
    const { findings } = run(noLock(), withExceptions([lockException('2026-11-27')]));
    const expired = findings.filter((f) => f.kind === 'exception-expired');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({
      severity: 'error',
      file: 'environments/platform.yaml',
      path: `${at()}.expires`,
      value: '2026-11-27',
    });
    expect(findings.filter((f) => f.rule === 'PAR-RES-005').length).toBe(2);
  });

  it('fails on an exception to a rule that does not exist', () => {
    const { findings } = run(noLock(), withExceptions([{ ...lockException('2099-01-01'), rule: 'PAR-SEC-999' }]));
    expect(findings.find((f) => f.kind === 'exception-invalid')).toMatchObject({
      path: `${at()}.rule`,
      value: 'PAR-SEC-999',
    });
  });

  it('warns about an exception that waives nothing, when the whole fleet is judged', () => {
    const w = withExceptions([lockException('2099-01-01')]);
    const { findings } = runPolicy(w, envs, (n) => synthesized.get(n), { now: NOW, bootstrap: [] });
    expect(findings.find((f) => f.kind === 'exception-unused' && f.path.startsWith(`${at()}.`))).toMatchObject({
      severity: 'warning',
      path: `${at()}.addresses`,
    });
  });
});
