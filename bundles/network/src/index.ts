import { defineBundle, packageInfo } from '@parity/model';
import { params } from './params.js';
import { awsAddressPlanProblems, gcpRangeProblems } from './rules.js';

export { params, type NetworkParams } from './params.js';

export const bundle = defineBundle({
  ...packageInfo(import.meta.url),
  name: 'network',
  description: 'A private network: AWS VPC with private subnets in several zones; GCP VPC and subnetwork with private service access.',
  params,
  connects: {},
  exports: {
    networkId: { description: 'VPC ID (AWS) or network ID (GCP).' },
    cidr: { description: 'The address range: of the VPC (AWS) or of the primary subnetwork range (GCP).' },
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
