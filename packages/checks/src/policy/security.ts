/**
 * Security rules (PAR-SEC-…): one small function per rule over one environment's Terraform.
 * Each names the resource type it reads; resource types it does not know are not judged.
 */
import type { TfResource } from '../tf.js';
import { block, isExpression, on, referencing, resourcesOf, type StackContext, type StackRule, type Violation } from './types.js';

const missing = (v: unknown) => v === undefined || v === null || v === '';

interface KeyCheck {
  readonly type: string;
  readonly what: string;
  readonly keyed: (r: TfResource, ctx: StackContext) => boolean;
  readonly fix: string;
  readonly checkov?: string;
}

/** Per data store type: whether a resource names its customer-managed key. */
const KEY_CHECKS: readonly KeyCheck[] = [
  {
    type: 'aws_db_instance',
    what: 'RDS storage',
    // A restore keeps its snapshot's key (RDS cannot re-encrypt on restore); a replica must name one of its region.
    keyed: (r) => r.body.storage_encrypted === true && (!missing(r.body.kms_key_id) || !missing(r.body.snapshot_identifier)),
    fix: 'set storage_encrypted = true and kms_key_id to a KMS key of the region',
    checkov: 'CKV_AWS_16',
  },
  {
    type: 'aws_db_instance_automated_backups_replication',
    what: 'replicated RDS backups',
    keyed: (r) => !missing(r.body.kms_key_id),
    fix: 'set kms_key_id to a key of the destination region',
    checkov: 'CKV_AWS_245',
  },
  {
    type: 'aws_sqs_queue',
    what: 'the SQS queue',
    keyed: (r) => !missing(r.body.kms_master_key_id) && r.body.kms_master_key_id !== 'alias/aws/sqs',
    fix: 'set kms_master_key_id to a customer-managed KMS key (not alias/aws/sqs or SQS-managed SSE)',
    checkov: 'CKV2_AWS_73',
  },
  {
    type: 'aws_backup_vault',
    what: 'the backup vault',
    keyed: (r) => !missing(r.body.kms_key_arn),
    fix: "set kms_key_arn to a customer-managed KMS key of the vault's region",
    checkov: 'CKV_AWS_166',
  },
  {
    type: 'aws_eks_cluster',
    what: 'EKS secrets',
    keyed: (r) => !missing(block(block(r.body.encryption_config)?.provider)?.key_arn),
    fix: 'set encryption_config { resources = ["secrets"], provider { key_arn } }',
    checkov: 'CKV_AWS_58',
  },
  {
    type: 'aws_eks_node_group',
    what: "the node group's EBS volumes",
    keyed: (r, ctx) => nodeVolumesKeyed(ctx, r),
    fix: 'give the node group a launch template whose block_device_mappings set encrypted = true and kms_key_id',
  },
  {
    type: 'aws_ebs_volume',
    what: 'the EBS volume',
    keyed: (r) => r.body.encrypted === true && !missing(r.body.kms_key_id),
    fix: 'set encrypted = true and kms_key_id',
    checkov: 'CKV_AWS_189',
  },
  {
    type: 'aws_s3_bucket',
    what: 'the S3 bucket',
    keyed: (r, ctx) => s3Keyed(ctx, r),
    fix: 'add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm = "aws:kms" and kms_master_key_id',
    checkov: 'CKV_AWS_145',
  },
  {
    type: 'aws_dynamodb_table',
    what: 'the DynamoDB table',
    // Without server_side_encryption, DynamoDB encrypts with an AWS-owned key.
    keyed: (r) => block(r.body.server_side_encryption)?.enabled === true && !missing(block(r.body.server_side_encryption)?.kms_key_arn),
    fix: 'set server_side_encryption { enabled = true, kms_key_arn = <a customer-managed key of the region> }',
  },
  {
    type: 'google_sql_database_instance',
    what: 'Cloud SQL storage',
    keyed: (r) => !missing(r.body.encryption_key_name),
    fix: "set encryption_key_name to a Cloud KMS key of the instance's region (the Cloud SQL service agent needs cryptoKeyEncrypterDecrypter on it)",
  },
  {
    type: 'google_pubsub_topic',
    what: 'the Pub/Sub topic',
    keyed: (r) => !missing(r.body.kms_key_name),
    fix: 'set kms_key_name to a Cloud KMS key (the Pub/Sub service agent needs cryptoKeyEncrypterDecrypter on it)',
    checkov: 'CKV_GCP_83',
  },
  {
    type: 'google_storage_bucket',
    what: 'the bucket',
    keyed: (r) => !missing(block(r.body.encryption)?.default_kms_key_name),
    fix: 'set encryption { default_kms_key_name }',
  },
  {
    type: 'google_container_node_pool',
    what: "the node pool's boot disks",
    keyed: (r) => !missing(block(r.body.node_config)?.boot_disk_kms_key),
    fix: 'set node_config.boot_disk_kms_key',
  },
  {
    type: 'google_gke_backup_backup_plan',
    what: 'Backup for GKE backups',
    keyed: (r) => !missing(block(block(r.body.backup_config)?.encryption_key)?.gcp_kms_encryption_key),
    fix: 'set backup_config.encryption_key.gcp_kms_encryption_key',
  },
];

