import { defineBundle, packageInfo } from '@parity/model';
import { z } from 'zod';
import { awsAddressPlanProblems, gcpRangeProblems } from './rules.js';

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, 'must be an IPv4 CIDR block such as 10.0.0.0/16');

export const params = z
  .object({
    cidr: cidr.default('10.0.0.0/16').describe('Address range of the VPC (AWS) or of the primary subnetwork range (GCP). @default 10.0.0.0/16'),
    azCount: z
      .number()
      .int()
      .min(2)
      .max(6)
      .default(2)
      .describe('AWS: private subnets, one per availability zone, in this many zones. GCP subnetworks are regional and span every zone. @default 2'),
    subnetNewBits: z
      .number()
      .int()
      .min(2)
      .max(8)
      .default(4)
      .describe('Bits added to the VPC prefix for each private subnet (a /16 with 4 gives /20 subnets). @default 4'),
    podsCidr: cidr.default('10.96.0.0/14').describe('GCP: secondary range for GKE pods. @default 10.96.0.0/14'),
    servicesCidr: cidr.default('10.100.0.0/20').describe('GCP: secondary range for GKE services. @default 10.100.0.0/20'),
    privateServiceAccessPrefixLength: z
      .number()
      .int()
      .min(16)
      .max(24)
      .default(20)
      .describe('GCP: prefix length of the range reserved for private service access (Cloud SQL). @default 20'),
  })
  .strict();

export type NetworkParams = z.output<typeof params>;

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'network',
  description: 'A private network: AWS VPC with private subnets in several zones; GCP VPC and subnetwork with private service access.',
  params,
  connects: {},
  exports: {
    networkId: { description: 'VPC ID (AWS) or network ID (GCP).' },
    subnetIds: { description: 'Private subnet IDs (AWS, one per zone) or the subnetwork ID (GCP).' },
    podsRangeName: { description: 'Secondary range name for GKE pods.', clouds: ['gcp'] },
    servicesRangeName: { description: 'Secondary range name for GKE services.', clouds: ['gcp'] },
    privateServiceAccess: { description: 'The service networking connection Cloud SQL peers through.', clouds: ['gcp'] },
  },
  services: { aws: ['ec2'], gcp: [] },
  stateful: false,
  rules: (p, env) => (env.cloud === 'aws' ? awsAddressPlanProblems(p) : gcpRangeProblems(p)),
});
export default bundle;
