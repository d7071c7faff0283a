/**
 * Every physical name comes from here (sst `naming.ts` style): `<platform>-<env>-<parts>`,
 * cleaned to the resource's character set and truncated to its length limit. A truncated name
 * ends in a short hash of the full name, so two long names never collide after truncation.
 *
 * Names are public API: changing one replaces the resource, which for a database means data
 * loss. `naming.test.ts` pins them.
 */
import { createHash } from 'node:crypto';

interface NameRule {
  /** Maximum length. */
  readonly max: number;
  /** Characters allowed besides lower-case letters and digits. */
  readonly extra: '-' | '-_';
  /** Where the provider documents the limit. */
  readonly doc: string;
}

/** Length and character rules per resource kind. */
export const NAME_RULES = {
  'aws.vpc': { max: 255, extra: '-', doc: 'Name tag' },
  'aws.subnet': { max: 255, extra: '-', doc: 'Name tag' },
  'aws.securityGroup': { max: 255, extra: '-', doc: 'EC2 security group name' },
  'aws.dbSubnetGroup': { max: 255, extra: '-', doc: 'RDS DB subnet group name' },
  'aws.dbInstance': { max: 63, extra: '-', doc: 'RDS DB instance identifier: letter first, no "--"' },
  'aws.dbParameterGroup': { max: 255, extra: '-', doc: 'RDS parameter group name' },
  'aws.kmsAlias': { max: 250, extra: '-_', doc: 'KMS alias after "alias/"' },
  'aws.iamRole': { max: 64, extra: '-_', doc: 'IAM role name' },
  'aws.eksCluster': { max: 100, extra: '-_', doc: 'EKS cluster name' },
  'aws.eksNodeGroup': { max: 63, extra: '-_', doc: 'EKS node group name' },
  'aws.launchTemplate': { max: 128, extra: '-_', doc: 'EC2 launch template name' },
  'aws.sqsQueue': { max: 80, extra: '-_', doc: 'SQS queue name' },
  'aws.snsTopic': { max: 256, extra: '-_', doc: 'SNS topic name' },
  'aws.backupVault': { max: 50, extra: '-_', doc: 'AWS Backup vault name' },
  'aws.backupPlan': { max: 50, extra: '-_', doc: 'AWS Backup plan name' },
  'aws.backupSelection': { max: 50, extra: '-_', doc: 'AWS Backup selection name' },
  'aws.s3Bucket': { max: 63, extra: '-', doc: 'S3 bucket name' },
  'aws.dynamodbTable': { max: 255, extra: '-_', doc: 'DynamoDB table name' },
  'gcp.network': { max: 63, extra: '-', doc: 'RFC 1035 name' },
  'gcp.subnetwork': { max: 63, extra: '-', doc: 'RFC 1035 name' },
  'gcp.globalAddress': { max: 63, extra: '-', doc: 'RFC 1035 name' },
  'gcp.router': { max: 63, extra: '-', doc: 'RFC 1035 name' },
  'gcp.sqlInstance': { max: 80, extra: '-', doc: 'Cloud SQL instance ID (project ID + instance ID ≤ 98)' },
  'gcp.gkeCluster': { max: 40, extra: '-', doc: 'GKE cluster name' },
  'gcp.gkeNodePool': { max: 40, extra: '-', doc: 'GKE node pool name' },
  'gcp.serviceAccount': { max: 30, extra: '-', doc: 'service account ID, 6-30 characters' },
  'gcp.pubsubTopic': { max: 255, extra: '-_', doc: 'Pub/Sub topic ID' },
  'gcp.pubsubSubscription': { max: 255, extra: '-_', doc: 'Pub/Sub subscription ID' },
  'gcp.gkeBackupPlan': { max: 63, extra: '-', doc: 'Backup for GKE plan name' },
  'gcp.kmsKeyRing': { max: 63, extra: '-_', doc: 'Cloud KMS key ring name' },
  'gcp.kmsCryptoKey': { max: 63, extra: '-_', doc: 'Cloud KMS key name' },
  'gcp.storageBucket': { max: 63, extra: '-', doc: 'Cloud Storage bucket name' },
} as const satisfies Record<string, NameRule>;

export type ResourceKind = keyof typeof NAME_RULES;

const HASH_LENGTH = 6;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * The physical name of a resource: `platform-env-part-part`, lower-cased, cleaned to the kind's
 * character set (anything else becomes `-`), never starting with a digit or hyphen, and no longer
 * than the kind allows. Deterministic.
 */
export function physicalName(kind: ResourceKind, platform: string, env: string, ...parts: string[]): string {
  const rule: NameRule = NAME_RULES[kind];
  const allowed = rule.extra === '-' ? /[^a-z0-9-]+/g : /[^a-z0-9_-]+/g;
  let name = [platform, env, ...parts]
    .filter((p) => p.length > 0)
    .join('-')
    .toLowerCase()
    .replace(allowed, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  if (name.length === 0) throw new Error(`physicalName(${kind}): nothing left of ${JSON.stringify([platform, env, ...parts])}`);
  if (name.length > rule.max) {
    const full = name;
    name = `${name.slice(0, rule.max - HASH_LENGTH - 1).replace(/[-_]+$/, '')}-${shortHash(full)}`;
  }
  return name;
}

/** A namer bound to one platform and environment, handed to bundles. */
export type Namer = (kind: ResourceKind, ...parts: string[]) => string;

export function namer(platform: string, env: string): Namer {
  return (kind, ...parts) => physicalName(kind, platform, env, ...parts);
}
