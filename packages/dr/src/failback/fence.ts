/**
 * The fence of a switchover back: the dr environment's writers stopped (its node groups scaled to
 * zero) before the data moves back, so nothing written in the DR region after that moment exists
 * only there.
 */
import { type EKSClient, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { placedResources, type TerraformJson } from '@parity/model/terraform';
import { clients } from '../cloud/aws.js';
import type { Pair } from '../pair.js';
import type { FailbackApi } from './api.js';

/** The dr environment's node groups scaled to zero: nothing writes there from now on. */
export async function fenceWriters(eks: EKSClient, drJson: TerraformJson, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const g of placedResources(drJson, 'aws_eks_node_group')) {
    const cluster = typeof g.body.cluster_name === 'string' && !g.body.cluster_name.includes('${') ? g.body.cluster_name : undefined;
    const clusterName = cluster ?? literalCluster(drJson);
    const name = g.body.node_group_name;
    if (typeof name !== 'string' || !clusterName) continue;
    await eks.send(
      new UpdateNodegroupConfigCommand({
        clusterName,
        nodegroupName: name,
        scalingConfig: { minSize: 0, maxSize: 1, desiredSize: 0 },
      }),
      { abortSignal: signal },
    );
    out.push(`${clusterName}/${name}`);
  }
  return out;
}

function literalCluster(json: TerraformJson): string | undefined {
  const c = placedResources(json, 'aws_eks_cluster')[0]?.body.name;
  return typeof c === 'string' && !c.includes('${') ? c : undefined;
}

/** Fence the dr side of `pair`: its node groups to zero, through the DR region's API; returns what was fenced. */
export async function fence(f: FailbackApi, pair: Pair, drJson: TerraformJson): Promise<string[]> {
  const c = clients(pair.dr.region, f.endpoint);
  let fenced: string[];
  try {
    fenced = await fenceWriters(c.eks, drJson, f.signal);
  } finally {
    c.destroy();
  }
  f.log?.(`fenced ${pair.dr.name}'s writers: ${fenced.join(', ') || 'no node group'}`);
  return fenced;
}
