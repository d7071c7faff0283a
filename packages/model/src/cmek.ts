/**
 * Customer-managed encryption keys on GCP, as data (no cdktf): who must be allowed to use a key,
 * where it must live and what it is called. Each GCP bundle creates its own key ring and key per
 * location from this, so the names, the service agents and the location rules are written once.
 *
 * Service agents: the GA Google provider has no `google_project_service_identity` (google-beta
 * only), so the agents' identities are the documented email patterns on the project number
 * (`data.google_project.number`). Cloud Storage has a GA data source for its agent
 * (`google_storage_project_service_account`), which bundles use instead.
 */
import type { DeployContext } from './deploy.js';

/** The Google services whose service agent encrypts a bundle's data with a customer-managed key. */
export type GcpKeyUser = 'cloud-sql' | 'pubsub' | 'compute' | 'gke-backup';

/** The email domain of each service agent (`service-<project number>@<domain>`). */
const AGENT_DOMAIN: Readonly<Record<GcpKeyUser, string>> = {
  // Cloud SQL: https://cloud.google.com/sql/docs/postgres/configure-cmek
  'cloud-sql': 'gcp-sa-cloud-sql.iam.gserviceaccount.com',
  // Pub/Sub: https://cloud.google.com/pubsub/docs/encryption
  pubsub: 'gcp-sa-pubsub.iam.gserviceaccount.com',
  // GKE node boot disks are Compute Engine disks, encrypted by Compute's agent:
  // https://cloud.google.com/kubernetes-engine/docs/how-to/using-cmek
  compute: 'compute-system.iam.gserviceaccount.com',
  // Backup for GKE: https://cloud.google.com/kubernetes-engine/docs/add-on/backup-for-gke/how-to/cmek
  'gke-backup': 'gcp-sa-gkebackup.iam.gserviceaccount.com',
};

/** The IAM role a service agent needs on the key. */
export const KEY_USER_ROLE = 'roles/cloudkms.cryptoKeyEncrypterDecrypter';

/** Keys rotate every 90 days (new data uses the new version; old versions stay to decrypt). */
export const KEY_ROTATION_PERIOD = '7776000s';

/** The service agent of `service` in the project numbered `projectNumber`, as an IAM member. */
export function serviceAgentMember(service: GcpKeyUser, projectNumber: string): string {
  return `serviceAccount:service-${projectNumber}@${AGENT_DOMAIN[service]}`;
}

/**
 * The Cloud KMS location for data in `location` (a region, or a Cloud Storage location code): a
 * key must live where the data does. Regions map to themselves; a predefined dual-region
 * (`EUR4`, `NAM4`, `ASIA1`) to the Cloud KMS location of the same name; a configurable
 * dual-region (`EU`, `US`, `ASIA` with data locations) to its multi-region (`europe`, `us`, `asia`).
 */
export function kmsLocation(location: string): string {
  return KMS_MULTI_REGION[location] ?? location.toLowerCase();
}

/** Cloud Storage multi-region codes and the Cloud KMS multi-region of the same countries. */
const KMS_MULTI_REGION: Readonly<Record<string, string>> = { EU: 'europe', US: 'us', ASIA: 'asia' };

/** The Cloud Storage location code of a Cloud KMS location (`europe` → `eu`), for the region catalog's jurisdictions. */
export function storageLocationOfKms(location: string): string {
  const multi = Object.entries(KMS_MULTI_REGION).find(([, kms]) => kms === location);
  return multi ? multi[0].toLowerCase() : location;
}

/** Names of the key ring and key a bundle keeps in `location`. */
export function keyNames(ctx: DeployContext<unknown>, location: string): { ring: string; key: string; location: string } {
  const where = kmsLocation(location);
  return { ring: ctx.name('gcp.kmsKeyRing', ctx.bundle.name, where), key: ctx.name('gcp.kmsCryptoKey', ctx.bundle.name), location: where };
}