/** PAR-SEC-001: customer-managed keys on every data store. */
function cmkEncryption(ctx: StackContext): Violation[] {
  return KEY_CHECKS.flatMap((c) =>
    ctx.doc
      .resources(c.type)
      .filter((r) => !c.keyed(r, ctx))
      .map((r) =>
        on(r, {
          message: `${c.what}: not encrypted with a customer-managed key`,
          fix: c.fix,
          ...(c.checkov ? { checkov: c.checkov } : {}),
        }),
      ),
  );
}

/** Whether a node group's volumes use a CMK: through its launch template's block device mappings. */
function nodeVolumesKeyed(ctx: StackContext, r: TfResource): boolean {
  const lt = block(r.body.launch_template);
  const template = lt ? (ctx.doc.deref(lt.id) ?? ctx.doc.deref(lt.name)) : undefined;
  if (template?.type !== 'aws_launch_template') return false;
  const mappings = Array.isArray(template.body.block_device_mappings)
    ? template.body.block_device_mappings
    : [template.body.block_device_mappings];
  const ebs = mappings.map((m) => block(block(m)?.ebs)).filter((e): e is Record<string, unknown> => !!e);
  return ebs.length > 0 && ebs.every((e) => (e.encrypted === true || e.encrypted === 'true') && !missing(e.kms_key_id));
}

function s3Keyed(ctx: StackContext, bucket: TfResource): boolean {
  return referencing(ctx.doc, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', bucket).some((c) => {
    const rules = Array.isArray(c.body.rule) ? c.body.rule : [c.body.rule];
    return rules.some((x) => {
      const d = block(block(x)?.apply_server_side_encryption_by_default);
      return !!d && String(d.sse_algorithm).startsWith('aws:kms') && !missing(d.kms_master_key_id);
    });
  });
}

const OPEN = new Set(['0.0.0.0/0', '::/0']);
const open = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && OPEN.has(x));
const ports = (b: Record<string, unknown>) =>
  b.from_port === undefined
    ? 'all ports'
    : b.from_port === b.to_port
      ? `port ${String(b.from_port)}`
      : `ports ${String(b.from_port)}-${String(b.to_port)}`;

