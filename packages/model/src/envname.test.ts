import { describe, expect, it } from 'vitest';
import { parseEnvName } from './envname.js';
import { regionCatalog, shortCode } from './catalog.js';

describe('environment name grammar', () => {
  it.each([
    ['staging', { role: 'staging' }],
    ['prod-use1', { role: 'production', regionShort: 'use1' }],
    ['dr-usw2', { role: 'dr', regionShort: 'usw2' }],
    ['prod-gcp-euw1', { role: 'production', cloud: 'gcp', regionShort: 'euw1' }],
    ['stg-aws-apse1-blue', { role: 'staging', cloud: 'aws', regionShort: 'apse1', label: 'blue' }],
  ])('reads %s', (name, expected) => {
    expect(parseEnvName(name).parsed).toEqual(expected);
  });

  it.each([
    ['fails on upper case', 'Prod-use1'],
    ['fails on an unknown role', 'qa-use1'],
    ['fails on a double hyphen', 'prod--use1'],
    ['fails on a trailing hyphen', 'prod-'],
    ['fails on too many parts', 'prod-use1-blue-green'],
    ['fails on a name that is too long', 'production-gcp-northamerica1'],
  ])('%s', (_title, name) => {
    expect(parseEnvName(name).reason).toBeTruthy();
  });

  it('fails on a look-alike character, naming its code point and position', () => {
    expect(parseEnvName('prod\u2010use1').reason).toMatch(/character 5 is U\+2010 \(HYPHEN/);
    expect(parseEnvName('st\u0430ging').reason).toMatch(/character 3 is U\+0430 \(CYRILLIC SMALL LETTER A/);
    expect(parseEnvName('prod\u200b-use1').reason).toMatch(/character 5 is U\+200B \(ZERO WIDTH SPACE, which looks like nothing at all\)/);
  });
});

describe('region short codes', () => {
  it('abbreviate AWS and GCP regions', () => {
    expect(shortCode('aws', 'us-west-2')).toBe('usw2');
    expect(shortCode('aws', 'ap-southeast-1')).toBe('apse1');
    expect(shortCode('gcp', 'europe-west1')).toBe('euw1');
    expect(shortCode('gcp', 'northamerica-northeast1')).toBe('nane1');
  });

  it('are unique within each cloud (the catalog refuses a clash)', () => {
    const cat = regionCatalog();
    for (const cloud of ['aws', 'gcp'] as const) {
      const shorts = cat.list(cloud).map((r) => r.short);
      expect(new Set(shorts).size).toBe(shorts.length);
    }
  });
});
