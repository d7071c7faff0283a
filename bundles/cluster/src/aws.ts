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
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { Fn, Token, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
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

export function deploy(scope: Construct, ctx: DeployContext<ClusterParams, TerraformProvider>): Exports {
  const p = ctx.params;
  const subnetIds = inputList(ctx, 'network', 'subnetIds');
  const partition = new DataAwsPartition(scope, 'partition', {});
  const managedPolicy = (name: string) => `arn:${partition.partition}:iam::aws:policy/${name}`;

  const clusterRole = new IamRole(scope, 'cluster-role', {
    name: ctx.name('aws.iamRole', 'eks', 'cluster'),
    description: `${ctx.env.name}: EKS control plane`,
    assumeRolePolicy: trustPolicy('eks.amazonaws.com'),
  });
  const clusterAttachments = CLUSTER_POLICIES.map(
    (policy) => new IamRolePolicyAttachment(scope, `cluster-role-${policy}`, { role: clusterRole.name, policyArn: managedPolicy(policy) }),
  );

  const nodeRole = new IamRole(scope, 'node-role', {
    name: ctx.name('aws.iamRole', 'eks', 'node'),
    description: `${ctx.env.name}: EKS worker nodes`,
    assumeRolePolicy: trustPolicy('ec2.amazonaws.com'),
  });
  const nodeAttachments = NODE_POLICIES.map(
    (policy) => new IamRolePolicyAttachment(scope, `node-role-${policy}`, { role: nodeRole.name, policyArn: managedPolicy(policy) }),
  );

  const key = new KmsKey(scope, 'key', {
    description: `${ctx.env.platform} ${ctx.env.name}: Kubernetes secrets`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
  });
  new KmsAlias(scope, 'key-alias', { name: `alias/${ctx.name('aws.kmsAlias', 'cluster')}`, targetKeyId: key.keyId });

  const name = ctx.name('aws.eksCluster', 'eks');
  // The name EKS writes control-plane logs to; created here so it has a retention.
  const logs = new CloudwatchLogGroup(scope, 'logs', { name: `/aws/eks/${name}/cluster`, retentionInDays: LOG_RETENTION_DAYS });

  const cluster = new EksCluster(scope, 'cluster', {
    name,
    version: p.kubernetesVersion,
    roleArn: clusterRole.arn,
    vpcConfig: { subnetIds, endpointPrivateAccess: true, endpointPublicAccess: false },
    encryptionConfig: { resources: ['secrets'], provider: { keyArn: key.arn } },
    // Every control-plane log type (policy rule PAR-SEC-007, CKV_AWS_37).
    enabledClusterLogTypes: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true },
    dependsOn: [...clusterAttachments, logs],
  });

  const account = new DataAwsCallerIdentity(scope, 'account', {});
  const volumeKey = new KmsKey(scope, 'volume-key', {
    description: `${ctx.env.platform} ${ctx.env.name}: EKS node volumes`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: volumeKeyPolicy(partition.partition, account.accountId),
  });
  new KmsAlias(scope, 'volume-key-alias', {
    name: `alias/${ctx.name('aws.kmsAlias', 'cluster', 'volumes')}`,
    targetKeyId: volumeKey.keyId,
  });
  const template = nodeTemplate(scope, ctx, volumeKey);

  const nodes = scaledNodes(p);
  new EksNodeGroup(scope, 'nodes', {
    clusterName: cluster.name,
    nodeGroupName: ctx.name('aws.eksNodeGroup', 'default'),
    nodeRoleArn: nodeRole.arn,
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
    dependsOn: nodeAttachments,
  });

  return {
    clusterName: cluster.name,
    clusterId: cluster.arn,
    endpoint: cluster.endpoint,
  };
}
