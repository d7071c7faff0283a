/**
 * Making synthesized Terraform JSON apply against an AWS emulator (moto) or a drill account:
 * the S3 backend replaced by a local one in the drill's work folder, every `aws` provider block
 * (aliased ones too) pointed at the emulator with test credentials, and the resources the
 * emulator cannot create removed from the copy, with everything that references them, each
 * listed by Terraform address and why. Pure functions: no I/O.
 */

import {
  addresses,
  placedResources,
  blockAt,
  providerBlocks,
  referencedAddresses,
  removeBlock,
  resourcesOf,
  type TerraformJson,
} from '@parity/model/terraform';
import type { NotExercised } from '@parity/model';

/**
 * Provider `endpoints` keys pointed at the emulator: every service the bundles use, and the
 * others a bundle is likely to add, so that no call can leave for real AWS.
 * (All valid `endpoints` arguments of hashicorp/aws 5.100.0.)
 */
export const EMULATOR_SERVICES = [
  'acm',
  'autoscaling',
  'backup',
  'cloudwatch',
  'cloudwatchlogs',
  'dynamodb',
  'ec2',
  'ecr',
  'eks',
  'elbv2',
  'events',
  'iam',
  'kafka',
  'kms',
  'lambda',
  'rds',
  'route53',
  's3',
  'secretsmanager',
  'sns',
  'sqs',
  'ssm',
  'sts',
] as const;

export interface UnsupportedType {
  /** Why the emulator cannot create it. */
  readonly reason: string;
  /** What the drill therefore does not exercise. */
  readonly consequence: string;
}

/**
 * Resource types moto 5.2.1 cannot create, found by applying prod-use1 against it with the
 * real provider (hashicorp/aws 5.100.0). Each would make `terraform apply` fail or hang until
 * the provider's timeout, so the drill leaves it (and whatever references it) out of the copy.
 */
export const MOTO_UNSUPPORTED: Readonly<Record<string, UnsupportedType>> = {
  aws_db_instance_automated_backups_replication: {
    reason: 'moto 5.2.1 does not implement StartDBInstanceAutomatedBackupsReplication; the provider retries until its timeout',
    consequence:
      'automated backups and transaction logs replicated to the DR region (point-in-time recovery there) are not exercised; the drill restores from a snapshot copy instead',
  },
  aws_backup_selection: {
    reason: 'moto 5.2.1 does not implement CreateBackupSelection (nor backup or copy jobs); the provider retries until its timeout',
    consequence:
      'no scheduled AWS Backup job runs and no copy_action copies a recovery point to the DR vault; the drill takes a snapshot and copies it across regions itself, as the copy job would',
  },
  aws_sqs_queue_redrive_allow_policy: {
    reason: 'moto 5.2.1 does not keep the RedriveAllowPolicy queue attribute, so the provider waits for it until its timeout',
    consequence:
      'the dead-letter queue accepting redrives only from its source queue is not exercised (the redrive policy from queue to dead-letter queue is)',
  },
  aws_s3_bucket_replication_configuration: {
    reason: 'moto 5.2.1 replicates no S3 object',
    consequence: 'S3 object replication to the DR region is not exercised',
  },
  aws_msk_replicator: {
    reason: 'moto 5.2.1 has no MSK Replicator API',
    consequence: 'MSK topic replication to the DR region is not exercised',
  },
};

/** Resource types that apply on the emulator but whose effect it never produces. */
export const MOTO_INERT: Readonly<Record<string, string>> = {
  aws_backup_plan: 'applied, but moto runs no backup job: the schedule and the copy_action to the DR vault never fire',
  aws_eks_node_group: 'applied as a record: moto starts no node and runs no workload',
  aws_eks_cluster: 'applied as a record: no control plane, no Kubernetes API, no workload or volume is restored',
  aws_db_instance:
    "moto has no PostgreSQL engine: the instance is a record; the drill's data plane (real PostgreSQL on loopback) stands in for its data, so rows are written and counted there, not in this instance",
  aws_nat_gateway: 'applied as a record: no traffic flows',
};

/** Terraform address of a resource (`type.name`) or data source (`data.type.name`). */
export type Address = string;

export interface RemovedResource {
  readonly address: Address;
  readonly reason: string;
  /** The removed address it references, when it was removed for that. */
  readonly via?: Address;
}

export interface FilterResult {
  readonly json: TerraformJson;
  readonly removed: readonly RemovedResource[];
  /** Outputs removed because they reference a removed resource. */
  readonly removedOutputs: readonly string[];
  /** Resources kept whose `depends_on` named a removed resource: the edge is dropped (ordering only). */
  readonly droppedDependsOn: ReadonlyArray<{ readonly address: Address; readonly on: readonly Address[] }>;
}

/**
 * Remove `seeds` (address → reason) and, transitively, every resource, data source and output
 * that references a removed one in an expression (it could not be planned without it). A kept
 * resource that only orders itself after a removed one (`depends_on`) keeps its place: the edge
 * is dropped and listed.
 */
