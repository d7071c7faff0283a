import { describe, expect, it } from 'vitest';
import type { TerraformJson } from '@parity/model/terraform';
import { ownCreates, terraformErrors } from './terraform.js';

describe('terraform errors', () => {
  it('names the address, the error and the API answer, and skips "execution halted"', () => {
    const out = [
      '╷',
      '│ Error: execution halted',
      '╵',
      '╷',
      '│ Error: creating VPC Security Group Rule',
      '│ ',
      '│   with aws_vpc_security_group_ingress_rule.database_sg-postgres_3C7DAE48,',
      '│   on main.tf.json line 1130, in resource.aws_vpc_security_group_ingress_rule.database_sg-postgres_3C7DAE48:',
      '│ 1130:       }',
      '│ ',
      '│ operation error EC2: AuthorizeSecurityGroupIngress, https response error StatusCode: 400, api error InvalidGroup.NotFound',
      '╵',
      '╷',
      '│ Error: reading KMS Key: connection refused',
      '╵',
    ].join('\n');
    expect(terraformErrors(out)).toEqual([
      'aws_vpc_security_group_ingress_rule.database_sg-postgres_3C7DAE48: creating VPC Security Group Rule (operation error EC2: AuthorizeSecurityGroupIngress, https response error StatusCode: 400, api error InvalidGroup.NotFound)',
      'reading KMS Key: connection refused',
    ]);
  });
});

describe('own creates: an AlreadyExists the apply caused itself', () => {
  const doc = (aliases: Record<string, string>): TerraformJson => ({
    resource: {
      aws_kms_key: { k: {} },
      aws_kms_alias: Object.fromEntries(
        Object.entries(aliases).map(([n, name]) => [n, { name, target_key_id: '${aws_kms_key.k.key_id}' }]),
      ),
    },
  });
  const exists = (address: string, name: string) =>
    `${address}: creating KMS Alias (${name}): operation error KMS: CreateAlias, https response error StatusCode: 400, RequestID: x, AlreadyExistsException: An alias with the name arn:aws:kms:us-east-1:123456789012:${name} already exists`;

  it('names the alias and its import ID when its name is used once in the document', () => {
    expect(ownCreates(doc({ a: 'alias/x-backup' }), [exists('aws_kms_alias.a', 'alias/x-backup')])).toEqual([
      { address: 'aws_kms_alias.a', id: 'alias/x-backup' },
    ]);
  });

  it('is empty when two resources of the document share the name (the document is wrong, not the answer)', () => {
    expect(ownCreates(doc({ a: 'alias/x', b: 'alias/x' }), [exists('aws_kms_alias.a', 'alias/x')])).toEqual([]);
  });

  it('is empty when any other error is there, for a type without a unique name, or a name only known after apply', () => {
    const one = doc({ a: 'alias/x' });
    expect(ownCreates(one, [exists('aws_kms_alias.a', 'alias/x'), 'aws_sqs_queue.q: creating SQS Queue: timeout'])).toEqual([]);
    expect(ownCreates(one, ['aws_kms_key.k: creating KMS Key: AlreadyExistsException'])).toEqual([]);
    expect(ownCreates(doc({ a: 'alias/${var.x}' }), [exists('aws_kms_alias.a', 'alias/x')])).toEqual([]);
    expect(ownCreates(one, [])).toEqual([]);
    expect(ownCreates(undefined, [exists('aws_kms_alias.a', 'alias/x')])).toEqual([]);
  });
});
