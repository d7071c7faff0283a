/**
 * How object storage (and tables) reach a DR region, read from the primary's Terraform: S3
 * cross-region replication (with or without Replication Time Control), DynamoDB global table
 * replicas, a Cloud Storage dual-region that holds the DR region (with or without turbo
 * replication), or a Storage Transfer job copying into a bucket there. Each protection belongs to
 * the bundle whose construct made the resource (the first part of its Terraform name), so a
 * bundle made with `gen bundle --stateful` is covered like the bucket bundle. Kept apart from
 * `dr.ts`, which calls it once per pair.
 */
import { regionCatalog, type ResolvedEnvironment } from '@parity/model';
import type { Finding } from './findings.js';
import type { Mechanism } from './standby.js';
import { blocks, type TfDoc, type TfResource } from './tf.js';

/** S3 RTC's SLA: 99.99% of objects within 15 minutes. */
export const S3_RTC_RPO_MINUTES = 15;
/** S3 replication without RTC: "most objects within 15 minutes, sometimes a couple of hours or more" (AWS); two hours assumed. */
export const S3_REPLICATION_RPO_MINUTES = 120;
/** Cloud Storage turbo replication: 100% of newly written objects in both regions within 15 minutes. */
export const GCS_TURBO_RPO_MINUTES = 15;
/** DynamoDB global tables: replication "usually within a second"; a few minutes assumed under load. */
export const DYNAMODB_REPLICA_RPO_MINUTES = 5;
/** Cloud Storage default replication: 99.9% within an hour, 100% within 12 hours. */
export const GCS_DEFAULT_RPO_MINUTES = 720;

/** Where a pair's findings, protections and key checks go (the arrays `protections()` in dr.ts fills). */
export interface BucketSink {
  readonly doc: TfDoc;
  readonly primary: ResolvedEnvironment;
  readonly drRegion: string;
  readonly copyDelayMinutes: number;
  readonly file: string;
  readonly out: Mechanism[];
  readonly findings: Finding[];
  readonly keys: Array<{ address: string; region: string; keyRegion?: string; ok: boolean }>;
}

/** Add the bucket bundle's protections toward `drRegion` (and the keys its replicas use) to the sink. */
export function addBucketProtections(s: BucketSink): void {
  if (s.primary.cloud === 'aws') {
    awsReplication(s);
    dynamodbReplicas(s);
  } else gcsPlacement(s);
}

/** The bundle a resource belongs to: construct paths make every Terraform name start with `<bundle>_`. */
function bundleOf(r: TfResource): string {
  return r.name.slice(0, Math.max(0, r.name.indexOf('_')));
}

/** Record the key a copy in the DR region is encrypted with, and a finding when it is not of that region. */
function checkKey(s: BucketSink, address: string, path: string, keyRef: unknown): void {
  const key = s.doc.deref(keyRef);
  const keyRegion = key ? s.doc.providerRegion(key) : s.doc.regionOf(keyRef);
  s.keys.push({ address, region: s.drRegion, keyRegion, ok: keyRegion === s.drRegion });
  if (keyRegion === s.drRegion) return;
  s.findings.push({
    check: 'dr',
    kind: 'key-region',
    severity: 'error',
    env: s.primary.name,
    file: s.file,
    path,
    value: keyRegion ?? String(keyRef),
    message: `the copy in ${s.drRegion} made by ${address} is encrypted with a key ${keyRegion ? `in ${keyRegion}` : 'whose region cannot be read'}; it could not be read when the source region is lost`,
    fix: `encrypt the copy with a key created with the provider for ${s.drRegion}`,
  });
}

function dynamodbReplicas(s: BucketSink): void {
  for (const t of s.doc.resources('aws_dynamodb_table')) {
    blocks(t.body.replica).forEach((rep, i) => {
      if (rep.region_name !== s.drRegion) return;
      s.out.push({
        bundle: bundleOf(t),
        mechanism: `DynamoDB global table replica in ${s.drRegion}`,
        rpoMinutes: DYNAMODB_REPLICA_RPO_MINUTES,
        kind: 'replica',
        recovery: 'promotion',
        resource: t.address,
      });
      checkKey(s, `${t.address}.replica[${i}]`, `${t.address}.replica[${i}].kms_key_arn`, rep.kms_key_arn);
    });
  }
}

