/**
 * GCP cluster: a regional GKE Standard cluster with private nodes, Workload Identity, the Backup
 * for GKE agent, and one autoscaled node pool run by a least-privilege service account.
 *
 * Release channel: REGULAR. Google patches the control plane and nodes (security fixes) without a
 * deploy, and a channel is what GKE supports long term. `kubernetesVersion` is the version every
 * environment starts at and the floor it never goes below (`min_master_version`); environments on
 * the same channel move to newer versions within days of each other. Node auto-upgrade and
 * auto-repair are on, as a channel requires.
 *
 * Node boot disks are encrypted with a customer-managed key in the cluster's region, which the
 * project's Compute Engine service agent (it creates the disks) may use; the pool waits for that grant.
 *
 * Construct IDs are public API: changing one replaces the resource (for the cluster, every workload).
 */
import type { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktn';
import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster/index.js';
import { ContainerNodePool } from '@cdktf/provider-google/lib/container-node-pool/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { environmentProject, type GcpKey, gcpKey, projectNumber, serviceAgents } from '@parity/constructs/gcp';
import { inputList, inputString, type DeployContext, type Exports } from '@parity/model';
import { scaledNodes, type ClusterParams } from './index.js';

export const MACHINE_TYPES: Record<ClusterParams['nodeSize'], string> = {
  small: 'e2-standard-2',
  medium: 'e2-standard-4',
  large: 'e2-standard-8',
};

/** What nodes need: write logs and metrics, read monitoring config, pull images from Artifact Registry. */
export const NODE_ROLES = [
  'roles/logging.logWriter',
  'roles/monitoring.metricWriter',
  'roles/monitoring.viewer',
  'roles/artifactregistry.reader',
] as const;

/** The control plane's range for VPC peering; outside the 10/8 ranges the network bundle uses. */
export const MASTER_CIDR = '172.16.0.0/28';

type Ctx = DeployContext<ClusterParams, TerraformProvider>;

export function deploy(scope: Construct, ctx: Ctx): Exports {
  const project = environmentProject(ctx, "Workload Identity, node IAM and the boot disks' key need one");
  const network = clusterNetwork(ctx);
  const nodeAccount = nodeServiceAccount(scope, ctx, project);
  const cluster = createCluster(scope, ctx, project, network);
  // The boot disks' key, in the cluster's region, usable by the Compute Engine service agent (it creates the disks).
  const disks = gcpKey(scope, ctx, { project, location: ctx.env.region, users: serviceAgents(['compute'], projectNumber(scope, project)) });
  createNodePool(scope, ctx, cluster, nodeAccount, disks);
  return {
    clusterName: cluster.name,
    clusterId: cluster.id,
    endpoint: cluster.endpoint,
    // the parameter as written: the backup bundle decides from it whether there is anything to back up
    volumes: ctx.params.volumes,
  };
}

/** The network bundle's VPC and its one subnetwork, with the pods' and services' secondary ranges. */
function clusterNetwork(ctx: Ctx) {
  const networkId = inputString(ctx, 'network', 'networkId');
  const subnets = inputList(ctx, 'network', 'subnetIds');
  if (subnets.length !== 1) {
    throw new Error(`cluster: expected exactly one subnetwork from the network bundle, got ${subnets.length}`);
  }
  return {
    network: networkId,
    subnetwork: subnets[0]!,
    podsRange: inputString(ctx, 'network', 'podsRangeName'),
    servicesRange: inputString(ctx, 'network', 'servicesRangeName'),
  };
}

/** The nodes' own service account, with the least privilege they need (NODE_ROLES). */
function nodeServiceAccount(scope: Construct, ctx: Ctx, project: string): { account: ServiceAccount; grants: ProjectIamMember[] } {
  const accountId = ctx.name('gcp.serviceAccount', 'nodes');
  if (accountId.length < 6 || accountId.length > 30) {
    throw new Error(`cluster: service account ID ${accountId} must be 6-30 characters`);
  }
  const account = new ServiceAccount(scope, 'node-sa', {
    accountId,
    displayName: `GKE nodes of ${ctx.env.name}`,
    description: 'Runs the GKE nodes with the least privilege (logs, metrics, image pulls). Workloads use Workload Identity.',
  });
  const grants = NODE_ROLES.map(
    (role) =>
      new ProjectIamMember(scope, `node-sa-${role.slice('roles/'.length).replace(/\./g, '-')}`, {
        project,
        role,
        member: account.member,
      }),
  );
  return { account, grants };
}

/** The regional control plane: private nodes, Workload Identity, the Backup for GKE agent, the REGULAR channel. */
function createCluster(scope: Construct, ctx: Ctx, project: string, n: ReturnType<typeof clusterNetwork>): ContainerCluster {
  const env = ctx.env;
  return new ContainerCluster(scope, 'gke', {
    name: ctx.name('gcp.gkeCluster', 'gke'),
    location: env.region, // a region: a regional control plane and nodes in every zone
    minMasterVersion: ctx.params.kubernetesVersion,
    releaseChannel: { channel: 'REGULAR' },
    // The default pool is replaced by the managed pool below.
    removeDefaultNodePool: true,
    initialNodeCount: 1,
    network: n.network,
    subnetwork: n.subnetwork,
    networkingMode: 'VPC_NATIVE',
    ipAllocationPolicy: {
      clusterSecondaryRangeName: n.podsRange,
      servicesSecondaryRangeName: n.servicesRange,
    },
    privateClusterConfig: {
      enablePrivateNodes: true,
      enablePrivateEndpoint: false,
      masterIpv4CidrBlock: MASTER_CIDR,
    },
    // The public endpoint exists but no public network is authorized (not even Google Cloud's public
    // ranges); the API is reached from inside the VPC. Add cidrBlocks for trusted admin ranges.
    masterAuthorizedNetworksConfig: { gcpPublicCidrsAccessEnabled: false },
    workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
    addonsConfig: {
      gkeBackupAgentConfig: { enabled: true },
      gcePersistentDiskCsiDriverConfig: { enabled: true },
    },
    enableShieldedNodes: true,
    maintenancePolicy: { dailyMaintenanceWindow: { startTime: '03:00' } },
    // production data only: staging and previews must be destroyable (a preview's cleanup destroys it)
    deletionProtection: env.role === 'production' || env.role === 'dr',
  });
}

/** The autoscaled node pool, run by the nodes' service account, its boot disks encrypted with `disks`. */
function createNodePool(
  scope: Construct,
  ctx: Ctx,
  cluster: ContainerCluster,
  nodeAccount: ReturnType<typeof nodeServiceAccount>,
  disks: GcpKey,
): void {
  const p = ctx.params;
  const nodes = scaledNodes(p);
  new ContainerNodePool(scope, 'pool', {
    name: ctx.name('gcp.gkeNodePool', 'nodes'),
    cluster: cluster.id,
    location: ctx.env.region,
    // Per zone: a regional pool runs this many nodes in each of the region's zones, at
    // capacityPercent (0: a pilot-light pool with no nodes). initial_node_count is ForceNew and
    // only matters at creation: a failover scales up through the autoscaler's minimum, in place.
    initialNodeCount: nodes.desired,
    autoscaling: { minNodeCount: nodes.min, maxNodeCount: nodes.max },
    management: { autoRepair: true, autoUpgrade: true },
    upgradeSettings: { strategy: 'SURGE', maxSurge: 1, maxUnavailable: 0 },
    nodeConfig: {
      machineType: MACHINE_TYPES[p.nodeSize],
      diskSizeGb: p.nodeDiskGb,
      diskType: 'pd-balanced',
      bootDiskKmsKey: disks.key.id,
      imageType: 'COS_CONTAINERD',
      serviceAccount: nodeAccount.account.email,
      oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
      workloadMetadataConfig: { mode: 'GKE_METADATA' },
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    },
    // initial_node_count forces a new pool when changed; after creation the autoscaler owns the size.
    lifecycle: { ignoreChanges: ['initial_node_count'] },
    // Nodes come up with their IAM grants in place (logging and image pulls work from the first boot),
    // and with their boot disks' key usable by the agent that creates them.
    dependsOn: [...nodeAccount.grants, ...disks.grants],
  });
}
