/**
 * Data residency, read from the synthesized Terraform: every place data lands (databases and
 * their replicas, backup vaults and copy destinations, replicated backups, Cloud SQL backup
 * locations, scheduled backup locations, queue storage, buckets and their replication
 * destinations, cluster volumes, and the keys that encrypt them) must be inside the environment's
 * jurisdiction.
 *
 * This reads destinations, not just where an API call is made, which is what a service control
 * policy or an org policy cannot do: a copy action whose destination ARN points at another
 * region is caught here.
 */
import { regionCatalog, storageLocationOfKms, type ResolvedEnvironment } from '@parity/model';
import type { Finding } from './findings.js';
import { blocks, literal, TfDoc, type TerraformJson, type TfResource } from './tf.js';

export interface DataPlace {
  readonly address: string;
  /** The attribute that decides the location, or `(provider)` for the provider's region. */
  readonly field: string;
  readonly location?: string;
  readonly jurisdictions?: readonly string[] | null;
}

/** AWS resource types that hold data where their provider puts them. */
const AWS_DATA_TYPES = [
  'aws_db_instance',
  'aws_db_instance_automated_backups_replication',
  'aws_rds_cluster',
  'aws_backup_vault',
  'aws_s3_bucket',
  'aws_kms_key',
  'aws_kms_replica_key',
  'aws_sqs_queue',
  'aws_sns_topic',
  'aws_eks_cluster',
  'aws_ebs_volume',
  'aws_efs_file_system',
  'aws_dynamodb_table',
  'aws_msk_cluster',
  'aws_elasticache_replication_group',
  'aws_db_snapshot_copy',
];

