import { loadWorkspace, resolveEnvironment } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_SERVICES,
  ignoredDriftGap,
  ignoringEmulatorDrift,
  MOTO_UNSUPPORTED,
  overrideFor,
  removeResources,
  unsupportedSeeds,
  withoutReplicaSubnetGroups,
} from './emulator.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const doc = (): TerraformJson => ({
  terraform: {
    backend: { s3: { bucket: 'b', key: 'k', region: 'us-east-1' } },
    required_providers: { aws: { source: 'aws', version: '5.100.0' } },
  },
  provider: {
    aws: [
      { region: 'us-east-1', default_tags: [{ tags: { a: 'b' } }] },
      { alias: 'us_west_2', region: 'us-west-2' },
    ],
  },
  data: { aws_partition: { p: {} } },
  resource: {
    aws_kms_key: { key: {}, 'copy-key': { provider: 'aws.us_west_2' } },
    aws_db_instance: { db: { identifier: 'x', kms_key_id: '${aws_kms_key.key.arn}' } },
    aws_db_instance_automated_backups_replication: {
      repl: { provider: 'aws.us_west_2', source_db_instance_arn: '${aws_db_instance.db.arn}', kms_key_id: '${aws_kms_key.copy-key.arn}' },
    },
    aws_sqs_queue: {
      'orders-dlq': { name: 'orders-dlq' },
      orders: {
        name: 'orders',
        redrive_policy: '${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.orders-dlq.arn, "maxReceiveCount" = 5})}',
      },
    },
    aws_sqs_queue_redrive_allow_policy: {
      allow: {
        queue_url: '${aws_sqs_queue.orders-dlq.url}',
        redrive_allow_policy: '${jsonencode({"sourceQueueArns" = [aws_sqs_queue.orders.arn]})}',
      },
    },
    aws_iam_role: { role: { name: 'r' } },
    aws_iam_role_policy_attachment: {
      attach: { role: '${aws_iam_role.role.name}', policy_arn: 'arn:${data.aws_partition.p.partition}:iam::aws:policy/X' },
    },
    aws_backup_selection: {
      sel: {
        plan_id: 'p',
        iam_role_arn: '${aws_iam_role.role.arn}',
        resources: ['${aws_db_instance.db.arn}'],
        depends_on: ['aws_iam_role_policy_attachment.attach'],
      },
    },
    aws_eks_cluster: { cluster: { name: 'c', depends_on: ['aws_iam_role_policy_attachment.attach', 'aws_kms_key.key'] } },
    aws_eks_node_group: { nodes: { cluster_name: '${aws_eks_cluster.cluster.name}' } },
  },
  output: {
    replicated: { value: '${aws_db_instance_automated_backups_replication.repl.id}' },
    db: { value: '${aws_db_instance.db.arn}' },
  },
});

describe('overrideFor', () => {
  it('replaces the backend by a local one and points every aws provider, aliased ones too, at the emulator', () => {
    const o = overrideFor(doc(), { endpoint: 'http://127.0.0.1:5000', statePath: 'terraform.tfstate' });
    expect(o.terraform).toEqual({ backend: { local: { path: 'terraform.tfstate' } } });
    const blocks = o.provider!.aws!;
    expect(blocks).toHaveLength(2);
    expect(blocks.map((b) => b.alias)).toEqual([undefined, 'us_west_2']);
    for (const b of blocks) {
      expect(b).toMatchObject({
        access_key: 'test',
        secret_key: 'test',
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        s3_use_path_style: true,
      });
      const endpoints = (b.endpoints as Array<Record<string, string>>)[0]!;
      for (const svc of ['rds', 'sqs', 'eks', 'backup', 'kms', 'iam', 'ec2', 'sts', 'cloudwatchlogs', 's3'])
        expect(endpoints[svc]).toBe('http://127.0.0.1:5000');
      expect(Object.keys(endpoints).sort()).toEqual([...EMULATOR_SERVICES].sort());
      // the region and default tags stay those of the environment (not repeated in the override)
      expect(b.region).toBeUndefined();
    }
  });

  it('for real AWS only replaces the backend: the ambient credentials and real endpoints are used', () => {
    expect(overrideFor(doc(), { statePath: 's.tfstate' })).toEqual({ terraform: { backend: { local: { path: 's.tfstate' } } } });
  });
});