/** PAR-SEC-002: nothing reachable from the whole internet. */
function openIngress(ctx: StackContext): Violation[] {
  const out: Violation[] = [];
  const flag = (r: TfResource, cidrs: string[], b: Record<string, unknown>, fix: string) => {
    if (cidrs.length)
      out.push(on(r, { message: `allows ingress on ${ports(b)} from ${cidrs.join(' and ')}`, fix, checkov: 'CKV_AWS_277' }));
  };
  for (const r of ctx.doc.resources('aws_vpc_security_group_ingress_rule'))
    flag(
      r,
      open([r.body.cidr_ipv4, r.body.cidr_ipv6]),
      r.body,
      "set cidr_ipv4 to the VPC's range or reference a security group (referenced_security_group_id)",
    );
  for (const r of ctx.doc.resources('aws_security_group_rule'))
    if (r.body.type === 'ingress')
      flag(
        r,
        open([...((r.body.cidr_blocks as unknown[]) ?? []), ...((r.body.ipv6_cidr_blocks as unknown[]) ?? [])]),
        r.body,
        'narrow cidr_blocks to known ranges or use source_security_group_id',
      );
  for (const r of ctx.doc.resources('aws_security_group')) {
    for (const i of Array.isArray(r.body.ingress) ? r.body.ingress : r.body.ingress ? [r.body.ingress] : []) {
      const b = block(i) ?? {};
      flag(
        r,
        open([...((b.cidr_blocks as unknown[]) ?? []), ...((b.ipv6_cidr_blocks as unknown[]) ?? [])]),
        b,
        "narrow the ingress block's cidr_blocks to known ranges",
      );
    }
  }
  for (const r of ctx.doc.resources('google_compute_firewall')) {
    if ((r.body.direction ?? 'INGRESS') !== 'INGRESS') continue;
    const cidrs = open(r.body.source_ranges);
    if (cidrs.length)
      out.push(
        on(r, {
          message: `allows ingress from ${cidrs.join(' and ')}`,
          fix: 'narrow source_ranges to known ranges (or use source_tags / source_service_accounts)',
        }),
      );
  }
  return out;
}

/** PAR-SEC-003: no database, cluster API or bucket open to the public. */
function publicEndpoints(ctx: StackContext): Violation[] {
  const d = ctx.doc;
  const out: Violation[] = [];
  for (const r of d.resources('aws_db_instance'))
    if (r.body.publicly_accessible === true)
      out.push(on(r, { message: 'the database is publicly accessible', fix: 'set publicly_accessible = false', checkov: 'CKV_AWS_17' }));
  for (const r of d.resources('aws_eks_cluster')) {
    // The provider's default is a public endpoint: unset counts as public.
    if (block(r.body.vpc_config)?.endpoint_public_access !== false)
      out.push(
        on(r, {
          message: 'the cluster API endpoint is public',
          fix: 'set vpc_config.endpoint_public_access = false and endpoint_private_access = true',
          checkov: 'CKV_AWS_39',
        }),
      );
  }
  for (const r of d.resources('aws_s3_bucket')) {
    const blocks = referencing(d, 'aws_s3_bucket_public_access_block', 'bucket', r);
    const all = blocks.some((b) =>
      ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].every((k) => b.body[k] === true),
    );
    if (!all)
      out.push(
        on(r, {
          message: 'the bucket has no public access block with all four settings on',
          fix: 'add aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets = true',
          checkov: 'CKV2_AWS_6',
        }),
      );
  }
  for (const r of d.resources('google_sql_database_instance')) {
    // Cloud SQL gives an instance a public IP unless ipv4_enabled is false.
    if (block(block(r.body.settings)?.ip_configuration)?.ipv4_enabled !== false)
      out.push(
        on(r, {
          message: 'the instance has a public IP',
          fix: 'set settings.ip_configuration.ipv4_enabled = false and private_network',
          checkov: 'CKV_GCP_60',
        }),
      );
  }
  for (const r of d.resources('google_container_cluster')) out.push(...gkeEndpoint(r));
  for (const r of d.resources('google_storage_bucket')) {
    if (r.body.public_access_prevention !== 'enforced')
      out.push(
        on(r, {
          message: 'public access prevention is not enforced',
          fix: 'set public_access_prevention = "enforced"',
          checkov: 'CKV_GCP_114',
        }),
      );
  }
  for (const r of resourcesOf(d, 'google_storage_bucket_iam_member', 'google_storage_bucket_iam_binding')) {
    const members = [r.body.member, ...((r.body.members as unknown[]) ?? [])];
    if (members.some((m) => m === 'allUsers' || m === 'allAuthenticatedUsers'))
      out.push(
        on(r, {
          message: 'grants the bucket to allUsers or allAuthenticatedUsers',
          fix: 'grant named principals only',
          checkov: 'CKV_GCP_28',
        }),
      );
  }
  return out;
}

