/**
 * Security rules (PAR-SEC-…): one small function per rule over one environment's Terraform.
 * Each names the resource type it reads; resource types it does not know are not judged.
 */
import { literal, type TfResource } from '../tf.js';
import { isOpenCidr, openIngress } from './ingress.js';
import {
  block,
  equivalent,
  isExpression,
  isFalse,
  isTrue,
  listOf,
  on,
  referencing,
  resourcesOf,
  stricter,
  type StackContext,
  type StackRule,
  type Violation,
} from './types.js';

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
    keyed: (r) => isTrue(r.body.storage_encrypted) && (!missing(r.body.kms_key_id) || !missing(r.body.snapshot_identifier)),
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
    // EKS encrypts only what `resources` lists: a key alone encrypts nothing.
    keyed: (r) => {
      const config = block(r.body.encryption_config);
      const resources = listOf(config?.resources);
      return resources.length === 1 && resources[0] === 'secrets' && !missing(block(config?.provider)?.key_arn);
    },
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
    keyed: (r) => isTrue(r.body.encrypted) && !missing(r.body.kms_key_id),
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
    keyed: (r) => isTrue(block(r.body.server_side_encryption)?.enabled) && !missing(block(r.body.server_side_encryption)?.kms_key_arn),
    fix: 'set server_side_encryption { enabled = true, kms_key_arn = <a customer-managed key of the region> }',
    checkov: 'CKV_AWS_119',
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
  return ebs.length > 0 && ebs.every((e) => isTrue(e.encrypted) && !missing(e.kms_key_id));
}

/**
 * Whether a bucket's default encryption is KMS with a named key: in an
 * aws_s3_bucket_server_side_encryption_configuration referencing the bucket, or
 * in the bucket's own server_side_encryption_configuration (deprecated, still read by the
 * provider). `aws:kms` only, as CKV_AWS_145 reads it (not `aws:kms:dsse`).
 */
