import { describe, expect, it } from 'vitest';
import { NAME_RULES, physicalName, type ResourceKind } from './naming.js';

describe('physical names', () => {
  it('joins platform, environment and parts', () => {
    expect(physicalName('aws.dbInstance', 'acme', 'prod-use1', 'db')).toBe('acme-prod-use1-db');
  });

  it('is stable: these names are public API (renaming replaces the resource, for a database that is data loss)', () => {
    expect(physicalName('aws.backupVault', 'acme', 'prod-use1', 'copy', 'us-west-2')).toBe('acme-prod-use1-copy-us-west-2');
    expect(physicalName('gcp.sqlInstance', 'acme', 'prod-gcp-euw1', 'db')).toBe('acme-prod-gcp-euw1-db');
  });

  it('cleans characters the resource does not allow', () => {
    expect(physicalName('gcp.network', 'acme', 'prod', 'My_Net')).toBe('acme-prod-my-net');
    expect(physicalName('aws.sqsQueue', 'acme', 'prod', 'orders_dlq')).toBe('acme-prod-orders_dlq');
  });

  it.each(Object.keys(NAME_RULES) as ResourceKind[])('keeps %s within its length limit, with a hash when truncated', (kind) => {
    const long = physicalName(kind, 'acme', 'dr-gcp-northamerica', 'x'.repeat(300));
    expect(long.length).toBeLessThanOrEqual(NAME_RULES[kind].max);
    expect(long).toMatch(/^[a-z]/);
    expect(long).not.toMatch(/-$/);
    const other = physicalName(kind, 'acme', 'dr-gcp-northamerica', `${'x'.repeat(299)}y`);
    expect(other).not.toBe(long);
  });

  it('fails when nothing usable is left', () => {
    expect(() => physicalName('gcp.network', '', '', '---')).toThrow(/nothing left/);
  });
});
