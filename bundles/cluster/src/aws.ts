/**
 * AWS cluster: EKS with a private API endpoint, Kubernetes secrets envelope-encrypted with a
 * customer-managed KMS key, control-plane audit logs, and one managed node group in the private
 * subnets. IAM policy ARNs are built from the partition, never hard-coded to `arn:aws`.
 *
 * Construct IDs are public API: renaming `cluster` or `nodes` replaces the cluster or its nodes.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster/index.js';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import type { TerraformProvider } from 'cdktf';
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
    enabledClusterLogTypes: ['api', 'audit', 'authenticator'],
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true },
    dependsOn: [...clusterAttachments, logs],
  });

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
    diskSize: p.nodeDiskGb,
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
