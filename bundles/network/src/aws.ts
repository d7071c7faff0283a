/**
 * AWS network: a VPC with `azCount` private subnets (one per availability zone) and as many
 * public subnets, one NAT gateway for egress from the private subnets, and an S3 gateway
 * endpoint so traffic to S3 (backups, images) stays off the NAT.
 *
 * Construct IDs are public API: renaming one replaces the resource. Subnet IDs carry their index
 * (`private-0`), so raising `azCount` adds subnets without touching the existing ones.
 */
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones/index.js';
import { DataAwsVpcEndpointService } from '@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service/index.js';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { Fn, Op, type TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { assertRules, type DeployContext, type Exports } from '@parity/model';
import type { NetworkParams } from './index.js';
import { awsAddressPlanProblems } from './rules.js';

export function deploy(scope: Construct, ctx: DeployContext<NetworkParams, TerraformProvider>): Exports {
  assertRules('network', awsAddressPlanProblems(ctx.params));
  const zones = availabilityZones(scope);
  const vpc = createVpc(scope, ctx, zones);
  const subnets = createSubnets(scope, ctx, vpc, zones);
  const routes = createRoutes(scope, ctx, vpc, subnets);
  s3Endpoint(scope, ctx, vpc, routes.private);
  return {
    networkId: vpc.id,
    // the range as written, not a reference: a security group rule built from it reads the same either way
    cidr: ctx.params.cidr,
    subnetIds: subnets.private.map((s) => s.id),
  };
}

type Ctx = DeployContext<NetworkParams, TerraformProvider>;

/** Zones of the provider's region; Local and Wavelength Zones (opt-in) are left out. */
function availabilityZones(scope: Construct): DataAwsAvailabilityZones {
  return new DataAwsAvailabilityZones(scope, 'azs', {
    state: 'available',
    filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
  });
}

/** The VPC, refusing to plan in a region with fewer zones than `azCount`, and its default security group closed. */
function createVpc(scope: Construct, ctx: Ctx, zones: DataAwsAvailabilityZones): Vpc {
  const p = ctx.params;
  const vpc = new Vpc(scope, 'vpc', {
    cidrBlock: p.cidr,
    enableDnsSupport: true,
    enableDnsHostnames: true,
    tags: { Name: ctx.name('aws.vpc') },
    lifecycle: {
      precondition: [
        {
          // element() wraps around: without this, a region with fewer zones would silently get two subnets in one zone.
          condition: Op.gte(Fn.lengthOf(zones.names), p.azCount),
          errorMessage: `network: azCount is ${p.azCount}, but the region has fewer available availability zones.`,
        },
      ],
    },
  });
  // The VPC's default security group: no rules, so nothing that lands in it by accident is reachable.
  new DefaultSecurityGroup(scope, 'default-sg', { vpcId: vpc.id, tags: { Name: ctx.name('aws.securityGroup', 'default') } });
  return vpc;
}

interface Subnets {
  readonly private: Subnet[];
  readonly public: Subnet[];
}

/** One private and one public subnet per zone: the private ones first in the address plan, then the public ones. */
function createSubnets(scope: Construct, ctx: Ctx, vpc: Vpc, zones: DataAwsAvailabilityZones): Subnets {
  const p = ctx.params;
  const subnet = (kind: 'private' | 'public', i: number, netnum: number, elbRole: string) =>
    new Subnet(scope, `${kind}-${i}`, {
      vpcId: vpc.id,
      availabilityZone: Fn.element(zones.names, i),
      cidrBlock: Fn.cidrsubnet(p.cidr, p.subnetNewBits, netnum),
      mapPublicIpOnLaunch: false,
      tags: { Name: ctx.name('aws.subnet', kind, String(i)), 'parity:subnet': kind, [elbRole]: '1' },
    });
  const indexes = [...Array(p.azCount).keys()];
  return {
    private: indexes.map((i) => subnet('private', i, i, 'kubernetes.io/role/internal-elb')),
    public: indexes.map((i) => subnet('public', i, p.azCount + i, 'kubernetes.io/role/elb')),
  };
}

/** Egress: the public subnets through an internet gateway, the private ones through one NAT gateway in the first public subnet. */
function createRoutes(scope: Construct, ctx: Ctx, vpc: Vpc, subnets: Subnets): { private: RouteTable; public: RouteTable } {
  const igw = new InternetGateway(scope, 'igw', { vpcId: vpc.id, tags: { Name: ctx.name('aws.vpc', 'igw') } });
  const natIp = new Eip(scope, 'nat-ip', { domain: 'vpc', tags: { Name: ctx.name('aws.vpc', 'nat') }, dependsOn: [igw] });
  const nat = new NatGateway(scope, 'nat', {
    allocationId: natIp.allocationId,
    subnetId: subnets.public[0]!.id,
    tags: { Name: ctx.name('aws.vpc', 'nat') },
    dependsOn: [igw],
  });
  const table = (kind: 'private' | 'public', target: { gatewayId: string } | { natGatewayId: string }) => {
    const routes = new RouteTable(scope, `${kind}-routes`, { vpcId: vpc.id, tags: { Name: ctx.name('aws.vpc', kind) } });
    new Route(scope, `${kind}-default`, { routeTableId: routes.id, destinationCidrBlock: '0.0.0.0/0', ...target });
    for (const [i, s] of subnets[kind].entries()) {
      new RouteTableAssociation(scope, `${kind}-${i}-routes`, { subnetId: s.id, routeTableId: routes.id });
    }
    return routes;
  };
  return { public: table('public', { gatewayId: igw.id }), private: table('private', { natGatewayId: nat.id }) };
}

/** S3 through a gateway endpoint: free, and keeps backup and image traffic off the NAT. */
function s3Endpoint(scope: Construct, ctx: Ctx, vpc: Vpc, routes: RouteTable): void {
  const s3 = new DataAwsVpcEndpointService(scope, 's3-service', { service: 's3', serviceType: 'Gateway' });
  new VpcEndpoint(scope, 's3', {
    vpcId: vpc.id,
    serviceName: s3.serviceName,
    vpcEndpointType: 'Gateway',
    routeTableIds: [routes.id],
    tags: { Name: ctx.name('aws.vpc', 's3') },
  });
}