function gkeEndpoint(r: TfResource): Violation[] {
  if (block(r.body.private_cluster_config)?.enable_private_endpoint === true) return [];
  const man = block(r.body.master_authorized_networks_config);
  const cidrs = (Array.isArray(man?.cidr_blocks) ? man.cidr_blocks : man?.cidr_blocks ? [man.cidr_blocks] : []).map(
    (c) => block(c)?.cidr_block,
  );
  if (man && man.gcp_public_cidrs_access_enabled !== true && open(cidrs).length === 0) return [];
  return [
    on(r, {
      message: 'the cluster API endpoint is reachable from the internet',
      fix: 'set private_cluster_config.enable_private_endpoint = true, or master_authorized_networks_config with named ranges and gcp_public_cidrs_access_enabled = false',
      checkov: 'CKV_GCP_18',
    }),
  ];
}

/** PAR-SEC-004: connections to databases must use TLS. */
function tlsEnforced(ctx: StackContext): Violation[] {
  const d = ctx.doc;
  const out: Violation[] = [];
  for (const r of d.resources('aws_db_instance')) {
    const group = d.deref(r.body.parameter_group_name);
    const params = group ? (Array.isArray(group.body.parameter) ? group.body.parameter : [group.body.parameter]) : [];
    const forced = params.some((p) => block(p)?.name === 'rds.force_ssl' && String(block(p)?.value) === '1');
    if (!forced)
      out.push(
        on(r, {
          message: 'connections without TLS are accepted (its parameter group does not set rds.force_ssl = 1)',
          fix: 'use a parameter group of this stack with rds.force_ssl = 1',
          checkov: 'CKV2_AWS_69',
        }),
      );
  }
  for (const r of d.resources('google_sql_database_instance')) {
    const mode = block(block(r.body.settings)?.ip_configuration)?.ssl_mode;
    if (mode !== 'ENCRYPTED_ONLY' && mode !== 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED')
      out.push(
        on(r, {
          message: `ssl_mode is ${JSON.stringify(mode ?? 'unset')}: connections without TLS are accepted`,
          fix: 'set settings.ip_configuration.ssl_mode = "ENCRYPTED_ONLY"',
          checkov: 'CKV_GCP_6',
        }),
      );
  }
  for (const r of d.resources('aws_s3_bucket')) {
    const policies = referencing(d, 'aws_s3_bucket_policy', 'bucket', r);
    if (!policies.some((p) => policyText(ctx, p.body.policy).includes('aws:SecureTransport')))
      out.push(
        on(r, {
          message: 'no bucket policy denies requests without TLS',
          fix: 'add aws_s3_bucket_policy denying s3:* when aws:SecureTransport is false',
        }),
      );
  }
  return out;
}

/** A policy as text: literal JSON, or the policy document data source it references. */
function policyText(ctx: StackContext, policy: unknown): string {
  const ref = typeof policy === 'string' ? /\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}/.exec(policy) : null;
  return JSON.stringify(ref ? (ctx.json.data?.aws_iam_policy_document?.[ref[1]!] ?? '') : (policy ?? ''));
}

interface Statement {
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
}
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Statements of an IAM policy document given as JSON text or an object; undefined when it is an expression. */
function statements(policy: unknown): Statement[] | undefined {
  let doc: unknown = policy;
  if (typeof policy === 'string') {
    if (isExpression(policy)) return undefined;
    try {
      doc = JSON.parse(policy);
    } catch {
      return undefined;
    }
  }
  return listOf((doc as { Statement?: unknown })?.Statement) as Statement[];
}

