/**
 * AWS cluster: EKS with a private API endpoint, Kubernetes secrets envelope-encrypted with a
 * customer-managed KMS key, control-plane audit logs, and one managed node group in the private
 * subnets whose volumes are encrypted with a second customer-managed key, through a launch
 * template. IAM policy ARNs are built from the partition, never hard-coded to `arn:aws`.
 *
 * Construct IDs are public API: renaming `cluster` or `nodes` replaces the cluster or its nodes.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster/index.js';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { Fn, Token, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { awsKey } from '@parity/constructs/aws';
import { inputList, type DeployContext, type Exports } from '@parity/model';
import { scaledNodes, type ClusterParams } from './index.js';

/** Node instance types by size (x86, so the AL2023 standard AMI applies). */
const NODE_INSTANCE_TYPE: Readonly<Record<ClusterParams['nodeSize'], string>> = {
  small: 'm6i.large',
  medium: 'm6i.xlarge',
  large: 'm6i.2xlarge',
};

const CLUSTER_POLICIES = ['AmazonEKSClusterPolicy'] as const;
const NODE_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'] as const;

/** Control-plane logs kept this long (EKS would otherwise create the log group with no expiry). */
const LOG_RETENTION_DAYS = 90;

function trustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/** The root volume of the EKS AL2023 AMIs. */
const ROOT_DEVICE = '/dev/xvda';

/**
 * The node volumes' key policy. The account keeps full control (without it the key could not be
 * managed again); the Auto Scaling service-linked role, which launches a managed node group's
 * instances, may use the key and create grants for the EBS volumes it attaches (AWS: "Required
 * KMS key policy for use with encrypted volumes"; terraform-aws-modules/kms
 * `key_service_roles_for_autoscaling`).
 */
