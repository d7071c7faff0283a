/**
 * GCP network: a custom-mode VPC with one regional subnetwork (secondary ranges for GKE pods and
 * services), private service access for Cloud SQL, and Cloud NAT so private nodes have egress.
 *
 * Construct IDs below are public API: they become Terraform addresses, and changing one replaces
 * the resource.
 */
import type { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktn';
import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address/index.js';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { ServiceNetworkingConnection } from '@cdktf/provider-google/lib/service-networking-connection/index.js';
import { assertRules, type DeployContext, type Exports } from '@parity/model';
import type { NetworkParams } from './index.js';
import { gcpRangeProblems } from './rules.js';

/** Secondary range names. They are scoped to the subnetwork, so fixed names never collide. */
export const PODS_RANGE = 'pods';
export const SERVICES_RANGE = 'services';

export function deploy(scope: Construct, ctx: DeployContext<NetworkParams, TerraformProvider>): Exports {
  const p = ctx.params;
  assertRules('network', gcpRangeProblems(p));
  const region = ctx.env.region;

  const network = new ComputeNetwork(scope, 'vpc', {
    name: ctx.name('gcp.network', 'vpc'),
    description: `Parity ${ctx.env.platform} ${ctx.env.name}`,
    autoCreateSubnetworks: false,
    routingMode: 'REGIONAL',
  });

  // Regional: one subnetwork spans every zone of the region (azCount and subnetNewBits are AWS-only).
  const subnet = new ComputeSubnetwork(scope, 'subnet', {
    name: ctx.name('gcp.subnetwork', 'private'),
    region,
    network: network.id,
    ipCidrRange: p.cidr,
    privateIpGoogleAccess: true,
    secondaryIpRange: [
      { rangeName: PODS_RANGE, ipCidrRange: p.podsCidr },
      { rangeName: SERVICES_RANGE, ipCidrRange: p.servicesCidr },
    ],
    // VPC flow logs, sampled, for security investigations.
    logConfig: { aggregationInterval: 'INTERVAL_5_SEC', flowSampling: 0.5, metadata: 'INCLUDE_ALL_METADATA' },
  });

  // Private service access: a range reserved for Google-managed services (Cloud SQL) and the
  // peering that connects it. Cloud SQL instances get private IPs from this range.
  const psaRange = new ComputeGlobalAddress(scope, 'psa-range', {
    name: ctx.name('gcp.globalAddress', 'psa'),
    purpose: 'VPC_PEERING',
    addressType: 'INTERNAL',
    prefixLength: p.privateServiceAccessPrefixLength,
    network: network.id,
  });
  const psa = new ServiceNetworkingConnection(scope, 'psa', {
    network: network.id,
    service: 'servicenetworking.googleapis.com',
    reservedPeeringRanges: [psaRange.name],
  });

  // Cloud NAT: GKE nodes have no external IPs; NAT gives them egress (image pulls, APIs outside Google).
  const router = new ComputeRouter(scope, 'router', {
    name: ctx.name('gcp.router', 'router'),
    region,
    network: network.id,
  });
  new ComputeRouterNat(scope, 'nat', {
    // A NAT gateway lives inside its router and follows the same RFC 1035 rules, so the router kind names it.
    name: ctx.name('gcp.router', 'nat'),
    router: router.name,
    region,
    natIpAllocateOption: 'AUTO_ONLY',
    sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
    logConfig: { enable: true, filter: 'ERRORS_ONLY' },
  });

  return {
    networkId: network.id,
    cidr: p.cidr,
    subnetIds: [subnet.id],
    podsRangeName: PODS_RANGE,
    servicesRangeName: SERVICES_RANGE,
    privateServiceAccess: psa.id,
  };
}
