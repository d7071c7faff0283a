import { describe, expect, it } from 'vitest';
import type { TerraformJson } from '@parity/model/terraform';
import { resizedNodeGroups } from '../../target/emulator.js';
import { leftPending } from './failover-step.js';
import { copyKeyFromState } from './marker.js';

describe('the key the copy is encrypted with', () => {
  it("is the key of the primary's backup copy vault in the DR region", () => {
    const state = [
      {
        address: 'aws_kms_key.database_replica-key-us-west-2',
        type: 'aws_kms_key',
        name: 'r',
        values: { arn: 'arn:aws:kms:us-west-2:1:key/replica' },
      },
      {
        address: 'aws_backup_vault.backup_vault',
        type: 'aws_backup_vault',
        name: 'v',
        values: { arn: 'arn:aws:backup:us-east-1:1:backup-vault:v', kms_key_arn: 'arn:aws:kms:us-east-1:1:key/primary' },
      },
      {
        address: 'aws_backup_vault.backup_copy-vault-us-west-2',
        type: 'aws_backup_vault',
        name: 'c',
        values: { arn: 'arn:aws:backup:us-west-2:1:backup-vault:c', kms_key_arn: 'arn:aws:kms:us-west-2:1:key/copy' },
      },
    ];
    expect(copyKeyFromState(state, 'us-west-2')).toEqual({
      arn: 'arn:aws:kms:us-west-2:1:key/copy',
      address: 'aws_backup_vault.backup_copy-vault-us-west-2',
    });
    expect(copyKeyFromState(state.slice(0, 2), 'us-west-2')?.arn).toBe('arn:aws:kms:us-west-2:1:key/replica');
    expect(copyKeyFromState(state, 'eu-central-1')).toBeUndefined();
  });
});

describe('node groups resized by a failover step', () => {
  const group = (desired: number): TerraformJson => ({
    resource: {
      aws_eks_node_group: {
        cluster_default: { node_group_name: 'n', scaling_config: { desired_size: desired, min_size: desired, max_size: 6 } },
      },
    },
  });
  it('are those whose scaling changes (replaced on moto, which has no DescribeUpdate for the waiter)', () => {
    expect(resizedNodeGroups(group(0), group(3))).toEqual(['aws_eks_node_group.cluster_default']);
    expect(resizedNodeGroups(group(3), group(3))).toEqual([]);
    expect(resizedNodeGroups({}, group(3))).toEqual([]);
  });
});

describe('what a failover leaves pending', () => {
  const c = (address: string, action: string, attributes: string[]) => ({ address, action, attributes });
  const baseline = [
    c('aws_db_instance.db', 'updated in-place', ['performance_insights_enabled']),
    c('aws_eks_cluster.c', 'replaced', ['arn', 'id']),
  ];
  it("on moto: nothing beyond what it left right after the peacetime apply, and the database's replicate_source_db", () => {
    const after = [
      c('aws_db_instance.db', 'updated in-place', ['performance_insights_enabled', 'replicate_source_db']),
      c('aws_eks_cluster.c', 'replaced', ['id']),
    ];
    expect(leftPending(after, baseline, true)).toEqual([]);
  });
  it('fails: anything else is left pending, and on AWS everything counts', () => {
    const after = [
      c('aws_db_instance.db', 'updated in-place', ['backup_retention_period']),
      c('aws_sqs_queue.q', 'updated in-place', ['tags']),
    ];
    expect(leftPending(after, baseline, true).map((p) => p.address)).toEqual(['aws_db_instance.db', 'aws_sqs_queue.q']);
    expect(leftPending([c('aws_db_instance.db', 'updated in-place', ['replicate_source_db'])], [], false)).toHaveLength(1);
  });
});
