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
  const p = ctx.params;
  assertRules('network', awsAddressPlanProblems(p));

  // Zones of the provider's region; Local and Wavelength Zones (opt-in) are left out.
  const azs = new DataAwsAvailabilityZones(scope, 'azs', {
    state: 'available',
    filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
  });
  const zone = (i: number): string => Fn.element(azs.names, i);

  const vpc = new Vpc(scope, 'vpc', {
    cidrBlock: p.cidr,
    enableDnsSupport: true,
    enableDnsHostnames: true,
    tags: { Name: ctx.name('aws.vpc') },
    lifecycle: {
      precondition: [
        {
          // element() wraps around: without this, a region with fewer zones would silently get two subnets in one zone.
          condition: Op.gte(Fn.lengthOf(azs.names), p.azCount),
          errorMessage: `network: azCount is ${p.azCount}, but the region has fewer available availability zones.`,
        },
      ],
    },
  });

  // The VPC's default security group: no rules, so nothing that lands in it by accident is reachable.
  new DefaultSecurityGroup(scope, 'default-sg', { vpcId: vpc.id, tags: { Name: ctx.name('aws.securityGroup', 'default') } });

  const privateSubnets: Subnet[] = [];
  const publicSubnets: Subnet[] = [];
  for (let i = 0; i < p.azCount; i++) {
    privateSubnets.push(
      new Subnet(scope, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: zone(i),
        cidrBlock: Fn.cidrsubnet(p.cidr, p.subnetNewBits, i),
        mapPublicIpOnLaunch: false,
        tags: { Name: ctx.name('aws.subnet', 'private', String(i)), 'parity:subnet': 'private', 'kubernetes.io/role/internal-elb': '1' },
      }),
    );
  }
  for (let i = 0; i < p.azCount; i++) {
    publicSubnets.push(
      new Subnet(scope, `public-${i}`, {
        vpcId: vpc.id,
        availabilityZone: zone(i),
        cidrBlock: Fn.cidrsubnet(p.cidr, p.subnetNewBits, p.azCount + i),
        mapPublicIpOnLaunch: false,
        tags: { Name: ctx.name('aws.subnet', 'public', String(i)), 'parity:subnet': 'public', 'kubernetes.io/role/elb': '1' },
      }),
    );
  }

  const igw = new InternetGateway(scope, 'igw', { vpcId: vpc.id, tags: { Name: ctx.name('aws.vpc', 'igw') } });
  const natIp = new Eip(scope, 'nat-ip', { domain: 'vpc', tags: { Name: ctx.name('aws.vpc', 'nat') }, dependsOn: [igw] });
  const nat = new NatGateway(scope, 'nat', {
    allocationId: natIp.allocationId,
    subnetId: publicSubnets[0]!.id,
    tags: { Name: ctx.name('aws.vpc', 'nat') },
    dependsOn: [igw],
  });

  const publicRoutes = new RouteTable(scope, 'public-routes', {
    vpcId: vpc.id,
    tags: { Name: ctx.name('aws.vpc', 'public') },
  });
  new Route(scope, 'public-default', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
  const privateRoutes = new RouteTable(scope, 'private-routes', {
    vpcId: vpc.id,
    tags: { Name: ctx.name('aws.vpc', 'private') },
  });
  new Route(scope, 'private-default', { routeTableId: privateRoutes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
  for (const [i, s] of privateSubnets.entries()) {
    new RouteTableAssociation(scope, `private-${i}-routes`, { subnetId: s.id, routeTableId: privateRoutes.id });
  }
  for (const [i, s] of publicSubnets.entries()) {
    new RouteTableAssociation(scope, `public-${i}-routes`, { subnetId: s.id, routeTableId: publicRoutes.id });
  }

  // S3 through a gateway endpoint: free, and keeps backup and image traffic off the NAT.
  const s3 = new DataAwsVpcEndpointService(scope, 's3-service', { service: 's3', serviceType: 'Gateway' });
  new VpcEndpoint(scope, 's3', {
    vpcId: vpc.id,
    serviceName: s3.serviceName,
    vpcEndpointType: 'Gateway',
    routeTableIds: [privateRoutes.id],
    tags: { Name: ctx.name('aws.vpc', 's3') },
  });

  return {
    networkId: vpc.id,
    // the range as written, not a reference: a security group rule built from it reads the same either way
    cidr: p.cidr,
    subnetIds: privateSubnets.map((s) => s.id),
  };
}
