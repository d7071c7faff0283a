import { describe, expect, it } from 'vitest';
import { addresses, blocks, parseRef, ref, TfDoc, withoutMetadata } from './terraform.js';

describe('reading Terraform JSON', () => {
  const doc = new TfDoc(
    {
      provider: { aws: [{ region: 'us-east-1' }, { region: 'us-west-2', alias: 'us_west_2' }] },
      resource: {
        aws_backup_vault: { here: { name: 'a' }, there: { name: 'b', provider: 'aws.us_west_2' } },
      },
    },
    'aws',
    'us-east-1',
  );
  it("places a resource in its provider's region", () => {
    expect(doc.providerRegion(doc.get('aws_backup_vault', 'there')!)).toBe('us-west-2');
    expect(doc.providerRegion(doc.get('aws_backup_vault', 'here')!)).toBe('us-east-1');
  });
  it('follows a reference, or reads the region of a literal ARN', () => {
    expect(doc.regionOf('${aws_backup_vault.there.arn}')).toBe('us-west-2');
    expect(doc.regionOf('arn:aws:backup:eu-west-1:123456789012:backup-vault:x')).toBe('eu-west-1');
    expect(doc.regionOf('${var.somewhere}')).toBeUndefined();
  });
});

describe('the parts of a Terraform document', () => {
  it('builds and takes apart a whole-value reference, and nothing else', () => {
    expect(ref('aws_kms_key', 'key_1A2B', 'arn')).toBe('${aws_kms_key.key_1A2B.arn}');
    expect(parseRef('${aws_kms_key.key_1A2B.arn}')).toEqual({ type: 'aws_kms_key', name: 'key_1A2B', attr: 'arn' });
    expect(parseRef('arn:${aws_kms_key.key_1A2B.arn}')).toBeUndefined();
    expect(parseRef(42)).toBeUndefined();
  });
  it('reads single nested blocks as objects or lists', () => {
    expect(blocks({ a: 1 })).toEqual([{ a: 1 }]);
    expect(blocks([{ a: 1 }, 'x', null])).toEqual([{ a: 1 }]);
    expect(blocks(undefined)).toEqual([]);
  });
  it('lists resources and data sources by address, without cdktf metadata and with sorted keys', () => {
    const json = {
      resource: { aws_sqs_queue: { q: { '//': { metadata: { path: 'x' } }, name: 'q', delay_seconds: 0 } } },
      data: { aws_region: { here: { '//': {} } } },
    };
    const all = addresses(json);
    expect([...all.keys()]).toEqual(['aws_sqs_queue.q', 'data.aws_region.here']);
    expect(Object.keys(all.get('aws_sqs_queue.q')!)).toEqual(['delay_seconds', 'name']);
    expect(withoutMetadata([{ '//': 1, b: { '//': 2, c: 3 } }])).toEqual([{ b: { c: 3 } }]);
  });
  it('lists the resources and data sources of one type with their addresses', () => {
    const doc = new TfDoc(
      { resource: { aws_vpc: { main: { cidr_block: '10.0.0.0/16' } } }, data: { aws_region: { here: {} } } },
      'aws',
      'us-east-1',
    );
    expect(doc.resources('aws_vpc').map((r) => r.address)).toEqual(['aws_vpc.main']);
    expect(doc.dataSources('aws_region').map((r) => r.address)).toEqual(['data.aws_region.here']);
    expect(doc.references(['${aws_vpc.main.id}'], 'aws_vpc')).toBe(true);
    expect(doc.references('${aws_vpc.other.id}', 'aws_vpc')).toBe(false);
  });
});
