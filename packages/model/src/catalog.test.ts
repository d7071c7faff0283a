import { describe, expect, it } from 'vitest';
import { regionCatalog } from './catalog.js';

describe('region catalog', () => {
  const cat = regionCatalog();
  it('knows jurisdictions: EU member states are EU, London is UK', () => {
    expect(cat.get('aws', 'eu-west-1')?.jurisdiction).toBe('EU');
    expect(cat.get('aws', 'eu-west-2')?.jurisdiction).toBe('UK');
    expect(cat.get('gcp', 'europe-west6')?.jurisdiction).toBe('CH');
  });
  it('knows opt-in regions', () => {
    expect(cat.get('aws', 'af-south-1')?.optIn).toBe(true);
    expect(cat.get('aws', 'us-east-1')?.optIn).toBe(false);
  });
  it('answers service availability from the data, with null for unsourced', () => {
    expect(cat.hasService('aws', 'us-west-2', 'rds')).toBe(true);
    expect(cat.hasService('aws', 'us-west-1', 'dsql')).toBe(false);
    expect(cat.hasService('aws', 'eu-west-1', 'iam')).toBe(true); // global
    expect(cat.hasService('gcp', 'asia-southeast3', 'cloudSql')).toBeNull();
  });
  it('knows directional RDS automated-backup replication pairs', () => {
    expect(cat.supportsRdsBackupReplication('eu-south-1', 'eu-central-1')).toBe(true);
    expect(cat.supportsRdsBackupReplication('eu-central-1', 'eu-south-1')).toBe(false);
  });
  it('places every region on the map, in its own hemisphere', () => {
    for (const cloud of ['aws', 'gcp'] as const) {
      for (const r of cat.list(cloud)) expect(r.location, `${cloud}:${r.code} has no entry in data/region-locations.json`).toBeDefined();
    }
    expect(cat.get('aws', 'us-east-1')?.location).toMatchObject({ city: 'Ashburn' });
    expect(cat.get('aws', 'af-south-1')!.location!.lat).toBeLessThan(0);
    expect(cat.get('aws', 'us-west-2')!.location!.lon).toBeLessThan(-100);
    expect(cat.get('gcp', 'europe-west1')!.location!.lat).toBeCloseTo(50.45, 1); // Saint-Ghislain
  });
  it('suggests near regions for a typo', () => {
    expect(cat.suggest('aws', 'us-west-9').map((r) => r.code)).toContain('us-west-2');
  });
  it('places a bucket in a Cloud Storage dual-region: predefined first, then configurable, else none', () => {
    expect(cat.gcsDualRegion('europe-west4', 'europe-north1')).toEqual({ location: 'EUR4' });
    expect(cat.gcsDualRegion('europe-west4', 'europe-west1')).toEqual({ location: 'EU', dataLocations: ['EUROPE-WEST1', 'EUROPE-WEST4'] });
    expect(cat.gcsDualRegion('us-central1', 'us-west1')).toEqual({ location: 'US', dataLocations: ['US-CENTRAL1', 'US-WEST1'] });
    // Stockholm is in the EU but in no dual-region; London + Frankfurt is a predefined pair (EU + UK)
    expect(cat.gcsDualRegion('europe-west1', 'europe-north2')).toBeUndefined();
    expect(cat.gcsDualRegion('europe-west1', 'europe-west1')).toBeUndefined();
  });
});