function volumeKeyPolicy(partition: string, account: string): string {
  const autoscaling = `arn:${partition}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  return Fn.jsonencode({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministers',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'AutoScalingUsesKey',
        Effect: 'Allow',
        Principal: { AWS: autoscaling },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
      {
        Sid: 'AutoScalingGrantsForVolumes',
        Effect: 'Allow',
        Principal: { AWS: autoscaling },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
      },
    ],
  });
}

/**
 * The nodes' launch template: only what EKS lets a managed node group's template set alongside
 * its own AMI (`amiType`): the root volume, encrypted with `key`, and IMDSv2. Disk size lives
 * here, not on the node group (EKS refuses `disk_size` with a launch template); no image, no
 * instance profile, no user data, so EKS still merges its bootstrap.
 */
function nodeTemplate(scope: Construct, ctx: DeployContext<ClusterParams, TerraformProvider>, key: KmsKey): LaunchTemplate {
  return new LaunchTemplate(scope, 'node-template', {
    name: ctx.name('aws.launchTemplate', 'eks', 'node'),
    description: `${ctx.env.name}: EKS worker nodes, volumes encrypted with a customer-managed key`,
    blockDeviceMappings: [
      {
        deviceName: ROOT_DEVICE,
        ebs: {
          volumeSize: ctx.params.nodeDiskGb,
          volumeType: 'gp3',
          encrypted: 'true',
          kmsKeyId: key.arn,
          deleteOnTermination: 'true',
        },
      },
    ],
    // IMDSv2 only; two hops so that pods on the node network can still reach it (EKS's own default).
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 2 },
  });
}

type Ctx = DeployContext<ClusterParams, TerraformProvider>;

export function deploy(scope: Construct, ctx: Ctx): Exports {
  const subnetIds = inputList(ctx, 'network', 'subnetIds');
  const partition = new DataAwsPartition(scope, 'partition', {}).partition;
  const roles = createRoles(scope, ctx, partition);
  const cluster = createCluster(scope, ctx, roles.cluster, subnetIds);
  const volumeKey = awsKey(scope, 'volume-key', ctx, {
    purpose: 'EKS node volumes',
    alias: ['cluster', 'volumes'],
    policy: volumeKeyPolicy(partition, new DataAwsCallerIdentity(scope, 'account', {}).accountId),
  });
  createNodeGroup(scope, ctx, cluster, roles.nodes, subnetIds, nodeTemplate(scope, ctx, volumeKey));
  return {
    clusterName: cluster.name,
    clusterId: cluster.arn,
    endpoint: cluster.endpoint,
    // the parameter as written: the backup bundle decides from it whether there is anything to back up
    volumes: ctx.params.volumes,
  };
}

interface Role {
  readonly role: IamRole;
  /** The managed policies' attachments, which what runs as the role waits for. */
  readonly attachments: readonly IamRolePolicyAttachment[];
}

/** The control plane's role and the nodes' role, each with its AWS managed policies (ARNs built from the partition). */
function createRoles(scope: Construct, ctx: Ctx, partition: string): { cluster: Role; nodes: Role } {
  const role = (id: string, nameParts: [string, string], what: string, service: string, policies: readonly string[]): Role => {
    const r = new IamRole(scope, id, {
      name: ctx.name('aws.iamRole', ...nameParts),
      description: `${ctx.env.name}: ${what}`,
      assumeRolePolicy: trustPolicy(service),
    });
    const attachments = policies.map(
      (policy) =>
        new IamRolePolicyAttachment(scope, `${id}-${policy}`, { role: r.name, policyArn: `arn:${partition}:iam::aws:policy/${policy}` }),
    );
    return { role: r, attachments };
  };
  return {
    cluster: role('cluster-role', ['eks', 'cluster'], 'EKS control plane', 'eks.amazonaws.com', CLUSTER_POLICIES),
    nodes: role('node-role', ['eks', 'node'], 'EKS worker nodes', 'ec2.amazonaws.com', NODE_POLICIES),
  };
}

/** The control plane: private endpoint, Kubernetes secrets encrypted with a key of its own, audit logs kept LOG_RETENTION_DAYS. */
function createCluster(scope: Construct, ctx: Ctx, role: Role, subnetIds: string[]): EksCluster {
  const key = awsKey(scope, 'key', ctx, { purpose: 'Kubernetes secrets', alias: ['cluster'] });
  const name = ctx.name('aws.eksCluster', 'eks');
  // The name EKS writes control-plane logs to; created here so it has a retention.
  const logs = new CloudwatchLogGroup(scope, 'logs', { name: `/aws/eks/${name}/cluster`, retentionInDays: LOG_RETENTION_DAYS });
  return new EksCluster(scope, 'cluster', {
    name,
    version: ctx.params.kubernetesVersion,
    roleArn: role.role.arn,
    vpcConfig: { subnetIds, endpointPrivateAccess: true, endpointPublicAccess: false },
    encryptionConfig: { resources: ['secrets'], provider: { keyArn: key.arn } },
    // Every control-plane log type (policy rule PAR-SEC-007, CKV_AWS_37).
    enabledClusterLogTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true },
    dependsOn: [...role.attachments, logs],
  });
}

/** The managed node group: the tier's node counts at capacityPercent, following the control plane's version. */
function createNodeGroup(scope: Construct, ctx: Ctx, cluster: EksCluster, role: Role, subnetIds: string[], template: LaunchTemplate): void {
  const p = ctx.params;
  const nodes = scaledNodes(p);
  new EksNodeGroup(scope, 'nodes', {
    clusterName: cluster.name,
    nodeGroupName: ctx.name('aws.eksNodeGroup', 'default'),
    nodeRoleArn: role.role.arn,
    subnetIds,
    // Nodes follow the control plane's version.
    version: cluster.version,
    amiType: 'AL2023_x86_64_STANDARD',
    instanceTypes: [NODE_INSTANCE_TYPE[p.nodeSize]],
    // A new template version rolls the nodes (EKS replaces them respecting updateConfig).
    launchTemplate: { id: template.id, version: Token.asString(template.latestVersion) },
    // At capacityPercent of the tier's counts (0: pilot light, the group exists with no nodes).
    scalingConfig: { minSize: nodes.min, desiredSize: nodes.desired, maxSize: nodes.max },
    updateConfig: { maxUnavailable: 1 },
    dependsOn: [...role.attachments],
  });
}