export function removeResources(input: TerraformJson, seeds: ReadonlyMap<Address, string>): FilterResult {
  const json = structuredClone(input);
  const known = new Set(addresses(json).keys());
  const bodyOf = (a: Address) => blockAt(json, a);
  const refs = new Map([...known].map((a) => [a, referencedAddresses(bodyOf(a) ?? {}, known)]));

  const removed = new Map<Address, RemovedResource>();
  for (const [a, reason] of seeds) if (known.has(a)) removed.set(a, { address: a, reason });
  for (let changed = true; changed; ) {
    changed = false;
    for (const a of [...known].sort()) {
      if (removed.has(a)) continue;
      const via = [...(refs.get(a) ?? [])].sort().find((r) => removed.has(r));
      if (via) {
        removed.set(a, { address: a, reason: `references ${via}, which is left out`, via });
        changed = true;
      }
    }
  }
  for (const a of removed.keys()) removeBlock(json, a);
  const droppedDependsOn: Array<{ address: Address; on: Address[] }> = [];
  for (const a of [...known].sort()) {
    if (removed.has(a)) continue;
    const body = bodyOf(a);
    const deps = body?.depends_on;
    if (!body || !Array.isArray(deps)) continue;
    const gone = deps.filter((d): d is string => typeof d === 'string' && removed.has(d));
    if (gone.length === 0) continue;
    const left = deps.filter((d) => !gone.includes(d as string));
    if (left.length) body.depends_on = left;
    else delete body.depends_on;
    droppedDependsOn.push({ address: a, on: gone });
  }
  const removedOutputs: string[] = [];
  const outputs = json.output ?? {};
  for (const [name, out] of Object.entries(outputs)) {
    if ([...referencedAddresses(out, known)].some((r) => removed.has(r))) {
      delete outputs[name];
      removedOutputs.push(name);
    }
  }
  const order = [...removed.values()].sort((x, y) => Number(!!x.via) - Number(!!y.via) || x.address.localeCompare(y.address));
  return { json, removed: order, removedOutputs: removedOutputs.sort(), droppedDependsOn };
}

