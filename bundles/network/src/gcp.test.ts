import { beforeAll, describe, expect, it } from 'vitest';
import { physicalName, type ResolvedEnvironment } from '@parity/model';
import { GCP_PAIR, withParams, REPO_ROOT, resolveFixture, synthToJson, type TerraformJson, only, ref } from '@parity/synth';
import type { NetworkParams } from './index.js';

let envs: Map<string, ResolvedEnvironment>;
let prod: TerraformJson;
let staging: TerraformJson;

beforeAll(async () => {
  envs = await resolveFixture(GCP_PAIR);
  prod = await synthToJson(REPO_ROOT, envs.get('prod-gcp-euw1')!);
  staging = await synthToJson(REPO_ROOT, envs.get('staging-gcp')!);
}, 120_000);

const env = (name: string) => envs.get(name)!;

describe('network on GCP', () => {
  it('keeps the Terraform addresses of the network and the peering', () => {
    // Renaming these (construct IDs) replaces the VPC, and with it everything attached to it.
    expect(only(prod, 'google_compute_network')[0]).toBe('network_vpc_4E8F0223');
    expect(only(prod, 'google_service_networking_connection')[0]).toBe('network_psa_7104A04E');
  });

  it('creates a custom-mode VPC with regional routing', () => {
    const [, vpc] = only(prod, 'google_compute_network');
    expect(vpc).toMatchObject({
      name: physicalName('gcp.network', 'acme', 'prod-gcp-euw1', 'vpc'),
      auto_create_subnetworks: false,
      routing_mode: 'REGIONAL',
    });
  });

  it('creates one subnetwork in the region with pods and services ranges and private Google access', () => {
    const [vpcId] = only(prod, 'google_compute_network');
    const p = env('prod-gcp-euw1').bundles.find((b) => b.name === 'network')!.params as NetworkParams;
    const [, subnet] = only(prod, 'google_compute_subnetwork');
    expect(subnet).toMatchObject({
      name: physicalName('gcp.subnetwork', 'acme', 'prod-gcp-euw1', 'private'),
      region: 'europe-west1',
      network: ref('google_compute_network', vpcId, 'id'),
      ip_cidr_range: p.cidr,
      private_ip_google_access: true,
      secondary_ip_range: [
        { range_name: 'pods', ip_cidr_range: p.podsCidr },
        { range_name: 'services', ip_cidr_range: p.servicesCidr },
      ],
    });
    expect(only(staging, 'google_compute_subnetwork')[1].region).toBe('us-central1');
  });

  it('reserves a range for private service access and peers it with service networking', () => {
    const [vpcId] = only(prod, 'google_compute_network');
    const [addrId, addr] = only(prod, 'google_compute_global_address');
    expect(addr).toMatchObject({
      purpose: 'VPC_PEERING',
      address_type: 'INTERNAL',
      prefix_length: 20,
      network: ref('google_compute_network', vpcId, 'id'),
    });
    const [, psa] = only(prod, 'google_service_networking_connection');
    expect(psa).toEqual({
      network: ref('google_compute_network', vpcId, 'id'),
      service: 'servicenetworking.googleapis.com',
      reserved_peering_ranges: [ref('google_compute_global_address', addrId, 'name')],
    });
  });

  it('gives private nodes egress through Cloud NAT', () => {
    const [vpcId] = only(prod, 'google_compute_network');
    const [routerId, router] = only(prod, 'google_compute_router');
    expect(router).toMatchObject({ region: 'europe-west1', network: ref('google_compute_network', vpcId, 'id') });
    const [, nat] = only(prod, 'google_compute_router_nat');
    expect(nat).toMatchObject({
      region: 'europe-west1',
      router: ref('google_compute_router', routerId, 'name'),
      nat_ip_allocate_option: 'AUTO_ONLY',
      source_subnetwork_ip_ranges_to_nat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
    });
  });

  it('exports the network, subnetwork, range names and the peering', () => {
    const [vpcId] = only(prod, 'google_compute_network');
    const [subnetId] = only(prod, 'google_compute_subnetwork');
    const [psaId] = only(prod, 'google_service_networking_connection');
    expect(prod.output?.network_network_id?.value).toBe(ref('google_compute_network', vpcId, 'id'));
    expect(prod.output?.network_subnet_ids?.value).toEqual([ref('google_compute_subnetwork', subnetId, 'id')]);
    expect(prod.output?.network_pods_range_name?.value).toBe('pods');
    expect(prod.output?.network_services_range_name?.value).toBe('services');
    expect(prod.output?.network_private_service_access?.value).toBe(ref('google_service_networking_connection', psaId, 'id'));
  });

  it('fails when the pods range overlaps the primary range', async () => {
    await expect(
      synthToJson(REPO_ROOT, withParams<NetworkParams>(env('staging-gcp'), 'network', { podsCidr: '10.40.128.0/17' })),
    ).rejects.toThrow(/cidr 10\.40\.0\.0\/16 overlaps podsCidr 10\.40\.128\.0\/17/);
  });

  it('fails when the services range overlaps the pods range', async () => {
    await expect(
      synthToJson(REPO_ROOT, withParams<NetworkParams>(env('staging-gcp'), 'network', { servicesCidr: '10.97.0.0/20' })),
    ).rejects.toThrow(/podsCidr 10\.96\.0\.0\/14 overlaps servicesCidr/);
  });

  it('fails when a range has host bits set', async () => {
    await expect(
      synthToJson(REPO_ROOT, withParams<NetworkParams>(env('staging-gcp'), 'network', { cidr: '10.40.1.0/16' })),
    ).rejects.toThrow(/use 10\.40\.0\.0\/16/);
  });
});
