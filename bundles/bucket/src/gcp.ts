/**
 * GCP object storage: a Cloud Storage bucket inside the jurisdiction, versioned, uniform access,
 * public access prevented.
 *
 * Where the environment has a DR region, its data lives in both: in a dual-region that holds
 * exactly the environment's region and the first DR region when Google offers one inside the
 * jurisdiction (a predefined one such as EUR4, or a configurable one: `EU` with both regions as
 * `custom_placement_config.data_locations`), with turbo replication (every object in both regions
 * within 15 minutes). Otherwise, and for any further DR region, a bucket in the DR region that a
 * Storage Transfer Service job copies into on the backup schedule derived from the RPO.
 *
 * Encryption: every bucket's default key is a customer-managed key where the bucket's data lives
 * (its region; for a dual-region, the Cloud KMS location of the same name, or the multi-region
 * holding a configurable one: `EU` → `europe`), which the project's Cloud Storage service agent
 * may use (its identity from `google_storage_project_service_account`).
 *
 * A dr environment creates no bucket: it uses the copy in its region (the dual-region bucket
 * itself, or the copy bucket) of the environment it recovers, by name.
 *
 * Construct IDs are public API: renaming `bucket` or a `copy-<region>` replaces a bucket.
 */
import { DataGoogleStorageProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-project-service-account/index.js';
import { DataGoogleStorageTransferProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-transfer-project-service-account/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { StorageBucket, type StorageBucketConfig } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageTransferJob } from '@cdktf/provider-google/lib/storage-transfer-job/index.js';
import type { TerraformProvider } from 'cdktn';
import type { Construct } from 'constructs';
import { environmentProject, type GcpKey, gcpKey } from '@parity/constructs/gcp';
import {
  bundleRuleBroken,
  destroyedWithContent,
  namer,
  refuseOne,
  regionCatalog,
  type DeployContext,
  type Exports,
  type ResolvedEnvironment,
} from '@parity/model';
import type { BucketParams } from './index.js';

/** The first day the copy jobs run: fixed, so the same inputs give the same bytes (a past date starts them at once). */
const TRANSFER_START = { year: 2026, month: 1, day: 1 } as const;

/** Where the environment's bucket goes: a dual-region with the first DR region, or its own region. */
export function placement(env: ResolvedEnvironment): {
  location: string;
  dataLocations?: readonly string[];
  dual: boolean;
  copyRegions: readonly string[];
} {
  const [first, ...rest] = env.backup.copyRegions;
  const dual = first ? regionCatalog().gcsDualRegion(env.region, first) : undefined;
  if (dual) return { ...dual, dual: true, copyRegions: rest };
  return { location: env.region.toUpperCase(), dual: false, copyRegions: env.backup.copyRegions };
}

/** Every region the objects go to is inside the jurisdiction: resolution's residency rule refuses anything else first; this guards direct callers. */
function assertResident(env: ResolvedEnvironment, regions: readonly string[]): void {
  const outside = regions.filter((r) => !env.dataRegions.includes(r));
  if (outside.length === 0) return;
  refuseOne(
    bundleRuleBroken('bucket', {
      param: 'region',
      message: `bucket: ${outside.join(', ')} outside ${env.name}'s jurisdiction ${env.jurisdiction}; its objects may not go there`,
      allowed: env.dataRegions.join(', '),
      fix: 'choose the region and the DR regions inside the jurisdiction (pnpm check names the residency rule)',
    }),
  );
}

export function deploy(scope: Construct, ctx: DeployContext<BucketParams, TerraformProvider>): Exports {
  const env = ctx.env;
  const project = environmentProject(ctx, "the buckets' keys need one");
  if (env.role === 'dr' && env.recovers) return { bucketName: copyInRegion(ctx, env.recovers.name), replicaNames: [] };

  const where = placement(env);
  assertResident(env, [env.region, ...where.copyRegions]);
  const agent = new DataGoogleStorageProjectServiceAccount(scope, 'storage-agent', { project });
  // A key where each bucket's data lives, usable by the Cloud Storage service agent.
  const keyFor = (location: string, suffix: string) =>
    gcpKey(scope, ctx, { project, location, idSuffix: suffix, users: [{ id: `key-user${suffix}`, member: agent.member }] });
  const bucket = new StorageBucket(scope, 'bucket', {
    ...securedBucket(ctx, ctx.name('gcp.storageBucket', 'data'), where.location, keyFor(where.location, '')),
    ...(where.dataLocations ? { customPlacementConfig: { dataLocations: [...where.dataLocations] } } : {}),
    ...(where.dual ? { rpo: ctx.params.turboReplication ? 'ASYNC_TURBO' : 'DEFAULT' } : {}),
  });
  const copies = where.copyRegions.map((region) => {
    const copy = new StorageBucket(
      scope,
      `copy-${region}`,
      securedBucket(ctx, ctx.name('gcp.storageBucket', 'data', region), region.toUpperCase(), keyFor(region, `-${region}`)),
    );
    return { region, copy };
  });
  if (copies.length > 0) copyJobs(scope, ctx, bucket, copies);
  return { bucketName: bucket.name, replicaNames: copies.map((c) => c.copy.name) };
}

/** The bucket a dr environment in this region takes over from the environment it recovers. */
function copyInRegion(ctx: DeployContext<BucketParams, TerraformProvider>, recovered: string): string {
  const name = namer(ctx.env.platform, recovered);
  const dual = regionCatalog().gcsDualRegion(ctx.env.recovers!.region, ctx.env.region);
  return dual ? name('gcp.storageBucket', 'data') : name('gcp.storageBucket', 'data', ctx.env.region);
}

/** Versioned, uniform bucket-level access, public access prevented, old versions expiring, encrypted with `cmek`. */
function securedBucket(
  ctx: DeployContext<BucketParams, TerraformProvider>,
  name: string,
  location: string,
  cmek: GcpKey,
): StorageBucketConfig {
  return {
    name,
    project: ctx.env.gcpProject!,
    location,
    encryption: { defaultKmsKeyName: cmek.key.id },
    // Cloud Storage refuses a default key its agent cannot use.
    dependsOn: [...cmek.grants],
    storageClass: 'STANDARD',
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
    ...destroyedWithContent(ctx.env),
    versioning: { enabled: true },
    lifecycleRule: [
      { condition: { daysSinceNoncurrentTime: ctx.params.noncurrentVersionDays }, action: { type: 'Delete' } },
      { condition: { age: 7 }, action: { type: 'AbortIncompleteMultipartUpload' } },
    ],
    labels: { ...ctx.tags },
  };
}

/** A Storage Transfer job per copy bucket, on the backup schedule, run by the project's transfer service agent. */
function copyJobs(
  scope: Construct,
  ctx: DeployContext<BucketParams, TerraformProvider>,
  source: StorageBucket,
  copies: ReadonlyArray<{ region: string; copy: StorageBucket }>,
): void {
  const agent = new DataGoogleStorageTransferProjectServiceAccount(scope, 'transfer-agent', { project: ctx.env.gcpProject! });
  const member = `serviceAccount:${agent.email}`;
  const reader = ['roles/storage.legacyBucketReader', 'roles/storage.objectViewer'].map(
    (role) => new StorageBucketIamMember(scope, `transfer-${role.split('.')[1]}`, { bucket: source.name, role, member }),
  );
  for (const { region, copy } of copies) {
    const writer = new StorageBucketIamMember(scope, `transfer-writer-${region}`, {
      bucket: copy.name,
      role: 'roles/storage.legacyBucketWriter',
      member,
    });
    new StorageTransferJob(scope, `copy-job-${region}`, {
      project: ctx.env.gcpProject!,
      description: `${ctx.env.name}: bucket copy to ${region}`,
      transferSpec: {
        gcsDataSource: { bucketName: source.name },
        gcsDataSink: { bucketName: copy.name },
        transferOptions: { overwriteWhen: 'DIFFERENT', deleteObjectsUniqueInSink: false },
      },
      schedule: { scheduleStartDate: TRANSFER_START, repeatInterval: `${ctx.env.backup.intervalMinutes * 60}s` },
      dependsOn: [...reader, writer],
    });
  }
}
