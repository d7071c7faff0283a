import { describe, expect, it } from 'vitest';
import {
  addresses,
  blockAt,
  blocks,
  isExpression,
  literal,
  parseRef,
  placedResources,
  providerRegion,
  ref,
  referencedAddresses,
  removeBlock,
  type TerraformJson,
  TfDoc,
  withoutMetadata,
} from './terraform.js';

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
    expect(doc.allResources().map((r) => r.address)).toEqual(['aws_vpc.main']);
    expect(doc.references(['${aws_vpc.main.id}'], 'aws_vpc')).toBe(true);
    expect(doc.references('${aws_vpc.other.id}', 'aws_vpc')).toBe(false);
  });
});

describe('providers, placement and expressions', () => {
  const json = (): TerraformJson => ({
    provider: { aws: [{ region: 'us-east-1' }, { alias: 'us_west_2', region: 'us-west-2' }, { alias: 'bare' }] },
    data: { aws_partition: { p: {} } },
    resource: {
      aws_kms_key: { key: {}, 'copy-key': { provider: 'aws.us_west_2' }, odd: { provider: 'aws.bare' } },
      aws_sqs_queue: {
        'orders-dlq': { name: 'orders-dlq' },
        orders: {
          name: 'orders',
          redrive_policy: '${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.orders-dlq.arn, "maxReceiveCount" = 5})}',
          depends_on: ['aws_kms_key.key'],
          provider: 'aws.us_west_2',
        },
      },
      aws_iam_role_policy_attachment: {
        attach: { role: 'r', policy_arn: 'arn:${data.aws_partition.p.partition}:iam::aws:policy/X', '//': { path: 'aws_kms_key.key' } },
      },
    },
  });

  it('knows the region of each provider block, the default one and aliases, and none for a block without one', () => {
    expect(providerRegion(json(), undefined)).toBe('us-east-1');
    expect(providerRegion(json(), 'aws.us_west_2')).toBe('us-west-2');
    expect(providerRegion(json(), 'aws.bare')).toBeUndefined();
    expect(providerRegion({ provider: { google: [{ region: 'europe-west1' }] } }, undefined, 'gcp')).toBe('europe-west1');
    expect(placedResources(json(), 'aws_kms_key').map((r) => [r.address, r.region])).toEqual([
      ['aws_kms_key.key', 'us-east-1'],
      ['aws_kms_key.copy-key', 'us-west-2'],
      ['aws_kms_key.odd', undefined],
    ]);
  });

  it('finds addresses inside interpolations and function calls, not in depends_on, provider or metadata', () => {
    const d = json();
    const known = new Set(['aws_sqs_queue.orders-dlq', 'aws_sqs_queue.orders', 'aws_kms_key.key', 'data.aws_partition.p']);
    expect([...referencedAddresses(d.resource!.aws_sqs_queue!.orders!, known)]).toEqual(['aws_sqs_queue.orders-dlq']);
    expect([...referencedAddresses(d.resource!.aws_kms_key!.key!, known)]).toEqual([]);
    expect([...referencedAddresses(d.resource!.aws_iam_role_policy_attachment!.attach!, known)]).toEqual(['data.aws_partition.p']);
  });

  it('reads and removes a block by address, dropping a type left empty', () => {
    const d = json();
    expect(blockAt(d, 'aws_sqs_queue.orders-dlq')).toEqual({ name: 'orders-dlq' });
    expect(blockAt(d, 'data.aws_partition.p')).toEqual({});
    expect(blockAt(d, 'aws_sqs_queue.nothing')).toBeUndefined();
    removeBlock(d, 'data.aws_partition.p');
    removeBlock(d, 'aws_sqs_queue.orders');
    expect(d.data).toEqual({});
    expect(Object.keys(d.resource!.aws_sqs_queue!)).toEqual(['orders-dlq']);
  });

  it('tells a literal from an expression', () => {
    expect(literal('orders')).toBe('orders');
    expect(literal('${aws_sqs_queue.orders.name}')).toBeUndefined();
    expect(literal(5)).toBeUndefined();
    expect(isExpression('arn:${data.aws_partition.p.partition}:x')).toBe(true);
    expect(isExpression('arn:aws:x')).toBe(false);
  });
});
