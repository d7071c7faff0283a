/** The network bundle's parameters: one schema, read by the contract and by its address-plan rules. */
import { z } from 'zod';

const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, 'must be an IPv4 CIDR block such as 10.0.0.0/16');

export const params = z
  .object({
    cidr: cidr.default('10.0.0.0/16').describe('Address range of the VPC (AWS) or of the primary subnetwork range (GCP).'),
    azCount: z
      .number()
      .int()
      .min(2)
      .max(6)
      .default(2)
      .describe('AWS: private subnets, one per availability zone, in this many zones. GCP subnetworks are regional and span every zone.'),
    subnetNewBits: z
      .number()
      .int()
      .min(2)
      .max(8)
      .default(4)
      .describe('Bits added to the VPC prefix for each private subnet (a /16 with 4 gives /20 subnets).'),
    podsCidr: cidr.default('10.96.0.0/14').describe('GCP: secondary range for GKE pods.'),
    servicesCidr: cidr.default('10.100.0.0/20').describe('GCP: secondary range for GKE services.'),
    privateServiceAccessPrefixLength: z
      .number()
      .int()
      .min(16)
      .max(24)
      .default(20)
      .describe('GCP: prefix length of the range reserved for private service access (Cloud SQL).'),
  })
  .strict();

export type NetworkParams = z.output<typeof params>;
