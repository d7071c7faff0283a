/**
 * How object storage reaches a DR region, read from the primary's Terraform: S3 cross-region
 * replication (with or without Replication Time Control), a Cloud Storage dual-region that holds
 * the DR region (with or without turbo replication), or a Storage Transfer job copying into a
 * bucket there. Kept apart from `dr.ts`, which calls it once per pair.
 */
import { regionCatalog, type ResolvedEnvironment } from '@parity/model';
import type { Finding } from './findings.js';
import { blocks, type TfDoc } from './tf.js';

/** S3 RTC's SLA: 99.99% of objects within 15 minutes. */
export const S3_RTC_RPO_MINUTES = 15;
/** S3 replication without RTC: "most objects within 15 minutes, sometimes a couple of hours or more" (AWS); two hours assumed. */
export const S3_REPLICATION_RPO_MINUTES = 120;
/** Cloud Storage turbo replication: 100% of newly written objects in both regions within 15 minutes. */
export const GCS_TURBO_RPO_MINUTES = 15;
/** Cloud Storage default replication: 99.9% within an hour, 100% within 12 hours. */
export const GCS_DEFAULT_RPO_MINUTES = 720;

/** Where a pair's findings, protections and key checks go (the arrays `protections()` in dr.ts fills). */
export interface BucketSink {
  readonly doc: TfDoc;
  readonly primary: ResolvedEnvironment;
  readonly drRegion: string;
  readonly copyDelayMinutes: number;
  readonly file: string;
  /** `Protection`s of dr.ts (structurally: this module does not import dr.ts, which imports it). */
  readonly out: Array<{ readonly bundle: string; readonly mechanism: string; readonly rpoMinutes: number }>;
  readonly findings: Finding[];
  readonly keys: Array<{ address: string; region: string; keyRegion?: string; ok: boolean }>;
}

/** Add the bucket bundle's protections toward `drRegion` (and the keys its replicas use) to the sink. */
export function addBucketProtections(s: BucketSink): void {
  if (s.primary.cloud === 'aws') awsReplication(s);
  else gcsPlacement(s);
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
          bundle: 'bucket',
          mechanism: `S3 cross-region replication to ${drRegion}${rtc ? ' with Replication Time Control (15 min SLA)' : ' (no Replication Time Control: most objects within 15 min, some hours)'}`,
          rpoMinutes: rtc ? S3_RTC_RPO_MINUTES : S3_REPLICATION_RPO_MINUTES,
        });
        const keyRef = blocks(d.encryption_configuration)[0]?.replica_kms_key_id;
        const key = doc.deref(keyRef);
        const keyRegion = key ? doc.providerRegion(key) : doc.regionOf(keyRef);
        const address = `${r.address}.rule[${i}].destination`;
        s.keys.push({ address, region: drRegion, keyRegion, ok: keyRegion === drRegion });
        if (keyRegion !== drRegion) {
          s.findings.push({
            check: 'dr',
            kind: 'key-region',
            severity: 'error',
            env: s.primary.name,
            file: s.file,
            path: `${address}.encryption_configuration.replica_kms_key_id`,
            value: keyRegion ?? String(keyRef),
            message: `objects replicated to ${drRegion} by ${r.address} are encrypted with a key ${keyRegion ? `in ${keyRegion}` : 'whose region cannot be read'}; they could not be read when the source region is lost`,
            fix: `encrypt the replica with a key created with the provider for ${drRegion}`,
          });
        }
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
      bundle: 'bucket',
      mechanism: `Cloud Storage dual-region ${location}${custom.length ? ` (${custom.join(' + ')})` : ''} holds ${drRegion}${turbo ? ', turbo replication (15 min)' : ', default replication (up to 12 h)'}`,
      rpoMinutes: turbo ? GCS_TURBO_RPO_MINUTES : GCS_DEFAULT_RPO_MINUTES,
    });
  }
  for (const j of doc.resources('google_storage_transfer_job')) {
    const sink = blocks(j.body.transfer_spec).flatMap((t) => blocks(t.gcs_data_sink))[0];
    const target = doc.deref(sink?.bucket_name);
    if (!target || String(target.body.location ?? '').toUpperCase() !== dr) continue;
    const every = /^(\d+)s$/.exec(String(blocks(j.body.schedule)[0]?.repeat_interval ?? ''));
    const minutes = every ? Number(every[1]) / 60 : 1440;
    s.out.push({
      bundle: 'bucket',
      mechanism: `Storage Transfer copy every ${minutes} min into a bucket in ${drRegion}`,
      rpoMinutes: minutes + s.copyDelayMinutes,
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
