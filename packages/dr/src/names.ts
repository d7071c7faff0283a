/**
 * The names the procedures and the runbook use, read from both environments' Terraform (AWS and
 * GCP): the databases, the clusters and their node groups, the queues. Nothing here calls an API.
 */
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';
import type { Pair } from './pair.js';

export interface Names {
  primaryDb?: string;
  drDb?: string;
  cluster?: string;
  nodeGroups: string[];
  drCluster?: string;
  drNodeGroups: string[];
  queues: string[];
}

/** The resource types that name each part, per cloud. */
const TYPES = {
  aws: {
    db: 'aws_db_instance',
    cluster: 'aws_eks_cluster',
    group: 'aws_eks_node_group',
    groupName: 'node_group_name',
    queue: 'aws_sqs_queue',
  },
  gcp: {
    db: 'google_sql_database_instance',
    cluster: 'google_container_cluster',
    group: 'google_container_node_pool',
    groupName: 'name',
    queue: 'google_pubsub_topic',
  },
} as const;

/** The names the procedure uses, from both environments' Terraform. */
export function names(primaryJson: TerraformJson, drJson: TerraformJson, pair: Pair): Names {
  const t = TYPES[pair.dr.cloud];
  const inRegion = <T extends { region?: string }>(xs: T[], region: string) =>
    xs.filter((x) => x.region === undefined || x.region === region);
  const first = (j: TerraformJson, type: string, key: string, region: string) =>
    literal(inRegion(placedResources(j, type), region)[0]?.body[key]);
  const all = (j: TerraformJson, type: string, key: string, region: string) =>
    inRegion(placedResources(j, type), region)
      .map((r) => literal(r.body[key]))
      .filter((n): n is string => !!n);
  const dbKey = pair.dr.cloud === 'aws' ? 'identifier' : 'name';
  return {
    primaryDb: first(primaryJson, t.db, dbKey, pair.primary.region),
    drDb: first(drJson, t.db, dbKey, pair.dr.region),
    cluster: first(primaryJson, t.cluster, 'name', pair.primary.region),
    nodeGroups: all(primaryJson, t.group, t.groupName, pair.primary.region),
    drCluster: first(drJson, t.cluster, 'name', pair.dr.region),
    drNodeGroups: all(drJson, t.group, t.groupName, pair.dr.region),
    queues: all(drJson, t.queue, 'name', pair.dr.region),
  };
}

/** The final snapshot's name as people read it: the creation time Terraform stamps into it shown as a placeholder. */
function finalName(v: unknown): string | undefined {
  return typeof v === 'string' ? v.replace(/\$\{[^}]*timestamp\(\)[^}]*\}/, '<its creation time, YYYYMMDDhhmmss>') : undefined;
}

/** An environment's database as its Terraform declares it. */
export interface Database {
  readonly address: string;
  readonly id?: string;
  /** Deletion protection on: it must be lifted before the instance can be replaced. */
  readonly protected: boolean;
  /** The final snapshot its delete keeps, as people read the name; none when it keeps none. */
  readonly finalSnapshot?: string;
}

/** The database of an environment's Terraform: its address, identifier, protection and final snapshot. */
export function databaseOf(json: TerraformJson): Database | undefined {
  const db = placedResources(json, 'aws_db_instance')[0];
  if (!db) return undefined;
  return {
    address: db.address,
    id: literal(db.body.identifier),
    protected: db.body.deletion_protection === true,
    finalSnapshot: db.body.skip_final_snapshot === true ? undefined : finalName(db.body.final_snapshot_identifier),
  };
}

/** The identifier of the database `json` places in `region` (or in the provider's default region). */
export function databaseIn(json: TerraformJson, region: string): string | undefined {
  return literal(placedResources(json, 'aws_db_instance').find((d) => d.region === undefined || d.region === region)?.body.identifier);
}

/** The reverse copy vault: the vault the dr environment's Terraform places in the production region. */
export function reverseVault(pair: Pair, drJson: TerraformJson): string | undefined {
  return literal(placedResources(drJson, 'aws_backup_vault').find((v) => v.region === pair.primary.region)?.body.name);
}

/** The switchover snapshot's identifier (the same in both regions): the dr database's, `failback`, the second. Same for the same inputs. */
export function switchoverSnapshotId(drDb: string, at: Date): string {
  return `${drDb}-failback-${at
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:T]/g, '')}`;
}
