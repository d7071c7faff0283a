import { defineBundle, packageInfo } from '@parity/model';
import { z } from 'zod';

export const params = z
  .object({
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as 1.31')
      .default('1.31')
      .describe('Kubernetes minor version.'),
    nodeSize: z
      .enum(['small', 'medium', 'large'])
      .default('medium')
      .describe('Node machine size. AWS: m6i.large, m6i.xlarge, m6i.2xlarge. GCP: e2-standard-2, e2-standard-4, e2-standard-8.'),
    minNodes: z.number().int().min(1).max(100).default(2).describe('Fewest nodes (per zone on GCP).'),
    desiredNodes: z.number().int().min(1).max(100).default(3).describe('Nodes to start with (per zone on GCP).'),
    maxNodes: z.number().int().min(1).max(100).default(6).describe('Most nodes (per zone on GCP).'),
    capacityPercent: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(100)
      .describe(
        'Node counts at this share of minNodes and desiredNodes, at least one node unless 0 (maxNodes stays, so the cluster can grow back). 0: pilot light, defined but scaled to zero; set by the DR strategy.',
      ),
    nodeDiskGb: z.number().int().min(20).max(2000).default(100).describe('Boot disk per node, GiB.'),
    // @default backup: a fork whose workloads keep data on volumes must not lose their backups by
    // upgrading the bundle; a platform whose clusters are stateless says so (volumes: none).
    volumes: z
      .enum(['none', 'backup'])
      .default('backup')
      .describe(
        "Whether workloads keep data on volumes. none: stateless (state lives in the database, the bucket and the queues); the cluster is rebuilt from IaC and images, has no backup plan and takes no part in the RPO. backup: its volumes are backed up by the backup bundle and copied to the DR region (AWS Backup selection by tag, Backup for GKE with volume data), and that schedule bounds the pair's RPO.",
      ),
  })
  .strict()
  .refine((p) => p.minNodes <= p.desiredNodes && p.desiredNodes <= p.maxNodes, {
    message: 'node counts must satisfy minNodes <= desiredNodes <= maxNodes',
    path: ['desiredNodes'],
  });

export type ClusterParams = z.output<typeof params>;

/** The node counts the cluster runs with: minNodes and desiredNodes at capacityPercent, at least one unless 0. */
export function scaledNodes(p: ClusterParams): { min: number; desired: number; max: number } {
  const scale = (n: number) => (p.capacityPercent === 0 ? 0 : Math.max(1, Math.ceil((n * p.capacityPercent) / 100)));
  return { min: scale(p.minNodes), desired: scale(p.desiredNodes), max: p.maxNodes };
}

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'cluster',
  description: 'Kubernetes: AWS EKS with a managed node group and its IAM roles, or a regional GKE cluster with private nodes.',
  params: params as unknown as z.ZodObject,
  connects: { network: { description: 'subnets (and, on GCP, secondary ranges) for nodes and pods' } },
  exports: {
    clusterName: { description: 'Cluster name.' },
    clusterId: { description: 'EKS cluster ARN or GKE cluster ID.' },
    endpoint: { description: 'API server endpoint.' },
    volumes: { description: 'Whether workloads keep data on volumes (none | backup): the backup bundle backs them up only for backup.' },
  },
  services: { aws: ['eks', 'ec2', 'iam'], gcp: ['gke'] },
  stateful: true,
  // a data place only when workloads keep data on volumes
  statefulWhen: (p) => (p as ClusterParams).volumes === 'backup',
});
export default bundle;