/** Seeds for `removeResources`: every resource of a type in `table`. */
export function unsupportedSeeds(
  json: TerraformJson,
  table: Readonly<Record<string, UnsupportedType>> = MOTO_UNSUPPORTED,
): Map<Address, string> {
  const out = new Map<Address, string>();
  for (const [type, u] of Object.entries(table))
    for (const name of Object.keys(resourcesOf(json, type))) out.set(`${type}.${name}`, u.reason);
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

export interface TargetOverride {
  /** Emulator URL (`http://127.0.0.1:4566`), or undefined for real AWS. */
  readonly endpoint?: string;
  /** Local state file, relative to the work folder. */
  readonly statePath: string;
}

/**
 * The `*_override.tf.json` that makes a copy of an environment apply into the drill's target:
 * a local backend always (a drill must never write the environment's real remote state), and,
 * for an emulator, test credentials, no account or metadata lookups, path-style S3 and every
 * service's endpoint on the emulator, for every `aws` provider block (aliased ones too).
 * Override files replace nested blocks (endpoints) wholesale and the backend entirely.
 */
export function overrideFor(json: TerraformJson, target: TargetOverride): TerraformJson {
  const out: TerraformJson = { terraform: { backend: { local: { path: target.statePath } } } };
  if (target.endpoint === undefined) return out;
  const endpoint = target.endpoint;
  const blocks = providerBlocks(json, 'aws');
  if (blocks.length === 0) return out;
  out.provider = {
    aws: blocks.map((b) => ({
      ...(typeof b.alias === 'string' ? { alias: b.alias } : {}),
      access_key: 'test',
      secret_key: 'test',
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
      skip_region_validation: true,
      s3_use_path_style: true,
      // fewer than the provider's 25: an emulator that has gone away fails the apply within a
      // couple of minutes, while its occasional transient errors are still retried
      max_retries: 10,
      endpoints: [Object.fromEntries(EMULATOR_SERVICES.map((s) => [s, endpoint]))],
    })),
  };
  return out;
}

/**
 * moto 5.2.1 builds a cross-region read replica as a copy of the source instance and applies the
 * request's parameters to it before it moves the copy to the replica's region, so it looks the
 * replica's `DBSubnetGroupName` up in the source region and fails (DBSubnetGroupNotFoundFault).
 * On the emulator the DR database of a replica strategy goes without `db_subnet_group_name` (the
 * argument is optional and computed): returns the JSON and the addresses adapted.
 */
export function withoutReplicaSubnetGroups(input: TerraformJson): { json: TerraformJson; adapted: string[] } {
  const json = structuredClone(input);
  const adapted: string[] = [];
  for (const [name, body] of Object.entries(resourcesOf(json, 'aws_db_instance'))) {
    if (body.db_subnet_group_name === undefined) continue;
    delete body.db_subnet_group_name;
    adapted.push(`aws_db_instance.${name}`);
  }
  return { json, adapted };
}

/**
 * Node groups whose size the change alters. On moto they are replaced instead of updated in place:
 * its EKS has UpdateNodegroupConfig but no DescribeUpdate, which the provider's waiter polls.
 */
export function resizedNodeGroups(before: TerraformJson, after: TerraformJson): string[] {
  const size = (j: TerraformJson) =>
    new Map(placedResources(j, 'aws_eks_node_group').map((g) => [g.address, JSON.stringify(g.body.scaling_config)]));
  const was = size(before);
  return [...size(after)].filter(([a, s]) => was.has(a) && was.get(a) !== s).map(([a]) => a);
}

/** Backup plans whose rules change between two documents (a failback's reverse copy action): moto 5.2.1 has no UpdateBackupPlan. */
export function changedBackupPlans(before: TerraformJson, after: TerraformJson): string[] {
  const rules = (j: TerraformJson) => new Map(placedResources(j, 'aws_backup_plan').map((p) => [p.address, JSON.stringify(p.body.rule)]));
  const was = rules(before);
  return [...rules(after)].filter(([a, r]) => was.has(a) && was.get(a) !== r).map(([a]) => a);
}

/**
 * Attributes moto 5.2.1 does not keep, by resource type: read back as unset after every apply, so
 * that each later apply would change them again, and wait for it, although the step changed
 * nothing. moto's RDS has no Performance Insights (no such field in moto/rds): the AWS provider
 * reads `performance_insights_enabled` back as false, and each apply of a database configured with
 * it sends a ModifyDBInstance and waits 80 s for it (waitDBInstanceAvailable: 60 s delay, then
 * three polls 10 s apart).
 */
export const MOTO_DROPPED: Readonly<Record<string, readonly string[]>> = {
  aws_db_instance: ['performance_insights_enabled'],
};

/** One attribute the emulator's applies leave alone, and why. */
export interface IgnoredDrift {
  readonly address: Address;
  readonly attribute: string;
  /** `dropped`: moto does not keep it; `promoted`: moto still names a promoted database's source. */
  readonly why: 'dropped' | 'promoted';
}

/**
 * On the emulator, a change that would only restore what moto dropped is not a change of the step:
 * `lifecycle.ignore_changes` for
 * - each MOTO_DROPPED attribute whose configured value is the one already applied (`previous`, the
 *   document the last apply of this environment applied);
 * - `replicate_source_db` of a database whose state still names a source (`linked`) although neither
 *   the applied document nor this one does: moto keeps ReadReplicaSourceDBInstanceIdentifier after
 *   PromoteReadReplica, so every later apply would promote it again and wait 80 s.
 * A step that changes such an attribute still applies it; a first apply (no `previous`) is left as
 * it is; `ignore_changes` never affects a create or a replacement.
 */
export function ignoringEmulatorDrift(
  input: TerraformJson,
  previous: TerraformJson | undefined,
  linked: ReadonlySet<Address>,
): { json: TerraformJson; ignored: IgnoredDrift[] } {
  if (!previous) return { json: input, ignored: [] };
  const json = structuredClone(input);
  const ignored: IgnoredDrift[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const bodies = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]) => ({ type, address: `${type}.${name}`, body: body as Record<string, unknown> })),
  );
  for (const { type, address, body } of bodies) {
    const before = blockAt(previous, address);
    if (!before) continue;
    const attributes: Array<[string, IgnoredDrift['why']]> = (MOTO_DROPPED[type] ?? [])
      .filter((a) => body[a] !== undefined && same(body[a], before[a]))
      .map((a) => [a, 'dropped']);
    if (
      type === 'aws_db_instance' &&
      linked.has(address) &&
      body.replicate_source_db === undefined &&
      before.replicate_source_db === undefined
    )
      attributes.push(['replicate_source_db', 'promoted']);
    if (attributes.length === 0) continue;
    const lifecycle = (body.lifecycle ?? {}) as { ignore_changes?: unknown };
    const kept: unknown[] = Array.isArray(lifecycle.ignore_changes) ? lifecycle.ignore_changes : [];
    body.lifecycle = { ...lifecycle, ignore_changes: [...kept, ...attributes.map(([a]) => a).filter((a) => !kept.includes(a))] };
    for (const [attribute, why] of attributes) ignored.push({ address, attribute, why });
  }
  return { json, ignored };
}

/** The report's line for what the emulator's applies left alone (`<env>: <address> <attribute>` each). */
export function ignoredDriftGap(ignored: ReadonlyArray<IgnoredDrift & { readonly env: string }>): NotExercised[] {
  if (ignored.length === 0) return [];
  const list = ignored.map((d) => `${d.env}: ${d.address} ${d.attribute}`).join(', ');
  return [
    {
      what: 're-applying what the emulator drops',
      why: `moto 5.2.1 keeps no Performance Insights settings and, after PromoteReadReplica, still names the replica's source, so every apply after an environment's first would modify (or promote) its database again and wait 80 s for the provider's RDS waiter although the step changed nothing; on the emulator the drill's applies ignore those attributes when the step does not change them (${list}). A step that changes one still applies it; on AWS nothing is ignored`,
    },
  ];
}
