/**
 * What the bootstrap's preview identity may do, per cloud, as plain data (no cdktf): the
 * bootstrap (bootstrap.ts) turns it into an IAM policy (AWS) and project role grants (GCP).
 *
 * AWS: everything it changes must be a preview's. Resources are tagged `parity:role = preview` by
 * the provider's default tags, so the role may act on resources carrying that tag
 * (`aws:ResourceTag`) and create resources only with it (`aws:RequestTag`), and may never set that
 * tag to anything else nor remove it. The few resources AWS cannot judge by tag (S3 buckets, IAM
 * roles and policies, KMS aliases) it may touch only under a preview's name, `<platform>-preview-…`
 * (the naming helper keeps that prefix when it truncates). Its state: `previews/` of the staging
 * environments' state buckets, nothing else.
 *
 * GCP IAM cannot grant by label: the preview service account gets the roles the bundles' resources
 * need in the projects of the staging environments (the bases a preview derives from; never a
 * production project), and object access under `previews/` of their state buckets.
 */
import { PREVIEW_STATE_ROOT } from '@parity/model';

/** The tag every preview resource carries (provider default_tags) and that the preview role is scoped by. */
export const PREVIEW_ROLE_TAG = { key: 'parity:role', value: 'preview' } as const;

/** IAM service prefixes the bundles' resources need beyond the services they declare (alarms, logs, backup storage, node groups). */
const AWS_SUPPORT_SERVICES = ['autoscaling', 'backup-storage', 'cloudwatch', 'logs'] as const;

/** The IAM actions of the services the fleet's bundles use: `<service>:*` each, never `*`. */
export function awsPreviewActions(services: readonly string[]): string[] {
  return [...new Set([...services, ...AWS_SUPPORT_SERVICES])].sort().map((s) => `${s}:*`);
}

/** What the preview role's scoped statements need to name. */
export interface AwsPreviewScope {
  readonly platform: string;
  readonly partition: string;
  readonly account: string;
  /** The IAM actions it may take on preview resources (`awsPreviewActions`). */
  readonly actions: readonly string[];
  /** The state buckets of the staging environments (the bases) and their regions. */
  readonly buckets: ReadonlyArray<{ readonly name: string; readonly region: string }>;
}

/** A statement of an IAM policy document (the `aws_iam_policy_document` data source: the policy rules read it). */
export interface PolicyStatement {
  readonly sid: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Every condition must hold. */
  readonly condition?: ReadonlyArray<{ readonly test: string; readonly variable: string; readonly values: readonly string[] }>;
}

/** The preview role's policy: preview resources only, its own state only, its tag kept. */
export function awsPreviewStatements(scope: AwsPreviewScope): PolicyStatement[] {
  return [...taggedResources(scope), ...namedResources(scope), ...previewState(scope), ...keepPreviewTag(), ...noEscalation()];
}

const TAG = PREVIEW_ROLE_TAG.key;

/** Act on resources tagged as a preview's, and create resources only tagged as one. */
function taggedResources({ actions }: AwsPreviewScope): PolicyStatement[] {
  const tagged = (sid: string, variable: string): PolicyStatement => ({
    sid,
    effect: 'Allow',
    actions,
    resources: ['*'],
    condition: [{ test: 'StringEquals', variable, values: [PREVIEW_ROLE_TAG.value] }],
  });
  return [tagged('PreviewResources', `aws:ResourceTag/${TAG}`), tagged('CreatePreviewResources', `aws:RequestTag/${TAG}`)];
}

/** What AWS cannot judge by tag, by the name every preview resource starts with. */
function namedResources({ platform, partition, account, actions }: AwsPreviewScope): PolicyStatement[] {
  const prefix = `${platform}-preview-`;
  const iam = `arn:${partition}:iam::${account}`;
  return [
    {
      sid: 'PreviewNamedResources',
      effect: 'Allow',
      actions: actions.filter((a) => ['s3:*', 'iam:*', 'kms:*'].includes(a)),
      resources: [
        `arn:${partition}:s3:::${prefix}*`,
        `${iam}:role/${prefix}*`,
        `${iam}:policy/${prefix}*`,
        `${iam}:instance-profile/${prefix}*`,
        `arn:${partition}:kms:*:${account}:alias/${prefix}*`,
      ],
    },
  ];
}

