/**
 * The identities CI uses per environment, created by the bootstrap stack (packages/synth) and
 * assumed by the generated workflows (`pnpm gen ci`) through GitHub OIDC: one name, two users.
 */
import type { Cloud } from './catalog.js';
import { physicalName } from './naming.js';

export type CiPurpose = 'plan' | 'apply';

/**
 * The CI identity of `env` for `purpose`. AWS: an IAM role name (`<platform>-<env>-ci-<purpose>`),
 * in the account the workflows name with the repository variable AWS_ACCOUNT_ID. GCP: a service
 * account e-mail in the environment's own project.
 */
export function ciIdentity(env: { platform: string; name: string; cloud: Cloud; gcpProject?: string }, purpose: CiPurpose): string {
  if (env.cloud === 'aws') return physicalName('aws.iamRole', env.platform, env.name, 'ci', purpose);
  return `${ciServiceAccountId(env.platform, env.name, purpose)}@${env.gcpProject}.iam.gserviceaccount.com`;
}

/** The GCP service account ID (the part before `@`) of an environment's CI identity. */
export function ciServiceAccountId(platform: string, env: string, purpose: CiPurpose): string {
  return physicalName('gcp.serviceAccount', platform, env, purpose);
}

/** The GitHub Environment every preview job runs in: the one OIDC subject the preview identity trusts. */
export const PREVIEW_GITHUB_ENVIRONMENT = 'preview';

/**
 * The one CI identity of a cloud's previews (the bootstrap creates it when the definition has
 * `previews:`). AWS: an IAM role name (`<platform>-previews-ci-apply`, tagged `previews` so the state
 * buckets let it reach `previews/` only). GCP: the service account ID, in the bootstrap's project.
 */
export function previewIdentity(platform: string, cloud: Cloud): string {
  return cloud === 'aws'
    ? physicalName('aws.iamRole', platform, 'previews', 'ci', 'apply')
    : ciServiceAccountId(platform, 'previews', 'apply');
}
