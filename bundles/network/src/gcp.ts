/**
 * GCP network: a custom-mode VPC with one regional subnetwork (secondary ranges for GKE pods and
 * services), private service access for Cloud SQL, and Cloud NAT so private nodes have egress.
 *
 * Construct IDs below are public API: they become Terraform addresses, and changing one replaces
 * the resource.
 */
import type { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address/index.js';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { ServiceNetworkingConnection } from '@cdktf/provider-google/lib/service-networking-connection/index.js';
import type { DeployContext, Exports } from '@parity/model';
import type { NetworkParams } from './index.js';

/** Secondary range names. They are scoped to the subnetwork, so fixed names never collide. */
export const PODS_RANGE = 'pods';
export const SERVICES_RANGE = 'services';

interface Range {
  readonly name: string;
  readonly cidr: string;
  readonly first: number;
  readonly last: number;
}

function parseCidr(name: string, cidr: string): Range {
  const [ip, bitsText] = cidr.split('/');
  const octets = (ip ?? '').split('.').map(Number);
  const bits = Number(bitsText);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Error(`network: ${name} ${cidr} is not an IPv4 CIDR block`);
  }
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const first = Math.floor(address / size) * size;
  if (first !== address) {
    const canonical = [24, 16, 8, 0].map((s) => Math.floor(first / 2 ** s) % 256).join('.');
    throw new Error(`network: ${name} ${cidr} has host bits set; GCP expects the network address: use ${canonical}/${bits}`);
  }
  return { name, cidr, first, last: first + size - 1 };
}

/** The primary, pods and services ranges must not overlap: GCP rejects the subnetwork otherwise. */
function checkRanges(p: NetworkParams): void {
  const ranges = [parseCidr('cidr', p.cidr), parseCidr('podsCidr', p.podsCidr), parseCidr('servicesCidr', p.servicesCidr)];
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.first <= b.last && b.first <= a.last) {
        throw new Error(`network: ${a.name} ${a.cidr} overlaps ${b.name} ${b.cidr}; the subnetwork's primary and secondary ranges must be disjoint`);
      }
    }
  }
}

export function deploy(scope: Construct, ctx: DeployContext<NetworkParams, TerraformProvider>): Exports {
  const p = ctx.params;
  checkRanges(p);
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
    subnetIds: [subnet.id],
    podsRangeName: PODS_RANGE,
    servicesRangeName: SERVICES_RANGE,
    privateServiceAccess: psa.id,
  };
}
