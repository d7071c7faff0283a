import { describe, expect, it } from 'vitest';
import { NAME_RULES, namer } from '@parity/model';
import {
  AWS_PAIR,
  REPO_ROOT,
  resolveFixture,
  synthToJson,
  type TerraformJson,
  type Block,
  only,
  resources,
  deployAlone,
} from '@parity/synth';
import { deploy } from './aws.js';

const envs = await resolveFixture(AWS_PAIR);
const prodEnv = envs.get('prod-use1')!;
const stagingEnv = envs.get('staging')!;
const prod = await synthToJson(REPO_ROOT, prodEnv);
const dr = await synthToJson(REPO_ROOT, envs.get('dr-usw2')!);
const staging = await synthToJson(REPO_ROOT, stagingEnv);

/** The cluster bundle's IAM role whose trust policy names `service`, and its attached policy ARNs. */
function roleFor(json: TerraformJson, service: string): { id: string; role: Block; policies: string[]; attachmentAddresses: string[] } {
  const [id, role] = Object.entries(resources(json, 'aws_iam_role')).find(
    ([k, r]) => k.startsWith('cluster_') && String(r['assume_role_policy']).includes(`"${service}"`),
  )!;
  const attachments = Object.entries(resources(json, 'aws_iam_role_policy_attachment')).filter(
    ([, a]) => a['role'] === `\${aws_iam_role.${id}.name}`,
  );
  return {
    id,
    role,
    policies: attachments.map(([, a]) => String(a['policy_arn'])).sort(),
    attachmentAddresses: attachments.map(([k]) => `aws_iam_role_policy_attachment.${k}`).sort(),
  };
}