describe('removeResources', () => {
  it('removes the unsupported resources, what references them, and the outputs that name them', () => {
    const r = removeResources(doc(), unsupportedSeeds(doc()));
    expect(r.removed.map((x) => x.address)).toEqual([
      'aws_backup_selection.sel',
      'aws_db_instance_automated_backups_replication.repl',
      'aws_sqs_queue_redrive_allow_policy.allow',
    ]);
    expect(r.removed[0]!.reason).toMatch(/CreateBackupSelection/);
    expect(r.json.resource!.aws_backup_selection).toBeUndefined();
    expect(r.json.resource!.aws_db_instance_automated_backups_replication).toBeUndefined();
    expect(r.json.resource!.aws_db_instance!.db).toBeDefined();
    expect(r.json.resource!.aws_sqs_queue!.orders).toBeDefined();
    expect(r.removedOutputs).toEqual(['replicated']);
    expect(r.json.output!.db).toBeDefined();
    expect(r.droppedDependsOn).toEqual([]);
  });

  it('cascades through references, transitively, and names the cause', () => {
    const r = removeResources(doc(), new Map([['aws_iam_role.role', 'gone']]));
    expect(r.removed).toEqual([
      { address: 'aws_iam_role.role', reason: 'gone' },
      { address: 'aws_backup_selection.sel', reason: 'references aws_iam_role.role, which is left out', via: 'aws_iam_role.role' },
      {
        address: 'aws_iam_role_policy_attachment.attach',
        reason: 'references aws_iam_role.role, which is left out',
        via: 'aws_iam_role.role',
      },
    ]);
    // the cluster only orders itself after the attachment: it stays, without that edge
    expect(r.json.resource!.aws_eks_cluster!.cluster!.depends_on).toEqual(['aws_kms_key.key']);
    expect(r.droppedDependsOn).toEqual([{ address: 'aws_eks_cluster.cluster', on: ['aws_iam_role_policy_attachment.attach'] }]);
    expect(r.json.resource!.aws_eks_node_group).toBeDefined();
  });

  it('removes a data source and its dependents', () => {
    const r = removeResources(doc(), new Map([['data.aws_partition.p', 'no partitions here']]));
    expect(r.removed.map((x) => x.address)).toEqual(['data.aws_partition.p', 'aws_iam_role_policy_attachment.attach']);
    expect(r.json.data).toEqual({});
  });

  it('does not change its input', () => {
    const d = doc();
    const before = JSON.stringify(d);
    removeResources(d, unsupportedSeeds(d));
    expect(JSON.stringify(d)).toBe(before);
  });
});

describe('the real prod-use1 against moto', () => {
  let json: TerraformJson;
  beforeAll(async () => {
    // the tests' fleet (@parity/testkit)
    const { root, cleanup } = fleetWorkspace();
    try {
      const env = resolveEnvironment(await loadWorkspace(root), 'prod-use1').env!;
      const { synthToJson } = await import('@parity/synth');
      json = (await synthToJson(root, env)) as TerraformJson;
    } finally {
      cleanup();
    }
  });

  it('leaves out exactly the resources moto 5.2.1 cannot create, and nothing else', () => {
    const r = removeResources(json, unsupportedSeeds(json));
    const types = new Set(r.removed.map((x) => x.address.split('.')[0]));
    expect([...types].sort()).toEqual([
      'aws_backup_selection',
      'aws_db_instance_automated_backups_replication',
      'aws_s3_bucket_replication_configuration',
      'aws_sqs_queue_redrive_allow_policy',
    ]);
    expect(r.removed.every((x) => MOTO_UNSUPPORTED[x.address.split('.')[0]!])).toBe(true);
    expect(r.removedOutputs).toEqual(['database_replicated_backup_arns']);
    // the database, the queues, the cluster, the vaults and the keys all stay
    for (const t of [
      'aws_db_instance',
      'aws_sqs_queue',
      'aws_eks_cluster',
      'aws_eks_node_group',
      'aws_backup_vault',
      'aws_backup_plan',
      'aws_kms_key',
      'aws_kms_alias',
    ]) {
      expect(Object.keys(r.json.resource![t] ?? {}).length, t).toBe(Object.keys(json.resource![t] ?? {}).length);
    }
  });

  it('gives the aliased us-west-2 provider the emulator too', () => {
    const o = overrideFor(json, { endpoint: 'http://127.0.0.1:1', statePath: 'terraform.tfstate' });
    expect(o.provider!.aws!.map((b) => b.alias ?? 'default')).toEqual(json.provider!.aws!.map((b) => b.alias ?? 'default'));
    expect(o.provider!.aws!.some((b) => b.alias === 'us_west_2')).toBe(true);
  });
});

