/** Compute in the DR region per strategy: scaled to zero (pilot light), to a fraction (warm standby), full at failover. */
import { describe, expect, it } from 'vitest';
import type { Failover } from '@parity/model';
import type { ManifestInput } from '@parity/model/testing';
import { AWS_PAIR, GCP_PAIR, REPO_ROOT, resolveFixture, synthToJson, only, type Block } from '@parity/synth';
import { bundle, params, scaledNodes } from './index.js';

async function drJson(pair: ManifestInput[], prod: string, dr: string, policy: string, failover?: Failover) {
  const fleet = pair.map((m) => (m.name === prod ? { ...m, drPolicy: policy } : m.name === dr && failover ? { ...m, failover } : m));
  const envs = await resolveFixture(fleet);
  return synthToJson(REPO_ROOT, envs.get(dr)!);
}

describe('cluster volumes', () => {
  it('is a data place only when workloads keep data on volumes; backup unless a platform says none', async () => {
    expect(params.parse({}).volumes).toBe('backup');
    expect(bundle.statefulWhen!(params.parse({ volumes: 'none' }))).toBe(false);
    expect(bundle.statefulWhen!(params.parse({ volumes: 'backup' }))).toBe(true);
    // the example definition's cluster is stateless: resolution says so, and the export tells the backup bundle
    const envs = await resolveFixture(AWS_PAIR);
    const prod = envs.get('prod-use1')!;
    expect(prod.bundles.find((b) => b.name === 'cluster')).toMatchObject({ stateful: false, params: { volumes: 'none' } });
    expect((await synthToJson(REPO_ROOT, prod)).output!['cluster_volumes']!['value']).toBe('none');
  }, 60_000);
});

describe('cluster capacity per strategy', () => {
  it('scales node counts at least to one node, unless zero', () => {
    const base = {
      kubernetesVersion: '1.31',
      nodeSize: 'large',
      minNodes: 3,
      desiredNodes: 3,
      maxNodes: 12,
      nodeDiskGb: 100,
      volumes: 'none',
    } as const;
    expect(scaledNodes({ ...base, capacityPercent: 0 })).toEqual({ min: 0, desired: 0, max: 12 });
    expect(scaledNodes({ ...base, capacityPercent: 25 })).toEqual({ min: 1, desired: 1, max: 12 });
    expect(scaledNodes({ ...base, capacityPercent: 50 })).toEqual({ min: 2, desired: 2, max: 12 });
    expect(scaledNodes({ ...base, capacityPercent: 100 })).toEqual({ min: 3, desired: 3, max: 12 });
  });

  it('aws pilot light: the node group exists with no nodes; promote scales it to the tier in the same apply', async () => {
    const light = only(await drJson(AWS_PAIR, 'prod-use1', 'dr-usw2', 'important'), 'aws_eks_node_group')[1];
    expect(light['scaling_config']).toEqual({ min_size: 0, desired_size: 0, max_size: 12 });
    const promoted = only(await drJson(AWS_PAIR, 'prod-use1', 'dr-usw2', 'important', { step: 'promote' }), 'aws_eks_node_group')[1];
    expect(promoted['scaling_config']).toEqual({ min_size: 3, desired_size: 3, max_size: 12 });
    const standard = only(await drJson(AWS_PAIR, 'prod-use1', 'dr-usw2', 'standard'), 'aws_eks_node_group')[1];
    expect(standard['scaling_config']).toEqual({ min_size: 3, desired_size: 3, max_size: 12 });
  }, 60_000);

  it("gcp warm standby: the pool runs at the policy's 25 %, at least one node per zone", async () => {
    const pool = only(await drJson(GCP_PAIR, 'prod-gcp-euw1', 'dr-gcp-euw4', 'critical'), 'google_container_node_pool')[1];
    expect(pool['autoscaling']).toMatchObject({ min_node_count: 1, max_node_count: 12 });
    expect(pool['initial_node_count']).toBe(1);
    expect((pool['lifecycle'] as Block)['ignore_changes']).toEqual(['initial_node_count']);
  }, 60_000);
});
