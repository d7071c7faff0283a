/**
 * The fence of `pnpm failback --aws` against a recorded EKS answer (REST-JSON). The same code runs
 * against moto in `pnpm drill --failback`.
 */
import { EKSClient } from '@aws-sdk/client-eks';
import type { TerraformJson } from '@parity/model/terraform';
import { recordedConfig, recordedHandler } from '@parity/testkit';
import { describe, expect, it } from 'vitest';
import { fenceWriters } from './fence.js';

describe('the fence', () => {
  it("scales each of the dr environment's node groups to zero (UpdateNodegroupConfig)", async () => {
    const { handler, sent } = recordedHandler({
      'POST /clusters/acme-dr-usw2-eks/node-groups/acme-dr-usw2-nodes/update-config': {
        body: JSON.stringify({ update: { id: 'u1', status: 'InProgress', type: 'ConfigUpdate' } }),
        contentType: 'application/json',
      },
    });
    const eks = new EKSClient(recordedConfig(handler));
    const json = {
      resource: {
        aws_eks_cluster: { cluster_eks: { name: 'acme-dr-usw2-eks' } },
        aws_eks_node_group: {
          cluster_nodes: { cluster_name: '${aws_eks_cluster.cluster_eks.name}', node_group_name: 'acme-dr-usw2-nodes' },
        },
      },
    } as unknown as TerraformJson;
    expect(await fenceWriters(eks, json)).toEqual(['acme-dr-usw2-eks/acme-dr-usw2-nodes']);
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ scalingConfig: { minSize: 0, maxSize: 1, desiredSize: 0 } });
  });
});