function decodeSchedulerLocation(r: TfResource): string | undefined {
  for (const t of blocks(r.body.http_target)) {
    if (typeof t.body !== 'string') continue;
    try {
      const body = JSON.parse(Buffer.from(t.body, 'base64').toString('utf8')) as { location?: unknown };
      if (typeof body.location === 'string') return body.location;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Every place data lands, with its location where it can be read. */
export function dataPlaces(env: ResolvedEnvironment, json: TerraformJson): DataPlace[] {
  const doc = new TfDoc(json, env.cloud, env.region);
  const cat = regionCatalog();
  const places: DataPlace[] = [];
  const add = (address: string, field: string, location: unknown) => {
    const loc = literal(location);
    places.push({ address, field, location: loc, jurisdictions: loc ? cat.locationJurisdictions(env.cloud, loc) : undefined });
  };
  if (env.cloud === 'aws') {
    for (const type of AWS_DATA_TYPES) for (const r of doc.resources(type)) add(r.address, '(provider region)', doc.providerRegion(r));
    for (const r of doc.resources('aws_backup_plan')) {
      for (const [i, rule] of blocks(r.body.rule).entries()) {
        for (const [j, c] of blocks(rule.copy_action).entries()) {
          add(
            r.address,
            `rule[${i}].copy_action[${j}].destination_vault_arn`,
            doc.regionOf(c.destination_vault_arn) ?? c.destination_vault_arn,
          );
        }
      }
    }
    for (const r of doc.resources('aws_s3_bucket_replication_configuration')) {
      for (const [i, rule] of blocks(r.body.rule).entries()) {
        for (const d of blocks(rule.destination)) add(r.address, `rule[${i}].destination.bucket`, doc.regionOf(d.bucket) ?? d.bucket);
      }
    }
    // a queue's replay archive: where SNS delivers every message (the subscription is made in the topic's region)
    for (const r of doc.resources('aws_sns_topic_subscription')) {
      if (r.body.protocol === 'sqs' || r.body.protocol === 'lambda')
        add(r.address, 'endpoint', doc.regionOf(r.body.endpoint) ?? r.body.endpoint);
    }
    for (const r of doc.resources('aws_dynamodb_table')) {
      for (const [i, rep] of blocks(r.body.replica).entries()) add(r.address, `replica[${i}].region_name`, rep.region_name);
    }
    return places;
  }
  // Key material stays in its key ring's location (a multi-region one: its countries).
  for (const r of doc.resources('google_kms_key_ring')) add(r.address, 'location', storageLocationOfKms(String(r.body.location)));
  for (const r of doc.resources('google_sql_database_instance')) {
    add(r.address, 'region', r.body.region ?? env.region);
    const backup = blocks(r.body.settings).flatMap((s) => blocks(s.backup_configuration));
    const enabled = backup.some((b) => b.enabled !== false);
    if (enabled)
      add(
        r.address,
        'settings.backup_configuration.location',
        backup.find((b) => b.location)?.location ?? '(unset: the nearest multi-region)',
      );
  }
  for (const r of doc.resources('google_pubsub_topic')) {
    const regions = blocks(r.body.message_storage_policy).flatMap((p) =>
      Array.isArray(p.allowed_persistence_regions) ? p.allowed_persistence_regions : [],
    );
    if (regions.length === 0) add(r.address, 'message_storage_policy.allowed_persistence_regions', '(unset: any region)');
    for (const [i, reg] of regions.entries()) add(r.address, `message_storage_policy.allowed_persistence_regions[${i}]`, reg);
  }
  for (const r of doc.resources('google_storage_bucket')) {
    add(r.address, 'location', r.body.location);
    for (const c of blocks(r.body.custom_placement_config)) {
      const locations: unknown[] = Array.isArray(c.data_locations) ? c.data_locations : [];
      for (const [i, l] of locations.entries()) add(r.address, `custom_placement_config.data_locations[${i}]`, l);
    }
  }
  for (const r of doc.resources('google_gke_backup_backup_plan')) add(r.address, 'location', r.body.location);
  for (const r of doc.resources('google_container_cluster')) add(r.address, 'location', r.body.location);
  for (const r of doc.resources('google_cloud_scheduler_job')) {
    const loc = decodeSchedulerLocation(r);
    if (loc) add(r.address, 'http_target.body.location', loc);
  }
  return places;
}

export function residencyFindings(env: ResolvedEnvironment, json: TerraformJson): Finding[] {
  const findings: Finding[] = [];
  const allowed = `${env.jurisdiction}: ${env.dataRegions.join(', ')}`;
  for (const p of dataPlaces(env, json)) {
    const where = {
      check: 'residency' as const,
      env: env.name,
      file: `environments/${env.name}/cdktf.out/stacks/${env.name}/cdk.tf.json`,
      path: `${p.address}.${p.field}`,
    };
    if (!p.location) {
      findings.push({
        ...where,
        kind: 'residency-unknown',
        severity: 'warning',
        message: `cannot tell where ${p.address} puts data (${p.field} is computed at apply time)`,
        fix: 'make the location a literal region or a reference to a resource in this stack, or check it by hand',
      });
      continue;
    }
    if (!p.jurisdictions) {
      findings.push({
        ...where,
        kind: 'residency',
        severity: 'error',
        value: p.location,
        message: `${p.address} puts data in ${p.location}, which cannot be shown to stay in ${env.jurisdiction}`,
        allowed,
        fix: `set ${p.field} to a region in ${env.jurisdiction}`,
      });
      continue;
    }
    const outside = p.jurisdictions.filter((j) => !env.jurisdictions.includes(j));
    if (outside.length > 0) {
      findings.push({
        ...where,
        kind: 'residency',
        severity: 'error',
        value: p.location,
        message: `${p.address} puts data in ${p.location} (${p.jurisdictions.join(' + ')}), outside ${env.jurisdiction}, where ${env.name}'s data must stay`,
        allowed,
        fix: p.field.includes('copy_action')
          ? `the copy goes to the region of a dr environment that recovers ${env.name}: move it into ${env.jurisdiction}`
          : `keep ${p.field} in ${env.jurisdiction}`,
      });
    }
  }
  return findings;
}