describe('aws cluster', () => {
  it('keeps the Terraform addresses of the cluster and its node group', () => {
    // Renaming the construct IDs `cluster` or `nodes` replaces the cluster (and every volume
    // and workload on it) or all nodes at once. Never change them.
    for (const json of [prod, dr, staging]) {
      expect(Object.keys(resources(json, 'aws_eks_cluster'))).toEqual(['cluster_A4C38409']);
      expect(Object.keys(resources(json, 'aws_eks_node_group'))).toEqual(['cluster_nodes_56F9F591']);
    }
  });

  it('gives the control plane and the nodes their own roles with partition-aware managed policies', () => {
    const partition = Object.keys(prod.data?.['aws_partition'] ?? {}).find((k) => k.startsWith('cluster_'));
    expect(partition).toBeDefined();
    const arn = (name: string) => `arn:\${data.aws_partition.${partition}.partition}:iam::aws:policy/${name}`;

    const control = roleFor(prod, 'eks.amazonaws.com');
    expect(JSON.parse(String(control.role['assume_role_policy']))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(control.policies).toEqual([arn('AmazonEKSClusterPolicy')]);

    const nodes = roleFor(prod, 'ec2.amazonaws.com');
    expect(nodes.policies).toEqual([
      arn('AmazonEC2ContainerRegistryReadOnly'),
      arn('AmazonEKSWorkerNodePolicy'),
      arn('AmazonEKS_CNI_Policy'),
    ]);
    expect(JSON.stringify(prod.resource)).not.toContain('arn:aws:');
  });

  it('creates the cluster only after its role can be used, the nodes only after theirs', () => {
    const [, cluster] = only(prod, 'aws_eks_cluster');
    const [, nodes] = only(prod, 'aws_eks_node_group');
    const control = roleFor(prod, 'eks.amazonaws.com');
    const worker = roleFor(prod, 'ec2.amazonaws.com');
    expect(cluster['role_arn']).toBe(`\${aws_iam_role.${control.id}.arn}`);
    expect(cluster['depends_on']).toEqual(expect.arrayContaining(control.attachmentAddresses));
    expect(nodes['node_role_arn']).toBe(`\${aws_iam_role.${worker.id}.arn}`);
    expect([...(nodes['depends_on'] as string[])].sort()).toEqual(worker.attachmentAddresses);
  });

  it('has a private API endpoint in the private subnets, encrypted secrets and audit logs', () => {
    const [, cluster] = only(prod, 'aws_eks_cluster');
    const subnets = prod.output?.['network_subnet_ids']?.['value'];
    expect(cluster['version']).toBe('1.31');
    expect(cluster['vpc_config']).toEqual({ subnet_ids: subnets, endpoint_private_access: true, endpoint_public_access: false });
    expect(cluster['enabled_cluster_log_types']).toEqual(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
    expect(cluster['access_config']).toMatchObject({ authentication_mode: 'API_AND_CONFIG_MAP' });

    const encryption = cluster['encryption_config'] as { resources: string[]; provider: { key_arn: string } };
    expect(encryption.resources).toEqual(['secrets']);
    const keyId = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(encryption.provider.key_arn)?.[1];
    expect(resources(prod, 'aws_kms_key')[keyId!]).toMatchObject({ enable_key_rotation: true });

    const [logsId, logs] = only(prod, 'aws_cloudwatch_log_group');
    expect(logs['name']).toBe(`/aws/eks/${String(cluster['name'])}/cluster`);
    expect(logs['retention_in_days']).toBeGreaterThan(0);
    expect(cluster['depends_on']).toContain(`aws_cloudwatch_log_group.${logsId}`);
  });

  it('sizes the node group from the parameters', () => {
    const [, nodes] = only(prod, 'aws_eks_node_group');
    expect(nodes).toMatchObject({
      instance_types: ['m6i.2xlarge'],
      scaling_config: { min_size: 3, desired_size: 3, max_size: 12 },
      subnet_ids: prod.output?.['network_subnet_ids']?.['value'],
      version: '${aws_eks_cluster.cluster_A4C38409.version}',
    });
    const [, small] = only(staging, 'aws_eks_node_group');
    expect(small).toMatchObject({ instance_types: ['m6i.large'], scaling_config: { min_size: 1, desired_size: 2, max_size: 4 } });
  });

  it('encrypts node volumes with a customer-managed key, through a launch template EKS accepts', () => {
    for (const json of [prod, dr, staging]) {
      const [, nodes] = only(json, 'aws_eks_node_group');
      const [templateId, template] = only(json, 'aws_launch_template');
      // EKS refuses disk_size (and remote_access) on a node group that has a launch template.
      expect(nodes['disk_size']).toBeUndefined();
      expect(nodes['launch_template']).toEqual({
        id: `\${aws_launch_template.${templateId}.id}`,
        version: `\${aws_launch_template.${templateId}.latest_version}`,
      });
      // The node group keeps its AMI type: the template names no image, profile or user data.
      expect(nodes['ami_type']).toBe('AL2023_x86_64_STANDARD');
      for (const k of ['image_id', 'iam_instance_profile', 'user_data', 'instance_type']) expect(template[k]).toBeUndefined();
      const mappings = template['block_device_mappings'] as Array<{ device_name: string; ebs: Block }>;
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.device_name).toBe('/dev/xvda');
      expect(mappings[0]!.ebs).toMatchObject({ encrypted: 'true', volume_size: 100, volume_type: 'gp3' });
      const keyId = /^\$\{aws_kms_key\.([\w-]+)\.arn\}$/.exec(String(mappings[0]!.ebs['kms_key_id']))?.[1];
      const key = resources(json, 'aws_kms_key')[keyId!]!;
      expect(key).toMatchObject({ enable_key_rotation: true });
      expect(template['metadata_options']).toMatchObject({ http_tokens: 'required' });

      // The key policy: the account administers it; the Auto Scaling service-linked role uses it
      // and may create grants only for AWS resources (the volumes it attaches).
      const policy = String(key['policy']);
      const slr = 'role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
      expect(policy).toContain(':root"}, "Action" = "kms:*"');
      for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey']) {
        expect(policy).toContain(`"${action}"`);
      }
      expect(policy).toMatch(
        new RegExp(`${slr.replace(/[/.]/g, '\\$&')}"\\}, "Action" = "kms:CreateGrant"[^\\]]*"kms:GrantIsForAWSResource" = true`),
      );
      expect(policy).not.toContain('arn:aws:');
    }
  });

  it('names the cluster, node group and roles with the naming helper, within their limits', () => {
    for (const [env, json] of [
      [prodEnv, prod],
      [stagingEnv, staging],
    ] as const) {
      const name = namer(env.platform, env.name);
      const [, cluster] = only(json, 'aws_eks_cluster');
      const [, nodes] = only(json, 'aws_eks_node_group');
      expect(cluster['name']).toBe(name('aws.eksCluster', 'eks'));
      expect(nodes['node_group_name']).toBe(name('aws.eksNodeGroup', 'default'));
      const roles = [roleFor(json, 'eks.amazonaws.com').role['name'], roleFor(json, 'ec2.amazonaws.com').role['name']];
      expect(roles).toEqual([name('aws.iamRole', 'eks', 'cluster'), name('aws.iamRole', 'eks', 'node')]);
      for (const r of roles) expect(String(r).length).toBeLessThanOrEqual(NAME_RULES['aws.iamRole'].max);
      expect(String(nodes['node_group_name']).length).toBeLessThanOrEqual(NAME_RULES['aws.eksNodeGroup'].max);
    }
  });

  it('exports the cluster name, ARN and endpoint', () => {
    expect(prod.output?.['cluster_cluster_name']?.['value']).toBe('${aws_eks_cluster.cluster_A4C38409.name}');
    expect(prod.output?.['cluster_cluster_id']?.['value']).toBe('${aws_eks_cluster.cluster_A4C38409.arn}');
    expect(prod.output?.['cluster_endpoint']?.['value']).toBe('${aws_eks_cluster.cluster_A4C38409.endpoint}');
  });

  it('fails when the network bundle is not connected', () => {
    expect(() => deployAlone(deploy, prodEnv, 'cluster')).toThrow(/needs export "subnetIds" of bundle "network"/);
  });
});
