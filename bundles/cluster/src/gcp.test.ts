import { describe, expect, it } from 'vitest';
import type { Exports, ResolvedEnvironment } from '@parity/model';
import { GCP_PAIR, type TerraformJson, type Block, synthFixtures, deployAlone } from '@parity/synth';
import { deploy, NODE_ROLES } from './gcp.js';

const { envs, json } = await synthFixtures(GCP_PAIR);

const env = (name: string) => envs.get(name)!;
/** The one resource of a type that this bundle creates (other bundles may create the same type). */
const only = (name: string, type: string, bundle = 'cluster'): [string, Block] => {
  const entries = Object.entries((json.get(name)!.resource?.[type] ?? {}) as Record<string, Block>).filter(([id]) =>
    id.startsWith(`${bundle}_`),
  );
  expect(entries).toHaveLength(1);
  return entries[0]!;
};
const cluster = (name: string) => only(name, 'google_container_cluster')[1];
const pool = (name: string) => only(name, 'google_container_node_pool')[1];

const NETWORK_INPUTS = {
  network: {
    networkId: 'projects/p/global/networks/n',
    subnetIds: ['projects/p/regions/europe-west1/subnetworks/s'],
    podsRangeName: 'pods',
    servicesRangeName: 'services',
    privateServiceAccess: 'x',
  },
};

/** Call deploy directly with hand-made inputs (the shared helper, bound to this bundle). */
function alone(e: ResolvedEnvironment, inputs: Record<string, Exports>, envName = e.name): TerraformJson {
  return deployAlone(deploy, e, 'cluster', inputs, envName);
}

