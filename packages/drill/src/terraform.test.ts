import { describe, expect, it } from 'vitest';
import { terraformErrors } from './terraform.js';

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