/** PAR-SEC-005: no IAM policy allowing every action on every resource (or a basic GCP role). */
function iamWildcards(ctx: StackContext): Violation[] {
  const out: Violation[] = [];
  const star = (s: Statement) => (s.Effect ?? 'Allow') === 'Allow' && listOf(s.Action).includes('*') && listOf(s.Resource).includes('*');
  for (const r of resourcesOf(ctx.doc, 'aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy')) {
    if (statements(r.body.policy)?.some(star))
      out.push(
        on(r, {
          message: 'allows "*" actions on "*" resources',
          fix: 'list the actions and resources the principal needs',
          checkov: 'CKV_AWS_62',
        }),
      );
  }
  for (const r of ctx.doc.resources('aws_iam_role')) {
    for (const p of listOf(r.body.inline_policy)) {
      if (statements(block(p)?.policy)?.some(star))
        out.push(
          on(r, {
            message: 'an inline policy allows "*" actions on "*" resources',
            fix: 'list the actions and resources the role needs',
            checkov: 'CKV_AWS_62',
          }),
        );
    }
  }
  for (const [name, body] of Object.entries(ctx.json.data?.aws_iam_policy_document ?? {})) {
    const st = listOf(body.statement).map((s) => ({
      Effect: block(s)?.effect as string | undefined,
      Action: block(s)?.actions,
      Resource: block(s)?.resources,
    }));
    if (st.some(star))
      out.push({
        address: `data.aws_iam_policy_document.${name}`,
        message: 'allows "*" actions on "*" resources',
        fix: 'list the actions and resources the principal needs',
        checkov: 'CKV_AWS_1',
      });
  }
  for (const r of resourcesOf(ctx.doc, 'google_project_iam_member', 'google_project_iam_binding')) {
    if (r.body.role === 'roles/owner' || r.body.role === 'roles/editor')
      out.push(
        on(r, {
          message: `grants the basic role ${String(r.body.role)}`,
          fix: 'grant a predefined role with only the permissions needed',
          checkov: 'CKV_GCP_117',
        }),
      );
  }
  return out;
}

const SECRET_KEY =
  /(^|_)(password|passwd|secret|token|secret_key|access_key|private_key|api_key|key_material|client_secret|credentials|secret_string)$/;
const SECRET_VALUE = [/\bAKIA[0-9A-Z]{16}\b/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\bgh[pousr]_[A-Za-z0-9]{36}\b/];

/** Literal strings under a secret-looking key, or that look like key material anywhere. */
function plaintext(value: unknown, path: string[], hits: string[]): void {
  if (typeof value === 'string') {
    const key = path[path.length - 1] ?? '';
    if (value !== '' && !isExpression(value) && (SECRET_KEY.test(key) || SECRET_VALUE.some((re) => re.test(value))))
      hits.push(path.join('.'));
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) plaintext(v, [...path, String(i)], hits);
  } else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) if (k !== '//') plaintext(v, [...path, k], hits);
}

/** PAR-SEC-006: no password, secret, token or key material written into the Terraform. */
function plaintextSecrets(ctx: StackContext): Violation[] {
  const out: Violation[] = [];
  const fix =
    'take it from a secret store at apply time (manage_master_user_password, a Secrets Manager or Secret Manager reference), never a literal';
  for (const r of ctx.doc.allResources()) {
    const hits: string[] = [];
    plaintext(r.body, [], hits);
    if (hits.length) out.push(on(r, { message: `a literal secret in ${hits.join(', ')}`, fix }));
  }
  for (const [name, list] of Object.entries(ctx.json.provider ?? {})) {
    const hits: string[] = [];
    plaintext(list, [], hits);
    if (hits.length) out.push({ address: `provider.${name}`, message: `a literal secret in ${hits.join(', ')}`, fix });
  }
  return out;
}