describe('cluster on GCP', () => {
  it('keeps the Terraform addresses of the cluster and node pool', () => {
    // Renaming these replaces the cluster (every workload and volume) or the node pool.
    expect(only('prod-gcp-euw1', 'google_container_cluster')[0]).toBe('cluster_gke_41AC691A');
    expect(only('prod-gcp-euw1', 'google_container_node_pool')[0]).toBe('cluster_pool_8BB0CC24');
  });

  it('is a regional cluster with private nodes, Workload Identity and the backup agent', () => {
    const c = cluster('prod-gcp-euw1');
    expect(c).toMatchObject({
      name: 'acme-prod-gcp-euw1-gke',
      location: 'europe-west1',
      min_master_version: '1.31',
      release_channel: { channel: 'REGULAR' },
      remove_default_node_pool: true,
      initial_node_count: 1,
      networking_mode: 'VPC_NATIVE',
      ip_allocation_policy: { cluster_secondary_range_name: 'pods', services_secondary_range_name: 'services' },
      private_cluster_config: { enable_private_nodes: true, enable_private_endpoint: false, master_ipv4_cidr_block: '172.16.0.0/28' },
      master_authorized_networks_config: { gcp_public_cidrs_access_enabled: false },
      workload_identity_config: { workload_pool: 'acme-prod-gcp-euw1.svc.id.goog' },
      addons_config: { gke_backup_agent_config: { enabled: true } },
    });
    expect(cluster('staging-gcp').location).toBe('us-central1');
  });

  it("runs on the network bundle's network and subnetwork", () => {
    const c = cluster('prod-gcp-euw1');
    const [vpc] = only('prod-gcp-euw1', 'google_compute_network', 'network');
    const [subnet] = only('prod-gcp-euw1', 'google_compute_subnetwork', 'network');
    expect(c.network).toBe(`\${google_compute_network.${vpc}.id}`);
    expect(c.subnetwork).toBe(`\${google_compute_subnetwork.${subnet}.id}`);
  });

  it('protects the cluster from deletion everywhere but staging', () => {
    expect(cluster('prod-gcp-euw1').deletion_protection).toBe(true);
    expect(cluster('dr-gcp-euw4').deletion_protection).toBe(true);
    expect(cluster('staging-gcp').deletion_protection).toBe(false);
  });

  it('sizes the node pool from the tier, per zone, and lets the autoscaler own the size', () => {
    const [clusterId] = only('prod-gcp-euw1', 'google_container_cluster');
    expect(pool('prod-gcp-euw1')).toMatchObject({
      cluster: `\${google_container_cluster.${clusterId}.id}`,
      location: 'europe-west1',
      initial_node_count: 3,
      autoscaling: { min_node_count: 3, max_node_count: 12 },
      management: { auto_repair: true, auto_upgrade: true },
      lifecycle: { ignore_changes: ['initial_node_count'] },
      node_config: { machine_type: 'e2-standard-8', disk_size_gb: 100 },
    });
    expect(pool('staging-gcp')).toMatchObject({
      initial_node_count: 2,
      autoscaling: { min_node_count: 1, max_node_count: 4 },
      node_config: { machine_type: 'e2-standard-2' },
    });
  });

  it('hardens the nodes: own service account, GKE metadata server, secure boot', () => {
    const [saId] = only('prod-gcp-euw1', 'google_service_account');
    expect(pool('prod-gcp-euw1').node_config).toMatchObject({
      service_account: `\${google_service_account.${saId}.email}`,
      oauth_scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      workload_metadata_config: { mode: 'GKE_METADATA' },
      shielded_instance_config: { enable_secure_boot: true },
    });
  });

  it('gives the node service account a 6-30 character ID and only the node roles', () => {
    for (const e of envs.values()) {
      const [saId, sa] = only(e.name, 'google_service_account');
      const accountId = sa.account_id as string;
      expect(accountId.length).toBeGreaterThanOrEqual(6);
      expect(accountId.length).toBeLessThanOrEqual(30);
      expect(accountId).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
      const grants = Object.entries((json.get(e.name)!.resource?.google_project_iam_member ?? {}) as Record<string, Block>)
        .filter(([id]) => id.startsWith('cluster_'))
        .map(([, g]) => g);
      expect(grants.map((g) => g.role).sort()).toEqual([...NODE_ROLES].sort());
      for (const g of grants) {
        expect(g.project).toBe(e.gcpProject);
        expect(g.member).toBe(`\${google_service_account.${saId}.member}`);
      }
    }
  });

  it('keeps the service account ID within 30 characters for a long environment name', () => {
    const out = alone(env('prod-gcp-euw1'), NETWORK_INPUTS, 'production-europe-west1-blue-green');
    const sa = Object.values(out.resource?.google_service_account ?? {})[0]!;
    expect((sa.account_id as string).length).toBeLessThanOrEqual(30);
    expect(sa.account_id).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
  });

  it('exports the cluster name, ID and endpoint', () => {
    const out = json.get('prod-gcp-euw1')!.output!;
    expect(out.cluster_cluster_name?.value).toBe('${google_container_cluster.cluster_gke_41AC691A.name}');
    expect(out.cluster_cluster_id?.value).toBe('${google_container_cluster.cluster_gke_41AC691A.id}');
    expect(out.cluster_endpoint?.value).toBe('${google_container_cluster.cluster_gke_41AC691A.endpoint}');
  });

  it('fails when the environment has no GCP project', () => {
    const { gcpProject: _, ...rest } = env('prod-gcp-euw1');
    expect(() => alone(rest as ResolvedEnvironment, NETWORK_INPUTS)).toThrow(/has no GCP project/);
    expect(() => alone(rest as ResolvedEnvironment, NETWORK_INPUTS)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ kind: 'bundle-rule', path: 'gcp.project' })] }),
    );
  });

  it('fails when the network bundle exports more than one subnetwork', () => {
    const inputs = { network: { ...NETWORK_INPUTS.network, subnetIds: ['a', 'b'] } };
    expect(() => alone(env('prod-gcp-euw1'), inputs)).toThrow(/exactly one subnetwork/);
  });

  it('fails without the network bundle', () => {
    expect(() => alone(env('prod-gcp-euw1'), {})).toThrow(/needs export "networkId" of bundle "network"/);
  });
});
