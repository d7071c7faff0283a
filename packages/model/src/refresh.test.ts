import { describe, expect, it } from 'vitest';
import { refreshAwsCatalog, type AwsCatalogFile, type Endpoints } from './refresh.js';

const current: AwsCatalogFile = {
  schemaVersion: 1,
  generated: '2026-01-01',
  source: { botocoreVersion: '1.0.0' },
  globalServices: ['iam'],
  regions: [
    {
      code: 'eu-west-1',
      name: 'Europe (Ireland)',
      country: 'IE',
      jurisdiction: 'EU',
      continent: 'Europe',
      optIn: false,
      services: ['ec2', 'sqs'],
      ssmServices: ['ec2'],
    },
    {
      code: 'xx-gone-1',
      name: 'Gone',
      country: 'XX',
      jurisdiction: 'XX',
      continent: 'Europe',
      optIn: true,
      services: ['ec2'],
      ssmServices: [],
    },
  ],
};
const endpoints: Endpoints = {
  version: 3,
  partitions: [
    {
      partition: 'aws',
      regions: { 'eu-west-1': { description: 'Europe (Ireland)' }, 'eu-new-1': { description: 'Europe (New)' } },
      services: {
        ec2: { endpoints: { 'eu-west-1': {}, 'eu-new-1': {}, 'fips-eu-west-1': {} } },
        rds: { endpoints: { 'eu-west-1': {}, 'eu-new-1': { deprecated: true } } },
        iam: { endpoints: { 'aws-global': {} } },
      },
    },
    { partition: 'aws-cn', regions: { 'cn-north-1': { description: 'Beijing' } }, services: {} },
  ],
};

describe('refreshing the AWS region catalog from botocore', () => {
  const r = refreshAwsCatalog(current, endpoints, '1.2.3', '2026-11-24');

  it('records the source version', () => {
    expect(r.catalog.source.botocoreVersion).toBe('1.2.3');
    expect(r.catalog.generated).toBe('2026-11-24');
  });

  it('takes services from endpoint keys equal to the region code, skipping deprecated and pseudo keys', () => {
    const eu = r.catalog.regions.find((x) => x.code === 'eu-west-1')!;
    expect(eu.services).toEqual(['ec2', 'rds']);
    expect(r.catalog.regions.find((x) => x.code === 'eu-new-1')!.services).toEqual(['ec2']);
    expect(r.catalog.globalServices).toEqual(['iam']);
  });

  it('keeps the hand-maintained fields and the SSM list', () => {
    expect(r.catalog.regions.find((x) => x.code === 'eu-west-1')).toMatchObject({ jurisdiction: 'EU', optIn: false, ssmServices: ['ec2'] });
  });

  it('adds new regions with unknown hand fields and reports added, removed and changed', () => {
    expect(r.catalog.regions.find((x) => x.code === 'eu-new-1')).toMatchObject({ jurisdiction: null, optIn: null });
    expect(r.added).toEqual(['eu-new-1']);
    expect(r.removed).toEqual(['xx-gone-1']);
    expect(r.changes).toEqual([{ region: 'eu-west-1', gained: ['rds'], lost: ['sqs'] }]);
  });

  it('fails without an aws partition', () => {
    expect(() => refreshAwsCatalog(current, { version: 3, partitions: [] }, '1', 'x')).toThrow(/no "aws" partition/);
  });
});