/** PAR-SEC-007: control-plane audit logs and database logs. */
function auditLogs(ctx: StackContext): Violation[] {
  const d = ctx.doc;
  const out: Violation[] = [];
  for (const r of d.resources('aws_eks_cluster')) {
    const types = listOf(r.body.enabled_cluster_log_types);
    const lacking = ['api', 'audit', 'authenticator'].filter((t) => !types.includes(t));
    if (lacking.length)
      out.push(
        on(r, {
          message: `control-plane logs off: ${lacking.join(', ')}`,
          fix: 'set enabled_cluster_log_types to include api, audit and authenticator',
          checkov: 'CKV_AWS_37',
        }),
      );
  }
  for (const r of d.resources('aws_db_instance')) {
    if (!listOf(r.body.enabled_cloudwatch_logs_exports).includes('postgresql') && r.body.engine === 'postgres')
      out.push(
        on(r, {
          message: 'database logs are not exported',
          fix: 'set enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]',
          checkov: 'CKV_AWS_129',
        }),
      );
  }
  for (const r of d.resources('google_sql_database_instance')) {
    const flags = listOf(block(r.body.settings)?.database_flags).map((f) => block(f) ?? {});
    const on_ = (n: string) => flags.some((f) => f.name === n && f.value === 'on');
    const lacking = ['log_connections', 'log_disconnections'].filter((n) => !on_(n));
    if (String(r.body.database_version ?? '').startsWith('POSTGRES') && lacking.length)
      out.push(
        on(r, {
          message: `database flags off: ${lacking.join(', ')}`,
          fix: `add settings.database_flags ${lacking.map((n) => `{ name = "${n}", value = "on" }`).join(', ')}`,
          checkov: 'CKV_GCP_52',
        }),
      );
  }
  for (const r of d.resources('google_container_cluster')) {
    if (r.body.logging_service === 'none')
      out.push(
        on(r, {
          message: 'cluster logging is off',
          fix: 'remove logging_service or set it to logging.googleapis.com/kubernetes',
          checkov: 'CKV_GCP_1',
        }),
      );
  }
  return out;
}

export const SECURITY_RULES: readonly StackRule[] = [
  {
    id: 'PAR-SEC-001',
    title: 'Data stores are encrypted at rest with a customer-managed key',
    category: 'security',
    severity: 'high',
    checkov: ['CKV_AWS_16', 'CKV_AWS_245', 'CKV2_AWS_73', 'CKV_AWS_166', 'CKV_AWS_58', 'CKV_AWS_189', 'CKV_AWS_145', 'CKV_GCP_83'],
    covers:
      'RDS and replicated backups, SQS, backup vaults, EKS secrets, node group EBS (launch template), EBS, S3, DynamoDB, Cloud SQL, Pub/Sub, GCS, GKE node disks, Backup for GKE',
    check: cmkEncryption,
  },
  {
    id: 'PAR-SEC-002',
    title: 'No ingress from 0.0.0.0/0 or ::/0',
    category: 'security',
    severity: 'critical',
    checkov: ['CKV_AWS_24', 'CKV_AWS_25', 'CKV_AWS_260', 'CKV_AWS_277'],
    covers: 'security groups and their rules, GCP firewalls',
    check: openIngress,
  },
  {
    id: 'PAR-SEC-003',
    title: 'No public database, cluster endpoint or bucket',
    category: 'security',
    severity: 'critical',
    checkov: ['CKV_AWS_17', 'CKV_AWS_39', 'CKV2_AWS_6', 'CKV_GCP_60', 'CKV_GCP_18', 'CKV_GCP_114', 'CKV_GCP_28'],
    covers: 'RDS, EKS, S3, Cloud SQL, GKE, GCS',
    check: publicEndpoints,
  },
  {
    id: 'PAR-SEC-004',
    title: 'TLS is enforced to databases and buckets',
    category: 'security',
    severity: 'high',
    checkov: ['CKV2_AWS_69', 'CKV_GCP_6'],
    covers: 'RDS (rds.force_ssl), Cloud SQL (ssl_mode), S3 (aws:SecureTransport policy)',
    check: tlsEnforced,
  },
  {
    id: 'PAR-SEC-005',
    title: 'No IAM policy allows "*" actions on "*" resources',
    category: 'security',
    severity: 'critical',
    checkov: ['CKV_AWS_62', 'CKV_AWS_1', 'CKV_GCP_117'],
    covers: 'IAM policies, inline role policies, policy documents, GCP basic roles',
    check: iamWildcards,
  },
  {
    id: 'PAR-SEC-006',
    title: 'No plaintext secret in any argument',
    category: 'security',
    severity: 'critical',
    checkov: [],
    covers: 'every argument of every resource and provider',
    check: plaintextSecrets,
  },
  {
    id: 'PAR-SEC-007',
    title: 'Audit and database logs are enabled',
    category: 'security',
    severity: 'medium',
    checkov: ['CKV_AWS_37', 'CKV_AWS_129', 'CKV_GCP_52', 'CKV_GCP_53', 'CKV_GCP_1'],
    covers: 'EKS control plane, RDS, Cloud SQL, GKE',
    check: auditLogs,
  },
];