function s3Keyed(ctx: StackContext, bucket: TfResource): boolean {
  const configs = [
    bucket.body.server_side_encryption_configuration,
    ...referencing(ctx.doc, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', bucket).map((c) => c.body),
  ];
  return configs.some((c) =>
    listOf(block(c)?.rule).some((x) => {
      const d = block(block(x)?.apply_server_side_encryption_by_default);
      return !!d && d.sse_algorithm === 'aws:kms' && !missing(d.kms_master_key_id);
    }),
  );
}

/** PAR-SEC-003: no database, cluster API or bucket open to the public. */
function publicEndpoints(ctx: StackContext): Violation[] {
  const d = ctx.doc;
  const out: Violation[] = [];
  for (const r of resourcesOf(d, 'aws_db_instance', 'aws_rds_cluster_instance'))
    if (isTrue(r.body.publicly_accessible))
      out.push(on(r, { message: 'the database is publicly accessible', fix: 'set publicly_accessible = false', checkov: 'CKV_AWS_17' }));
  for (const r of d.resources('aws_eks_cluster')) {
    // The provider's default is a public endpoint: unset counts as public.
    if (!isFalse(block(r.body.vpc_config)?.endpoint_public_access))
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
      ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].every((k) => isTrue(b.body[k])),
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
    if (!isFalse(block(block(r.body.settings)?.ip_configuration)?.ipv4_enabled))
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
    const members = [r.body.member, ...listOf(r.body.members)];
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
  if (isTrue(block(r.body.private_cluster_config)?.enable_private_endpoint)) return [];
  const man = block(r.body.master_authorized_networks_config);
  const cidrs = listOf(man?.cidr_blocks).map((c) => block(c)?.cidr_block);
  if (man && !isTrue(man.gcp_public_cidrs_access_enabled) && !cidrs.some(isOpenCidr)) return [];
  return [
    on(r, {
      message: 'the cluster API endpoint is reachable from the internet',
      fix: 'set private_cluster_config.enable_private_endpoint = true, or master_authorized_networks_config with named ranges and gcp_public_cidrs_access_enabled = false',
      checkov: 'CKV_GCP_18',
    }),
  ];
}

/** The parameter an RDS engine family enforces TLS with (CKV2_AWS_69); undefined for a family Parity does not judge. */
function tlsParameter(family: string): { readonly name: string; readonly value: string } | undefined {
  if (/^postgres|sqlserver/.test(family)) return { name: 'rds.force_ssl', value: '1' };
  if (/^(mysql|mariadb)/.test(family)) return { name: 'require_secure_transport', value: '1' };
  if (/db2/.test(family)) return { name: 'db2comm', value: 'SSL' };
  // Oracle (an option group's SSL option), Aurora (the cluster's parameter group), custom engines.
  return undefined;
}

/** CKV2_AWS_69: the instance's parameter group (of this stack) sets its engine family's TLS parameter. */
function rdsTls(ctx: StackContext, r: TfResource): Violation[] {
  const name = r.body.parameter_group_name;
  const group =
    ctx.doc.deref(name) ??
    ctx.doc.resources('aws_db_parameter_group').find((g) => literal(name) !== undefined && g.body.name === literal(name));
  const family = literal(group?.body.family) ?? literal(r.body.engine);
  const need = family ? tlsParameter(family) : undefined;
  if (family && !need) return [];
  const params = listOf(group?.body.parameter).map((p) => block(p) ?? {});
  if (need && params.some((p) => p.name === need.name && String(p.value) === need.value)) return [];
  const set = need ? `${need.name} = ${need.value}` : 'the parameter its engine enforces TLS with';
  return [
    on(r, {
      message: group
        ? `connections without TLS are accepted (its parameter group does not set ${set})`
        : `connections without TLS may be accepted (no parameter group of this stack sets ${set}; a default group cannot be read)`,
      fix: need
        ? `use a parameter group of this stack with ${set}`
        : 'set engine, and use a parameter group of this stack that enforces TLS (rds.force_ssl = 1 for PostgreSQL and SQL Server, require_secure_transport = 1 for MySQL and MariaDB)',
      checkov: 'CKV2_AWS_69',
    }),
  ];
}

/** Cloud SQL takes only TLS connections: ENCRYPTED_ONLY, or TRUSTED_CLIENT_CERTIFICATE_REQUIRED. */
function cloudSqlTls(r: TfResource): Violation[] {
  const mode = block(block(r.body.settings)?.ip_configuration)?.ssl_mode;
  if (mode === 'ENCRYPTED_ONLY' || mode === 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED') return [];
  return [
    on(r, {
      message: `ssl_mode is ${JSON.stringify(mode ?? 'unset')}: connections without TLS are accepted`,
      fix: 'set settings.ip_configuration.ssl_mode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" (PAR-SEC-008), or at least "ENCRYPTED_ONLY"',
    }),
  ];
}

/** PAR-SEC-004: connections to databases must use TLS. */
function tlsEnforced(ctx: StackContext): Violation[] {
  const d = ctx.doc;
  const out: Violation[] = [];
  for (const r of d.resources('aws_db_instance')) out.push(...rdsTls(ctx, r));
  for (const r of d.resources('google_sql_database_instance')) out.push(...cloudSqlTls(r));
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

/**
 * PAR-SEC-008: Cloud SQL clients present a certificate Cloud SQL trusts (mutual TLS), as CKV_GCP_6
 * asks; SQL Server, which takes no client certificates, asks TLS.
 */
function clientCertificates(ctx: StackContext): Violation[] {
  return ctx.doc.resources('google_sql_database_instance').flatMap((r) => {
    const mode = block(block(r.body.settings)?.ip_configuration)?.ssl_mode;
    const sqlServer = String(r.body.database_version ?? '').includes('SQLSERVER');
    if (mode === 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED' || (sqlServer && mode === 'ENCRYPTED_ONLY')) return [];
    return [
      on(r, {
        message: `ssl_mode is ${JSON.stringify(mode ?? 'unset')}: clients need no certificate${mode === 'ENCRYPTED_ONLY' ? '' : ', nor TLS'}`,
        fix: sqlServer
          ? 'set settings.ip_configuration.ssl_mode = "ENCRYPTED_ONLY"'
          : 'set settings.ip_configuration.ssl_mode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" (the Cloud SQL Auth Proxy and the Cloud SQL connectors present the certificate)',
        checkov: 'CKV_GCP_6',
      }),
    ];
  });
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

/** GCP's basic roles: project-wide, across every service (viewer reads every resource, data included). */
const BASIC_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];

/** PAR-SEC-005: no IAM policy allowing every action on every resource (or a basic GCP role). */
function iamWildcards(ctx: StackContext): Violation[] {
  const out: Violation[] = [];
  const star = (s: Statement) => (s.Effect ?? 'Allow') === 'Allow' && listOf(s.Action).includes('*') && listOf(s.Resource).includes('*');
  for (const r of resourcesOf(
    ctx.doc,
    'aws_iam_policy',
    'aws_iam_role_policy',
    'aws_iam_user_policy',
    'aws_iam_group_policy',
    'aws_ssoadmin_permission_set_inline_policy',
  )) {
    if (statements(r.body.policy ?? r.body.inline_policy)?.some(star))
      out.push(
        on(r, {
          message: 'allows "*" actions on "*" resources',
          fix: 'list the actions and resources the principal needs',
          checkov: 'CKV_AWS_62',
        }),
      );
  }
  // A role's inline_policy blocks: no Checkov check reads them (CKV_AWS_62 reads the policy resources).
  for (const r of ctx.doc.resources('aws_iam_role')) {
    for (const p of listOf(r.body.inline_policy)) {
      if (statements(block(p)?.policy)?.some(star))
        out.push(
          on(r, { message: 'an inline policy allows "*" actions on "*" resources', fix: 'list the actions and resources the role needs' }),
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
    if (BASIC_ROLES.includes(String(r.body.role)))
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

/** Every EKS control-plane log type (CKV_AWS_37 asks for all of them). */
const EKS_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/** CKV_AWS_129: an RDS instance exports its logs; PostgreSQL its server log among them. */
function rdsLogs(r: TfResource): Violation[] {
  const exports = listOf(r.body.enabled_cloudwatch_logs_exports);
  const postgres = r.body.engine === 'postgres';
  if (postgres ? exports.includes('postgresql') : exports.length > 0) return [];
  return [
    on(r, {
      message: postgres ? 'the PostgreSQL log is not exported' : 'database logs are not exported',
      fix: postgres
        ? 'set enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]'
        : "set enabled_cloudwatch_logs_exports to the engine's logs (MySQL and MariaDB: error, general, slowquery, audit)",
      checkov: 'CKV_AWS_129',
    }),
  ];
}

/** PAR-SEC-007: control-plane audit logs and database logs. */
function auditLogs(ctx: StackContext): Violation[] {
  const d = ctx.doc;
  const out: Violation[] = [];
  for (const r of d.resources('aws_eks_cluster')) {
    const types = listOf(r.body.enabled_cluster_log_types);
    const lacking = EKS_LOG_TYPES.filter((t) => !types.includes(t));
    if (lacking.length)
      out.push(
        on(r, {
          message: `control-plane logs off: ${lacking.join(', ')}`,
          fix: `set enabled_cluster_log_types = [${EKS_LOG_TYPES.map((t) => `"${t}"`).join(', ')}]`,
          checkov: 'CKV_AWS_37',
        }),
      );
  }
  for (const r of d.resources('aws_db_instance')) out.push(...rdsLogs(r));
  for (const r of d.resources('google_sql_database_instance')) {
    if (!String(r.body.database_version ?? '').startsWith('POSTGRES')) continue;
    const flags = listOf(block(r.body.settings)?.database_flags).map((f) => block(f) ?? {});
    for (const [flag, checkov] of [
      ['log_connections', 'CKV_GCP_52'],
      ['log_disconnections', 'CKV_GCP_53'],
    ] as const)
      if (!flags.some((f) => f.name === flag && f.value === 'on'))
        out.push(
          on(r, {
            message: `database flag ${flag} is not on`,
            fix: `add settings.database_flags { name = "${flag}", value = "on" }`,
            checkov,
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

/** What every ingress rule reads, whatever the port Checkov checks. */
const INGRESS =
  'any /0 CIDR, IPv4 or IPv6, even beside self, a prefix list or a security group (which the check lets pass); a rule naming no source at all fails, as in the check; protocol -1, a port -1 or unset is every port. An aws_vpc_security_group_ingress_rule naming only referenced_security_group_id or prefix_list_id passes: the check wrongly reads it as naming no source, open to all';

export const SECURITY_RULES: readonly StackRule[] = [
  {
    id: 'PAR-SEC-001',
    title: 'Data stores are encrypted at rest with a customer-managed key',
    category: 'security',
    severity: 'high',
    checkov: [
      stricter(
        'CKV_AWS_16',
        "storage_encrypted = true, and a customer-managed key: kms_key_id, or snapshot_identifier (a restore keeps its snapshot's key); the check asks storage_encrypted only",
      ),
      equivalent('CKV_AWS_245', 'kms_key_id set on aws_db_instance_automated_backups_replication'),
      stricter(
        'CKV2_AWS_73',
        'kms_master_key_id set and not alias/aws/sqs; the check also passes a queue with no key (SQS-managed encryption)',
      ),
      equivalent('CKV_AWS_166', 'kms_key_arn set on aws_backup_vault'),
      stricter('CKV_AWS_58', 'encryption_config resources = ["secrets"], and provider.key_arn set (the check reads resources only)'),
      stricter('CKV_AWS_189', 'kms_key_id and encrypted = true (the check reads kms_key_id only)'),
      stricter(
        'CKV_AWS_145',
        'sse_algorithm = "aws:kms" with kms_master_key_id (the check takes aws:kms with the AWS-managed key), in a server-side encryption configuration referencing the bucket, or the bucket\'s own server_side_encryption_configuration',
      ),
      equivalent('CKV_AWS_119', 'server_side_encryption enabled = true with kms_key_arn on aws_dynamodb_table'),
      equivalent('CKV_GCP_83', 'kms_key_name set on google_pubsub_topic'),
    ],
    covers:
      'RDS and replicated backups, SQS, backup vaults, EKS secrets, node group EBS (launch template), EBS, S3, DynamoDB, Cloud SQL, Pub/Sub, GCS, GKE node disks, Backup for GKE',
    check: cmkEncryption,
  },
  {
    id: 'PAR-SEC-002',
    title: 'No ingress from 0.0.0.0/0 or ::/0',
    category: 'security',
    severity: 'critical',
    checkov: [
      stricter('CKV_AWS_24', `port 22 in the rule's range: ${INGRESS}`),
      stricter('CKV_AWS_25', `port 3389 in the rule's range: ${INGRESS}`),
      stricter('CKV_AWS_260', `port 80 in the rule's range: ${INGRESS}`),
      stricter(
        'CKV_AWS_277',
        `every port (also an aws_vpc_security_group_ingress_rule with ip_protocol -1 and no ports, which the check passes): ${INGRESS}; one finding, tagged CKV_AWS_277, also names CKV_AWS_24, CKV_AWS_25 and CKV_AWS_260`,
      ),
    ],
    covers: 'security groups and their rules, GCP firewalls',
    check: openIngress,
  },
  {
    id: 'PAR-SEC-003',
    title: 'No public database, cluster endpoint or bucket',
    category: 'security',
    severity: 'critical',
    checkov: [
      equivalent('CKV_AWS_17', 'publicly_accessible = true on aws_db_instance and aws_rds_cluster_instance'),
      equivalent('CKV_AWS_39', "vpc_config.endpoint_public_access unset or true (the provider's default is public)"),
      stricter(
        'CKV2_AWS_6',
        'a public access block referencing the bucket with all four settings on (the check asks block_public_acls and block_public_policy)',
      ),
      stricter('CKV_GCP_60', "ipv4_enabled = false; unset fails too (Cloud SQL's default is a public IP), the check passes it"),
      stricter(
        'CKV_GCP_18',
        'a private endpoint, or authorized networks without any /0 range and without gcp_public_cidrs_access_enabled; the check fails only a 0.0.0.0/0 authorized network',
      ),
      equivalent('CKV_GCP_114', 'public_access_prevention = "enforced"'),
      equivalent('CKV_GCP_28', 'allUsers or allAuthenticatedUsers in member or members of a bucket IAM member or binding'),
    ],
    covers: 'RDS (instances and Aurora cluster instances), EKS, S3, Cloud SQL, GKE, GCS',
    check: publicEndpoints,
  },
  {
    id: 'PAR-SEC-004',
    title: 'TLS is enforced to databases and buckets',
    category: 'security',
    severity: 'high',
    checkov: [
      stricter(
        'CKV2_AWS_69',
        'by engine family, as the check: postgres and sqlserver rds.force_ssl = 1, mysql and mariadb require_secure_transport = 1, db2 (every edition; the check: db2-ae) db2comm = SSL; an instance with no parameter group of the stack fails (the check passes it); Oracle, Aurora and other families are not judged, as the check passes them',
      ),
    ],
    covers: "RDS (the engine family's TLS parameter), Cloud SQL (ssl_mode ENCRYPTED_ONLY or stricter), S3 (aws:SecureTransport policy)",
    check: tlsEnforced,
  },
  {
    id: 'PAR-SEC-005',
    title: 'No IAM policy allows "*" actions on "*" resources, no basic GCP role',
    category: 'security',
    severity: 'critical',
    checkov: [
      equivalent(
        'CKV_AWS_62',
        'an Allow statement (the default effect) with "*" in Action and Resource, in IAM policies, role, user and group policies and SSO permission set inline policies',
      ),
      equivalent('CKV_AWS_1', 'an Allow statement with "*" in actions and resources, in aws_iam_policy_document'),
      equivalent('CKV_GCP_117', 'roles/owner, roles/editor or roles/viewer in a project IAM member or binding'),
    ],
    covers: 'IAM policies, inline role policies, policy documents, GCP basic roles (owner, editor, viewer)',
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
    checkov: [
      equivalent('CKV_AWS_37', 'every control-plane log type: api, audit, authenticator, controllerManager, scheduler'),
      stricter('CKV_AWS_129', 'log exports on every instance; a postgres one exports the postgresql log (the check takes any export)'),
      equivalent('CKV_GCP_52', 'log_connections = on, on PostgreSQL instances'),
      equivalent('CKV_GCP_53', 'log_disconnections = on, on PostgreSQL instances'),
      equivalent('CKV_GCP_1', 'logging_service other than "none"'),
    ],
    covers: 'EKS control plane (every log type), RDS log exports, Cloud SQL connection logs, GKE',
    check: auditLogs,
  },
  {
    id: 'PAR-SEC-008',
    title: 'Cloud SQL clients present a trusted certificate',
    category: 'security',
    severity: 'medium',
    checkov: [
      stricter(
        'CKV_GCP_6',
        'ssl_mode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" (SQL Server: or "ENCRYPTED_ONLY"), as the check; require_ssl = true, removed in google provider 6, does not count (the check passes it)',
      ),
    ],
    covers: 'Cloud SQL (ssl_mode)',
    check: clientCertificates,
  },
];