describe('a replica database on moto', () => {
  it('goes without its subnet group (moto 5.2.1 looks it up in the source region), the input untouched', () => {
    const input: TerraformJson = {
      resource: {
        aws_db_instance: { db: { identifier: 'x', db_subnet_group_name: '${aws_db_subnet_group.s.name}', replicate_source_db: 'arn' } },
      },
    };
    const { json, adapted } = withoutReplicaSubnetGroups(input);
    expect(adapted).toEqual(['aws_db_instance.db']);
    expect(json.resource!.aws_db_instance!.db).toEqual({ identifier: 'x', replicate_source_db: 'arn' });
    expect(input.resource!.aws_db_instance!.db!.db_subnet_group_name).toBe('${aws_db_subnet_group.s.name}');
  });
});

describe('what moto drops, on a later apply', () => {
  const db = (extra: Record<string, unknown> = {}): TerraformJson => ({
    resource: {
      aws_db_instance: {
        db: { identifier: 'x', performance_insights_enabled: true, lifecycle: { ignore_changes: ['snapshot_identifier'] }, ...extra },
      },
    },
  });

  it('a first apply is left as it is: nothing was applied to drift from', () => {
    const { json, ignored } = ignoringEmulatorDrift(db(), undefined, new Set(['aws_db_instance.db']));
    expect(ignored).toEqual([]);
    expect(json).toEqual(db());
  });

  it('ignores an attribute moto does not keep when the step leaves it as applied, after the ignores already there', () => {
    const input = db();
    const { json, ignored } = ignoringEmulatorDrift(input, db(), new Set());
    expect(ignored).toEqual([{ address: 'aws_db_instance.db', attribute: 'performance_insights_enabled', why: 'dropped' }]);
    expect(json.resource!.aws_db_instance!.db!.lifecycle).toEqual({
      ignore_changes: ['snapshot_identifier', 'performance_insights_enabled'],
    });
    expect(input).toEqual(db()); // the input is not changed
  });

  it('applies it when the step changes it', () => {
    const { json, ignored } = ignoringEmulatorDrift(db({ performance_insights_enabled: false }), db(), new Set());
    expect(ignored).toEqual([]);
    expect(json.resource!.aws_db_instance!.db!.lifecycle).toEqual({ ignore_changes: ['snapshot_identifier'] });
  });

  it('ignores replicate_source_db of a database moto still links after its promotion, never the promotion itself', () => {
    const replica = db({ replicate_source_db: 'arn:aws:rds:us-east-1:1:db:p' });
    const promoted = db();
    const linked = new Set(['aws_db_instance.db']);
    const attributes = (input: TerraformJson, previous: TerraformJson, l: Set<string>) =>
      ignoringEmulatorDrift(input, previous, l).ignored.map((i) => `${i.attribute} ${i.why}`);
    // the promotion: the applied document names the source, the new one does not
    expect(attributes(promoted, replica, linked)).toEqual(['performance_insights_enabled dropped']);
    // the next apply: neither names it, the state (moto) still does
    expect(attributes(promoted, promoted, linked)).toEqual(['performance_insights_enabled dropped', 'replicate_source_db promoted']);
    // a database that was never a replica: nothing about its source
    expect(attributes(promoted, promoted, new Set())).toEqual(['performance_insights_enabled dropped']);
    // becoming a replica again (the failback's restore of roles): applied
    expect(attributes(replica, promoted, linked)).toEqual(['performance_insights_enabled dropped']);
  });

  it('the report names each attribute left alone, and says a step that changes one still applies it', () => {
    expect(ignoredDriftGap([])).toEqual([]);
    const [gap] = ignoredDriftGap([
      { env: 'dr-usw2', address: 'aws_db_instance.db', attribute: 'performance_insights_enabled', why: 'dropped' },
      { env: 'dr-usw2', address: 'aws_db_instance.db', attribute: 'replicate_source_db', why: 'promoted' },
    ]);
    expect(gap!.what).toBe('re-applying what the emulator drops');
    expect(gap!.why).toContain('dr-usw2: aws_db_instance.db performance_insights_enabled, dr-usw2: aws_db_instance.db replicate_source_db');
    expect(gap!.why).toContain('A step that changes one still applies it');
  });
});