/** Its state and lock files under `previews/` of the bases' state buckets, encrypted with the buckets' keys. */
function previewState({ partition, account, buckets }: AwsPreviewScope): PolicyStatement[] {
  const objects = buckets.map((b) => `arn:${partition}:s3:::${b.name}/${PREVIEW_STATE_ROOT}/*`);
  return [
    { sid: 'PreviewState', effect: 'Allow', actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], resources: objects },
    {
      sid: 'PreviewStateList',
      effect: 'Allow',
      actions: ['s3:ListBucket'],
      resources: buckets.map((b) => `arn:${partition}:s3:::${b.name}`),
      condition: [{ test: 'StringLike', variable: 's3:prefix', values: [`${PREVIEW_STATE_ROOT}/*`] }],
    },
    {
      sid: 'PreviewStateKeys',
      effect: 'Allow',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [...new Set(buckets.map((b) => `arn:${partition}:kms:${b.region}:${account}:key/*`))],
      condition: [{ test: 'StringLike', variable: 'kms:EncryptionContext:aws:s3:arn', values: objects }],
    },
  ];
}

/** A preview's tag stays: never set to another role, never removed. */
function keepPreviewTag(): PolicyStatement[] {
  return [
    {
      sid: 'NoOtherRole',
      effect: 'Deny',
      actions: ['*'],
      resources: ['*'],
      condition: [
        { test: 'StringNotEquals', variable: `aws:RequestTag/${TAG}`, values: [PREVIEW_ROLE_TAG.value] },
        { test: 'Null', variable: `aws:RequestTag/${TAG}`, values: ['false'] },
      ],
    },
    {
      sid: 'NoUntagging',
      effect: 'Deny',
      actions: ['*'],
      resources: ['*'],
      condition: [
        { test: 'ForAnyValue:StringEquals', variable: 'aws:TagKeys', values: [TAG] },
        { test: 'Null', variable: `aws:RequestTag/${TAG}`, values: ['true'] },
      ],
    },
  ];
}

/**
 * The roles a preview's bundles make are service roles: they carry AWS managed service policies
 * (EKS, AWS Backup) and are handed only to those services. Nothing else may be attached, written
 * inline or passed on, so the preview role cannot make itself a stronger one.
 */
function noEscalation(): PolicyStatement[] {
  return [
    {
      sid: 'OnlyServicePolicies',
      effect: 'Deny',
      actions: ['iam:AttachRolePolicy'],
      resources: ['*'],
      condition: [{ test: 'ArnNotLike', variable: 'iam:PolicyARN', values: SERVICE_POLICIES }],
    },
    {
      sid: 'NoInlinePoliciesOrUsers',
      effect: 'Deny',
      actions: ['iam:CreateAccessKey', 'iam:CreatePolicyVersion', 'iam:CreateUser', 'iam:PutRolePolicy', 'iam:PutUserPolicy'],
      resources: ['*'],
    },
    {
      sid: 'PassOnlyToServices',
      effect: 'Deny',
      actions: ['iam:PassRole'],
      resources: ['*'],
      condition: [{ test: 'StringNotEquals', variable: 'iam:PassedToService', values: SERVICES_PASSED_TO }],
    },
  ];
}

/** The managed policies a preview's service roles may carry (the cluster's and the backup plan's). */
const SERVICE_POLICIES = [
  'arn:*:iam::aws:policy/AmazonEKS*',
  'arn:*:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  'arn:*:iam::aws:policy/service-role/AWSBackupService*',
];
/** The services a preview's roles are handed to. */
const SERVICES_PASSED_TO = ['backup.amazonaws.com', 'eks.amazonaws.com'];

/**
 * GCP: the predefined roles the bundles' resources need, by the service each bundle declares, and
 * those every preview needs (its network, keys, the nodes' service account and its project roles).
 */
const GCP_ROLES_BY_SERVICE: Readonly<Record<string, readonly string[]>> = {
  cloudSql: ['roles/cloudsql.admin'],
  gke: ['roles/container.admin'],
  pubsub: ['roles/pubsub.admin'],
  cloudStorage: ['roles/storage.admin'],
  backupForGke: ['roles/gkebackup.admin'],
};
const GCP_BASE_ROLES = [
  'roles/cloudkms.admin',
  'roles/compute.networkAdmin',
  'roles/compute.securityAdmin',
  'roles/iam.serviceAccountAdmin',
  'roles/iam.serviceAccountUser',
  'roles/resourcemanager.projectIamAdmin',
  'roles/servicenetworking.networksAdmin',
] as const;

/** The roles of the preview service account in each base project, sorted. */
export function gcpPreviewRoles(services: readonly string[]): string[] {
  return [...new Set([...GCP_BASE_ROLES, ...services.flatMap((s) => GCP_ROLES_BY_SERVICE[s] ?? [])])].sort();
}