function awsReplication(s: BucketSink): void {
  const { doc, drRegion } = s;
  for (const r of doc.resources('aws_s3_bucket_replication_configuration')) {
    blocks(r.body.rule).forEach((rule, i) => {
      if (rule.status === 'Disabled') return;
      for (const d of blocks(rule.destination)) {
        if (doc.regionOf(d.bucket) !== drRegion) continue;
        const rtc = blocks(d.replication_time).some((t) => t.status === 'Enabled');
        s.out.push({
          bundle: bundleOf(r),
          mechanism: `S3 cross-region replication to ${drRegion}${rtc ? ' with Replication Time Control (15 min SLA)' : ' (no Replication Time Control: most objects within 15 min, some hours)'}`,
          rpoMinutes: rtc ? S3_RTC_RPO_MINUTES : S3_REPLICATION_RPO_MINUTES,
          // the replica bucket is used as it is: no restore
          kind: 'replica',
          recovery: 'promotion',
          resource: r.address,
        });
        const address = `${r.address}.rule[${i}].destination`;
        checkKey(
          s,
          address,
          `${address}.encryption_configuration.replica_kms_key_id`,
          blocks(d.encryption_configuration)[0]?.replica_kms_key_id,
        );
      }
    });
  }
}

function gcsPlacement(s: BucketSink): void {
  const { doc, drRegion } = s;
  const dr = drRegion.toUpperCase();
  for (const b of doc.resources('google_storage_bucket')) {
    const location = String(b.body.location ?? '').toUpperCase();
    const custom = blocks(b.body.custom_placement_config).flatMap((c) =>
      Array.isArray(c.data_locations) ? c.data_locations.map((l) => String(l).toUpperCase()) : [],
    );
    const predefined = custom.length === 0 && predefinedHolds(location, drRegion);
    if (!custom.includes(dr) && !predefined) continue;
    const turbo = b.body.rpo === 'ASYNC_TURBO';
    s.out.push({
      bundle: bundleOf(b),
      mechanism: `Cloud Storage dual-region ${location}${custom.length ? ` (${custom.join(' + ')})` : ''} holds ${drRegion}${turbo ? ', turbo replication (15 min)' : ', default replication (up to 12 h)'}`,
      rpoMinutes: turbo ? GCS_TURBO_RPO_MINUTES : GCS_DEFAULT_RPO_MINUTES,
      kind: 'replica',
      recovery: 'promotion',
      resource: b.address,
    });
  }
  for (const j of doc.resources('google_storage_transfer_job')) {
    const sink = blocks(j.body.transfer_spec).flatMap((t) => blocks(t.gcs_data_sink))[0];
    const target = doc.deref(sink?.bucket_name);
    if (!target || String(target.body.location ?? '').toUpperCase() !== dr) continue;
    const every = /^(\d+)s$/.exec(String(blocks(j.body.schedule)[0]?.repeat_interval ?? ''));
    const minutes = every ? Number(every[1]) / 60 : 1440;
    s.out.push({
      bundle: bundleOf(j),
      mechanism: `Storage Transfer copy every ${minutes} min into a bucket in ${drRegion}`,
      rpoMinutes: minutes + s.copyDelayMinutes,
      kind: 'backups',
      recovery: 'promotion',
      resource: j.address,
    });
  }
}

/** Whether a predefined dual-region location (`EUR4`) includes `region`. */
function predefinedHolds(location: string, region: string): boolean {
  const cat = regionCatalog();
  return cat.list('gcp').some((r) => {
    const dual = cat.gcsDualRegion(region, r.code);
    return dual !== undefined && !dual.dataLocations && dual.location === location;
  });
}
