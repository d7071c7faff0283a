import { fixtureWorkspace } from '@parity/model/testing';
import { resolveEnvironment } from '@parity/model';
import { TerraformStack, Testing } from 'cdktn';
import { describe, expect, it } from 'vitest';
import { namer } from '@parity/model';
import {
  AWS_PAIR,
  dataSources,
  paramsOf,
  REPO_ROOT,
  resolveFixture,
  synthToJson,
  type TerraformJson,
  type Block,
  only,
  resources,
} from '@parity/synth';
import { deploy } from './aws.js';
import type { NetworkParams } from './index.js';

const envs = await resolveFixture(AWS_PAIR);
const prodEnv = envs.get('prod-use1')!;
const drEnv = envs.get('dr-usw2')!;
const prod = await synthToJson(REPO_ROOT, prodEnv);
const dr = await synthToJson(REPO_ROOT, drEnv);

function subnets(json: TerraformJson, role: 'private' | 'public'): Array<[string, Block]> {
  return Object.entries(resources(json, 'aws_subnet'))
    .filter(([, s]) => (s['tags'] as Record<string, string>)['parity:subnet'] === role)
    .sort(([a], [b]) => a.localeCompare(b));
}

describe('aws network', () => {
  it('exports its address range as written, for the bundles that open ports to it', () => {
    expect(prod.output?.['network_cidr']?.value).toBe(paramsOf<NetworkParams>(prodEnv, 'network').cidr);
  });

  it('creates one private and one public subnet in each of azCount availability zones', () => {
    const p = paramsOf<NetworkParams>(prodEnv, 'network');
    expect(p.azCount).toBe(3);
    const [azsId, azs] = Object.entries(dataSources(prod, 'aws_availability_zones'))[0]!;
    expect(azs['state']).toBe('available');
    for (const role of ['private', 'public'] as const) {
      const list = subnets(prod, role);
      expect(list).toHaveLength(p.azCount);
      const zones = list.map(([, s]) => s['availability_zone']);
      expect(new Set(zones).size).toBe(p.azCount);
      list.forEach(([, s], i) => {
        expect(s['availability_zone']).toBe(`\${element(data.aws_availability_zones.${azsId}.names, ${i})}`);
        expect(s['map_public_ip_on_launch']).toBe(false);
      });
    }
  });

  it('guards against a region with fewer zones than azCount instead of doubling up a zone', () => {
    const [, vpc] = only(prod, 'aws_vpc');
    const lifecycle = vpc['lifecycle'] as { precondition: Array<{ condition: string }> };
    expect(lifecycle.precondition[0]!.condition).toMatch(/length\(data\.aws_availability_zones\.[\w-]+\.names\) >= 3/);
  });

  it('never hard-codes the region', () => {
    for (const [env, json] of [
      [prodEnv, prod],
      [drEnv, dr],
    ] as const) {
      const network = JSON.stringify({ ...json.resource, ...json.data });
      expect(network).not.toContain(env.region);
    }
  });

  it('carves private subnets, then public ones, out of the VPC range', () => {
    const p = paramsOf<NetworkParams>(prodEnv, 'network');
    const [, vpc] = only(prod, 'aws_vpc');
    expect(vpc['cidr_block']).toBe(p.cidr);
    expect(vpc['enable_dns_support']).toBe(true);
    expect(vpc['enable_dns_hostnames']).toBe(true);
    for (const [i, [, s]] of subnets(prod, 'private').entries())
      expect(s['cidr_block']).toBe(`\${cidrsubnet("${p.cidr}", ${p.subnetNewBits}, ${i})}`);
    for (const [i, [, s]] of subnets(prod, 'public').entries())
      expect(s['cidr_block']).toBe(`\${cidrsubnet("${p.cidr}", ${p.subnetNewBits}, ${p.azCount + i})}`);
  });

  it('routes private subnets through one NAT gateway in the first public subnet, public ones through the internet gateway', () => {
    const [natId, nat] = only(prod, 'aws_nat_gateway');
    const [eipId, eip] = only(prod, 'aws_eip');
    const [igwId] = only(prod, 'aws_internet_gateway');
    expect(eip['domain']).toBe('vpc');
    expect(eip).not.toHaveProperty('vpc'); // deprecated
    expect(nat['allocation_id']).toBe(`\${aws_eip.${eipId}.allocation_id}`);
    expect(nat['subnet_id']).toBe(`\${aws_subnet.${subnets(prod, 'public')[0]![0]}.id}`);

    const routes = Object.values(resources(prod, 'aws_route'));
    const tableOf = (target: string) =>
      routes.find((r) => r['destination_cidr_block'] === '0.0.0.0/0' && (r['nat_gateway_id'] === target || r['gateway_id'] === target))![
        'route_table_id'
      ];
    const privateTable = tableOf(`\${aws_nat_gateway.${natId}.id}`);
    const publicTable = tableOf(`\${aws_internet_gateway.${igwId}.id}`);
    expect(privateTable).not.toBe(publicTable);

    const assoc = Object.values(resources(prod, 'aws_route_table_association'));
    const tableFor = (subnetId: string) =>
      assoc.filter((a) => a['subnet_id'] === `\${aws_subnet.${subnetId}.id}`).map((a) => a['route_table_id']);
    for (const [id] of subnets(prod, 'private')) expect(tableFor(id)).toEqual([privateTable]);
    for (const [id] of subnets(prod, 'public')) expect(tableFor(id)).toEqual([publicTable]);

    const [, endpoint] = only(prod, 'aws_vpc_endpoint');
    expect(endpoint['vpc_endpoint_type']).toBe('Gateway');
    expect(endpoint['route_table_ids']).toEqual([privateTable]);
    const [serviceId, service] = Object.entries(dataSources(prod, 'aws_vpc_endpoint_service'))[0]!;
    expect(service).toMatchObject({ service: 's3', service_type: 'Gateway' });
    expect(endpoint['service_name']).toBe(`\${data.aws_vpc_endpoint_service.${serviceId}.service_name}`);
  });

  it('exports the VPC and the private subnets', () => {
    const [vpcId] = only(prod, 'aws_vpc');
    expect(prod.output?.['network_network_id']?.['value']).toBe(`\${aws_vpc.${vpcId}.id}`);
    expect(prod.output?.['network_subnet_ids']?.['value']).toEqual(subnets(prod, 'private').map(([id]) => `\${aws_subnet.${id}.id}`));
  });

  it('names resources with the naming helper', () => {
    const name = namer(prodEnv.platform, prodEnv.name);
    const [, vpc] = only(prod, 'aws_vpc');
    expect((vpc['tags'] as Record<string, string>)['Name']).toBe(name('aws.vpc'));
    for (const [i, [, s]] of subnets(prod, 'private').entries())
      expect((s['tags'] as Record<string, string>)['Name']).toBe(name('aws.subnet', 'private', String(i)));
    for (const [i, [, s]] of subnets(prod, 'public').entries())
      expect((s['tags'] as Record<string, string>)['Name']).toBe(name('aws.subnet', 'public', String(i)));
  });

  it('closes the default security group', () => {
    const [, sg] = only(prod, 'aws_default_security_group');
    expect(sg).not.toHaveProperty('ingress');
    expect(sg).not.toHaveProperty('egress');
  });

  it('fails when the VPC range is too small for /28 subnets, at resolution, naming the field', async () => {
    const [m] = AWS_PAIR;
    const ws = await fixtureWorkspace([{ ...m!, overrides: { network: { cidr: '10.0.0.0/26' } } }]);
    const r = resolveEnvironment(ws, m!.name);
    expect(r.env).toBeUndefined();
    const problem = r.issues.find((i) => i.kind === 'bundle-rule')!;
    expect(problem.message).toMatch(/network\.subnetNewBits: cidr 10\.0\.0\.0\/26 with subnetNewBits 4 gives \/30 subnets/);
    expect(problem.allowed).toBe('at most 2');
  });

  it('fails when subnetNewBits cannot hold a private and a public subnet per zone', () => {
    const bundle = prodEnv.bundles.find((b) => b.name === 'network')!;
    const stack = new TerraformStack(Testing.app(), 'refusal');
    const params: NetworkParams = { ...paramsOf<NetworkParams>(prodEnv, 'network'), azCount: 3, subnetNewBits: 2 };
    expect(() =>
      deploy(stack, {
        env: prodEnv,
        bundle,
        params,
        inputs: {},
        name: namer(prodEnv.platform, prodEnv.name),
        tags: {},
        providerFor: () => {
          throw new Error('not used');
        },
      }),
    ).toThrow(/3 zones need 6 subnets/);
  });
});
